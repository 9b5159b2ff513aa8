package dev.saescope.lab.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The fixed settings with which {@code fetch-sae} trains the SAEs of one model: which hooks, and
 * every hyper-parameter that changes the result. Two SAE folders made with equal recipes (and the
 * same corpus) hold the same SAE; a folder made with another recipe is stale and retrained.
 *
 * @param model the model alias the SAEs read ({@code gemma-3-270m})
 * @param layers decoder layers, one SAE each, all trained on one shared stream of forward passes
 * @param site where each SAE reads
 * @param width latents (d_sae)
 * @param k active latents per position
 * @param tokens training tokens per SAE (BOS excluded)
 * @param batch tokens per optimiser step
 * @param lr Adam learning rate
 * @param lrDecayFrom fraction of the tokens after which the learning rate decays linearly to 0
 * @param context tokens per sequence, BOS included
 * @param forwardSeqs sequences per forward pass
 * @param seed initialisation and shuffling seed
 * @param corpus names the training text (a version of the default corpus, or the --text paths)
 * @param stdWeightExponent per-dimension loss weight exponent ({@link
 *     TrainConfig#stdWeightExponent}; 0 = plain MSE)
 */
public record SaeRecipe(
    String model,
    List<Integer> layers,
    Site site,
    int width,
    int k,
    long tokens,
    int batch,
    double lr,
    double lrDecayFrom,
    int context,
    int forwardSeqs,
    long seed,
    String corpus,
    double stdWeightExponent) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The default corpus: the Debian documentation ({@code debian-doc-v2}) line by line in turn with
   * WordNet's glosses ({@link WordNetGlosses}).
   */
  public static final String DOCS_AND_WORDNET = "debian-doc-v2+wordnet-3.1";

  /**
   * Gemma 3 270M (18 layers, d_model 640): layers 3, 9 and 15 cover early, middle and late depth.
   * Width, k, batch, learning rate and token count were chosen by measurement on a 2-core machine
   * so that training all three from nothing stays within 20 minutes; see BENCHMARKS.md "SAEs for
   * Gemma 3 270M (issue 4)" for the runs behind these numbers.
   */
  public static final SaeRecipe GEMMA_3_270M =
      new SaeRecipe(
          "gemma-3-270m",
          List.of(3, 9, 15),
          Site.RESID_POST,
          2048,
          64,
          600_000,
          1024,
          8e-4,
          0.8,
          128,
          8,
          0,
          DOCS_AND_WORDNET,
          0.5);

  public SaeRecipe {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(corpus, "corpus");
    layers = List.copyOf(layers);
    if (layers.isEmpty()
        || width <= 0
        || k <= 0
        || k > width
        || tokens <= 0
        || batch <= 0
        || !(lr > 0)
        || !(lrDecayFrom >= 0 && lrDecayFrom <= 1)
        || context < 2
        || forwardSeqs < 1
        || !(stdWeightExponent >= 0 && stdWeightExponent <= 1)) {
      throw new IllegalArgumentException(
          "invalid SAE recipe " + model + ": layers " + layers + ", width " + width + ", k " + k);
    }
  }

  /** The recipe for a model alias, if {@code fetch-sae} knows one. */
  public static java.util.Optional<SaeRecipe> forModel(String alias) {
    return GEMMA_3_270M.model.equals(alias)
        ? java.util.Optional.of(GEMMA_3_270M)
        : java.util.Optional.empty();
  }

  /** This recipe with other training settings (for tuning runs; the folders then differ). */
  public SaeRecipe with(int width, int k, long tokens, int batch, double lr, double lrDecayFrom) {
    return new SaeRecipe(
        model,
        layers,
        site,
        width,
        k,
        tokens,
        batch,
        lr,
        lrDecayFrom,
        context,
        forwardSeqs,
        seed,
        corpus,
        stdWeightExponent);
  }

  /** This recipe trained on other text. */
  public SaeRecipe withCorpus(String name) {
    return new SaeRecipe(
        model,
        layers,
        site,
        width,
        k,
        tokens,
        batch,
        lr,
        lrDecayFrom,
        context,
        forwardSeqs,
        seed,
        name,
        stdWeightExponent);
  }

  public List<HookPoint> hooks() {
    List<HookPoint> out = new ArrayList<>();
    for (int l : layers) {
      out.add(new HookPoint(l, site));
    }
    return out;
  }

  /** Folder name of one hook's SAE, as {@code train-sae} names them: {@code layer_3_resid_post}. */
  public static String folderName(HookPoint h) {
    return "layer_" + h.layer() + "_" + h.site().key();
  }

  /** The settings that determine one hook's SAE, for the completeness marker. */
  public ObjectNode toJson(HookPoint h) {
    ObjectNode o = JSON.createObjectNode();
    o.put("model", model);
    o.put("layer", h.layer());
    o.put("site", h.site().key());
    o.put("width", width);
    o.put("k", k);
    o.put("tokens", tokens);
    o.put("batch", batch);
    o.put("lr", lr);
    o.put("lr_decay_from", lrDecayFrom);
    o.put("context", context);
    o.put("forward_seqs", forwardSeqs);
    o.put("seed", seed);
    o.put("corpus", corpus);
    if (stdWeightExponent > 0) {
      o.put("std_weight_exponent", stdWeightExponent);
    }
    return o;
  }

  /** Whether a marker's recipe object describes this recipe at {@code h}. */
  public boolean matches(JsonNode saved, HookPoint h) {
    if (saved == null) {
      return false;
    }
    try {
      // compare as parsed: a long written as 600000 reads back as an int node
      return JSON.readTree(toJson(h).toString()).equals(saved);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("recipe JSON does not parse back", e);
    }
  }
}
