package dev.saescope.runtime.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads a Hugging Face {@code config.json} of a Gemma 2 or Gemma 3 text model into a {@link
 * ModelConfig}, and writes one back in the layout of the official repositories.
 *
 * <p>Both transformers generations are read: v4 ({@code rope_theta}, {@code rope_local_base_freq},
 * {@code sliding_window_pattern} / {@code _sliding_window_pattern}, {@code rope_scaling}) and v5
 * ({@code rope_parameters}, flat or keyed by layer type, and explicit {@code layer_types}).
 * Defaults are those of {@code Gemma2Config} / {@code Gemma3TextConfig} (configuration_gemma2.py,
 * configuration_gemma3.py); the sizes of the model have no default and must be present.
 */
public final class HfConfigJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> GEMMA2_ARCHS = Set.of("Gemma2ForCausalLM", "Gemma2Model");
  private static final Set<String> GEMMA3_ARCHS = Set.of("Gemma3ForCausalLM", "Gemma3TextModel");
  private static final String GELU_TANH = "gelu_pytorch_tanh";

  private HfConfigJson() {}

  /** The two supported families; everything else about them is data in the config. */
  private enum Family {
    GEMMA2("gemma2"),
    GEMMA3("gemma3_text");

    final String modelType;

    Family(String modelType) {
      this.modelType = modelType;
    }
  }

  /** Reads and validates {@code file} on its own (no weights to check the depth against). */
  public static ModelConfig read(Path file) throws WeightsException {
    return parse(file, readObject(file), OptionalInt.empty());
  }

  /**
   * Reads and validates {@code file} against the weights it describes: {@code num_hidden_layers}
   * must be {@code layersInWeights}, checked before anything is sized by it.
   */
  public static ModelConfig read(Path file, int layersInWeights) throws WeightsException {
    return parse(file, readObject(file), OptionalInt.of(layersInWeights));
  }

  private static JsonNode readObject(Path file) throws WeightsException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new WeightsException(file, "cannot read config.json: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new WeightsException(file, "not a JSON object");
    }
    return root;
  }

  /** Validates an already parsed config; {@code file} is used in messages only. */
  public static ModelConfig parse(Path file, JsonNode root) throws WeightsException {
    return parse(file, root, OptionalInt.empty());
  }

  /** As {@link #parse(Path, JsonNode)}, with the number of layers the weights hold. */
  public static ModelConfig parse(Path file, JsonNode root, int layersInWeights)
      throws WeightsException {
    return parse(file, root, OptionalInt.of(layersInWeights));
  }

  private static ModelConfig parse(Path file, JsonNode root, OptionalInt layersInWeights)
      throws WeightsException {
    Family family = family(file, root);
    boolean gemma2 = family == Family.GEMMA2;
    ConfigFields r = new ConfigFields(file, root);

    requireSupported(file, root);

    // Sizes first, each positive, and the depth against the weights: nothing is sized by a
    // num_hidden_layers of -1 or 1e9 (an "Illegal Capacity" or an OutOfMemoryError).
    int nLayers = r.positiveInt("num_hidden_layers");
    requireDepth(file, nLayers, layersInWeights);
    int vocab = r.positiveInt("vocab_size");
    int dModel = r.positiveInt("hidden_size");
    int dMlp = r.positiveInt("intermediate_size");
    int nHeads = r.positiveInt("num_attention_heads");
    int nKv = r.positiveInt("num_key_value_heads");
    int headDim = r.positiveInt("head_dim");
    int slidingWindow = r.optPositiveInt("sliding_window", 4096);
    int maxPositions = r.optPositiveInt("max_position_embeddings", gemma2 ? 8192 : 131072);
    List<AttentionKind> kinds = layerKinds(r, root, nLayers, gemma2);
    double[] theta = ropeThetas(file, root, gemma2);

    try {
      return new ModelConfig(
          family.modelType,
          vocab,
          dModel,
          dMlp,
          nLayers,
          nHeads,
          nKv,
          headDim,
          r.optDouble("rms_norm_eps", 1e-6),
          r.optDouble("query_pre_attn_scalar", 256),
          r.optDouble("attn_logit_softcapping", gemma2 ? 50.0 : 0.0),
          r.optDouble("final_logit_softcapping", gemma2 ? 30.0 : 0.0),
          slidingWindow,
          kinds,
          theta[0],
          theta[1],
          !gemma2,
          maxPositions,
          r.firstInt("bos_token_id", 2),
          r.firstInt("eos_token_id", 1),
          r.firstInt("pad_token_id", 0));
    } catch (IllegalArgumentException e) {
      throw new WeightsException(file, "inconsistent configuration: " + e.getMessage(), e);
    }
  }

  /** Features of other models that this forward pass does not have. */
  private static void requireSupported(Path file, JsonNode root) throws WeightsException {
    String act =
        root.hasNonNull("hidden_activation")
            ? root.get("hidden_activation").asText()
            : root.path("hidden_act").asText(GELU_TANH);
    if (!act.equals(GELU_TANH)) {
      throw new WeightsException(
          file,
          "field 'hidden_activation' is '" + act + "'; only '" + GELU_TANH + "' is supported");
    }
    if (root.path("attention_bias").asBoolean(false)) {
      throw new WeightsException(file, "field 'attention_bias' is true; Gemma has no biases");
    }
    if (root.path("use_bidirectional_attention").asBoolean(false)) {
      throw new WeightsException(
          file, "field 'use_bidirectional_attention' is true (EmbeddingGemma); only causal models");
    }
    if (!root.path("tie_word_embeddings").asBoolean(true)) {
      throw new WeightsException(
          file, "field 'tie_word_embeddings' is false; only tied unembeddings are supported");
    }
  }

  /** num_hidden_layers must be the depth the weights hold, when they are known. */
  private static void requireDepth(Path file, int nLayers, OptionalInt layersInWeights)
      throws WeightsException {
    if (layersInWeights.isEmpty() || layersInWeights.getAsInt() == nLayers) {
      return;
    }
    int present = layersInWeights.getAsInt();
    throw new WeightsException(
        file,
        "num_hidden_layers "
            + nLayers
            + " does not match the weights, which hold tensors for "
            + present
            + " layers"
            + (present > 0 ? " (layer 0 to layer " + (present - 1) + ")" : ""));
  }

  private static Family family(Path file, JsonNode root) throws WeightsException {
    String modelType = root.path("model_type").asText("");
    JsonNode archs = root.path("architectures");
    String arch = archs.isArray() && !archs.isEmpty() ? archs.get(0).asText() : "";
    if (modelType.equals("gemma3") && root.has("text_config")) {
      throw new WeightsException(
          file,
          "field 'model_type' is 'gemma3' (multimodal Gemma3ForConditionalGeneration); only text"
              + " models are supported (model_type 'gemma3_text', Gemma3ForCausalLM)");
    }
    if (!arch.isEmpty()) {
      if (GEMMA2_ARCHS.contains(arch)) {
        return Family.GEMMA2;
      }
      if (GEMMA3_ARCHS.contains(arch)) {
        return Family.GEMMA3;
      }
      throw new WeightsException(
          file,
          "field 'architectures' is "
              + archs
              + "; supported: Gemma2ForCausalLM, Gemma3ForCausalLM (model_type gemma2, gemma3_text)");
    }
    for (Family f : Family.values()) {
      if (f.modelType.equals(modelType)) {
        return f;
      }
    }
    throw new WeightsException(
        file,
        "field 'model_type' is '"
            + modelType
            + "' and 'architectures' is absent; supported: gemma2, gemma3_text");
  }

  private static List<AttentionKind> layerKinds(
      ConfigFields r, JsonNode root, int nLayers, boolean gemma2) throws WeightsException {
    List<AttentionKind> kinds = new ArrayList<>(nLayers);
    JsonNode types = root.path("layer_types");
    if (types.isArray()) {
      if (types.size() != nLayers) {
        throw new WeightsException(
            r.file(),
            "field 'layer_types' has "
                + types.size()
                + " entries for num_hidden_layers "
                + nLayers);
      }
      for (int i = 0; i < nLayers; i++) {
        String t = types.get(i).asText();
        kinds.add(
            switch (t) {
              case "sliding_attention" -> AttentionKind.SLIDING;
              case "full_attention" -> AttentionKind.FULL;
              default ->
                  throw new WeightsException(
                      r.file(),
                      "field 'layer_types["
                          + i
                          + "]' is '"
                          + t
                          + "'; expected sliding_attention or full_attention");
            });
      }
      return kinds;
    }
    // Gemma 2: even layers slide (modeling_gemma2.py, `not bool(layer_idx % 2)`).
    // Gemma 3: layer i slides iff (i + 1) % pattern != 0 (configuration_gemma3.py).
    int pattern = gemma2 ? 2 : 6;
    for (String key : List.of("sliding_window_pattern", "_sliding_window_pattern")) {
      if (!gemma2 && root.hasNonNull(key)) {
        pattern = r.positiveInt(key);
      }
    }
    for (int i = 0; i < nLayers; i++) {
      kinds.add((i + 1) % pattern != 0 ? AttentionKind.SLIDING : AttentionKind.FULL);
    }
    return kinds;
  }

  /** Returns {global theta, local theta}. */
  private static double[] ropeThetas(Path file, JsonNode root, boolean gemma2)
      throws WeightsException {
    double global = gemma2 ? 10000.0 : 1_000_000.0;
    double local = 10000.0;
    JsonNode params = root.path("rope_parameters");
    if (params.isObject()) {
      if (params.has("full_attention") || params.has("sliding_attention")) {
        global =
            theta(file, "rope_parameters.full_attention", params.path("full_attention"), global);
        local =
            theta(
                file, "rope_parameters.sliding_attention", params.path("sliding_attention"), local);
      } else {
        global = theta(file, "rope_parameters", params, global);
        local = gemma2 ? global : local;
      }
    } else {
      global = root.hasNonNull("rope_theta") ? root.get("rope_theta").asDouble() : global;
      local =
          root.hasNonNull("rope_local_base_freq")
              ? root.get("rope_local_base_freq").asDouble()
              : local;
      checkDefaultRope(file, "rope_scaling", root.path("rope_scaling"));
    }
    if (gemma2) {
      local = global; // Gemma 2 has one rope base for all layers
    }
    if (!(global > 0) || !(local > 0)) {
      throw new WeightsException(
          file, "rope bases must be positive, got " + global + " and " + local);
    }
    return new double[] {global, local};
  }

  private static double theta(Path file, String field, JsonNode node, double dflt)
      throws WeightsException {
    if (node.isMissingNode() || node.isNull()) {
      return dflt;
    }
    checkDefaultRope(file, field, node);
    return node.hasNonNull("rope_theta") ? node.get("rope_theta").asDouble() : dflt;
  }

  private static void checkDefaultRope(Path file, String field, JsonNode node)
      throws WeightsException {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    String type = node.path("rope_type").asText(node.path("type").asText("default"));
    if (!type.equals("default")) {
      throw new WeightsException(
          file,
          "field '" + field + "' has rope_type '" + type + "'; only default rope is supported");
    }
  }

  /** A config.json in the style of the official repositories (transformers v4 keys). */
  public static ObjectNode toJson(ModelConfig c) {
    boolean gemma2 = !c.qkNorm();
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add(gemma2 ? "Gemma2ForCausalLM" : "Gemma3ForCausalLM");
    o.put("attention_bias", false);
    o.put("attention_dropout", 0.0);
    putCap(o, "attn_logit_softcapping", c.attnLogitSoftcap());
    o.put("bos_token_id", c.bosId());
    o.put("eos_token_id", c.eosId());
    putCap(o, "final_logit_softcapping", c.finalLogitSoftcap());
    o.put("head_dim", c.headDim());
    o.put("hidden_act", GELU_TANH);
    o.put("hidden_activation", GELU_TANH);
    o.put("hidden_size", c.dModel());
    o.put("initializer_range", 0.02);
    o.put("intermediate_size", c.dMlp());
    if (!gemma2 || !c.layerKinds().equals(defaultKinds(c.nLayers(), 2))) {
      ArrayNode types = o.putArray("layer_types");
      for (AttentionKind k : c.layerKinds()) {
        types.add(
            switch (k) {
              case SLIDING -> "sliding_attention";
              case FULL -> "full_attention";
            });
      }
    }
    o.put("max_position_embeddings", c.maxPositions());
    o.put("model_type", c.architecture());
    o.put("num_attention_heads", c.nHeads());
    o.put("num_hidden_layers", c.nLayers());
    o.put("num_key_value_heads", c.nKvHeads());
    o.put("pad_token_id", c.padId());
    // an int in the official files; transformers v5's strict config rejects 256.0
    double qpas = c.queryPreAttnScalar();
    if (qpas == Math.rint(qpas) && Math.abs(qpas) < Integer.MAX_VALUE) {
      o.put("query_pre_attn_scalar", (int) qpas);
    } else {
      o.put("query_pre_attn_scalar", qpas);
    }
    o.put("rms_norm_eps", c.rmsNormEps());
    if (!gemma2) {
      o.put("rope_local_base_freq", c.ropeThetaLocal());
      o.putNull("rope_scaling");
    }
    o.put("rope_theta", c.ropeThetaGlobal());
    o.put("sliding_window", c.slidingWindow());
    if (!gemma2) {
      o.put("_sliding_window_pattern", 6);
    }
    o.put("tie_word_embeddings", true);
    o.put("torch_dtype", "float32");
    o.put("use_cache", true);
    o.put("vocab_size", c.vocabSize());
    return o;
  }

  /** Writes {@link #toJson} pretty-printed. */
  public static void write(ModelConfig c, Path file) throws IOException {
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), toJson(c));
  }

  private static List<AttentionKind> defaultKinds(int n, int pattern) {
    List<AttentionKind> kinds = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      kinds.add((i + 1) % pattern != 0 ? AttentionKind.SLIDING : AttentionKind.FULL);
    }
    return kinds;
  }

  private static void putCap(ObjectNode o, String key, double cap) {
    if (cap > 0) {
      o.put(key, cap);
    } else {
      o.putNull(key);
    }
  }
}
