package dev.saescope.worker.compute;

import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Positions;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.tokenizer.Tokens;
import dev.saescope.schemas.DeadLetterReason;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import dev.saescope.worker.service.TaskProcessor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Computes what EXPERIMENTS.md needs from one task, per layer: {@code resid_post} at {@code q_end}
 * and the answer tokens (dense), sparse latents of each attached SAE at every position with the
 * reconstruction error, and at {@code q_end} (and the first answer positions of direct answers, for
 * E2c) the full logit lens (top-1, KL to the final layer in bits, log-probability and rank of the
 * scored tokens, reduced on the engine) and the SAE's direct logit attribution to those tokens with
 * its rank; at the gold token, the E3b latents.
 *
 * <p>The work is split along its seams: {@link TaskLens} (the full-vocabulary lens, timed apart:
 * {@link #lensNanos()}), {@link SaeEncoder} (latents and attribution) and {@link ResultBuilder}
 * (the tasks' results, their vocabulary ranks computed together in {@link BatchRanks}); this class
 * checks tasks and runs the forward pass of a batch.
 */
public final class ExperimentProcessor implements TaskProcessor<PreparedTask> {

  /** An SAE attached at a hook point, with the id results carry. */
  public record AttachedSae(String id, Sae sae, HookPoint hook) {
    public AttachedSae {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(sae, "sae");
      Objects.requireNonNull(hook, "hook");
    }
  }

  private final GemmaModel model;
  private final GemmaTokenizer tokenizer;
  private final String modelId;
  private final List<AttachedSae> saes;
  private final SortedSet<Integer> layers;
  private final int maxTokens;
  private final Set<String> saeIds = new HashSet<>();
  private final TaskLens lens;
  private final ResultBuilder results;

  /**
   * @param layers layers whose {@code resid_post} is reported (dense rows and lens); SAE layers
   *     need not be among them
   * @param maxTokens longest task accepted (BOS included); longer ones are dead-lettered
   */
  public ExperimentProcessor(
      GemmaModel model,
      GemmaTokenizer tokenizer,
      String modelId,
      String workerId,
      List<AttachedSae> saes,
      SortedSet<Integer> layers,
      int maxTokens) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.modelId = modelId;
    this.saes = List.copyOf(saes);
    this.layers = new TreeSet<>(layers);
    int nLayers = model.config().nLayers();
    for (int l : layers) {
      if (l < 0 || l >= nLayers) {
        throw new IllegalArgumentException(
            "--layers: layer " + l + " is outside 0.." + (nLayers - 1));
      }
    }
    this.maxTokens = Math.min(maxTokens, model.config().maxPositions());
    for (AttachedSae a : saes) {
      a.sae().requireFits(a.hook().site().width(model.config()), a.hook());
      if (!saeIds.add(a.id())) {
        throw new IllegalArgumentException("two SAEs share the id " + a.id());
      }
    }
    this.lens = new TaskLens(model, this.layers);
    this.results =
        new ResultBuilder(
            model,
            tokenizer,
            modelId,
            workerId,
            this.layers,
            lens.layers(),
            this.saes,
            new SaeEncoder(this.saes, model));
  }

  @Override
  public Checked<PreparedTask> check(Task task) {
    if (task.text().isBlank()) {
      return rejected(DeadLetterReason.EMPTY_TEXT, "task " + task.taskId() + " has an empty text");
    }
    for (String id : task.saeIds()) {
      if (!saeIds.contains(id)) {
        return rejected(
            DeadLetterReason.UNKNOWN_SAE,
            "task " + task.taskId() + " asks for SAE '" + id + "'; this worker has " + saeIds);
      }
    }
    if (task.answerStart() > task.text().length()) {
      return rejected(
          DeadLetterReason.INVALID,
          "task "
              + task.taskId()
              + ": answer_start "
              + task.answerStart()
              + " is beyond the text's "
              + task.text().length()
              + " characters");
    }
    Tokens tokens;
    try {
      tokens = tokenizer.encode(task.text());
    } catch (IllegalArgumentException e) {
      return rejected(DeadLetterReason.INVALID, "task " + task.taskId() + ": " + e.getMessage());
    }
    if (tokens.size() > maxTokens) {
      return rejected(
          DeadLetterReason.TOO_LONG,
          "task " + task.taskId() + " has " + tokens.size() + " tokens; the limit is " + maxTokens);
    }
    int n = tokens.size();
    int ansStart =
        task.answerStart() >= task.text().length()
            ? n
            : Math.max(1, tokens.tokenAtChar(task.answerStart()));
    int qEnd = Math.max(0, ansStart - 1);
    int gold0 = task.goldObjects().isEmpty() ? -1 : firstToken(task.goldObjects().get(0));
    return new Accepted<>(
        task,
        n,
        new PreparedTask(tokens, qEnd, ansStart, n, gold0, task.variant() == Variant.DIRECT));
  }

  private static Checked<PreparedTask> rejected(DeadLetterReason reason, String detail) {
    return new Rejected<>(reason, detail);
  }

  private int firstToken(String word) {
    int[] ids = tokenizer.encode(" " + word).ids();
    return ids.length > 1 ? ids[1] : -1;
  }

  @Override
  public List<LayerResult> process(List<Accepted<PreparedTask>> batch) {
    List<int[]> sequences = new ArrayList<>(batch.size());
    List<PreparedTask> prepared = new ArrayList<>(batch.size());
    for (Accepted<PreparedTask> a : batch) {
      sequences.add(a.prepared().tokens().ids());
      prepared.add(a.prepared());
    }
    Set<HookPoint> hooks = new HashSet<>();
    int finalLayer = model.config().nLayers() - 1;
    hooks.add(new HookPoint(finalLayer, Site.RESID_POST)); // the model's own distribution
    for (int l : layers) {
      hooks.add(new HookPoint(l, Site.RESID_POST));
    }
    for (AttachedSae a : saes) {
      hooks.add(a.hook());
    }
    long t0 = System.nanoTime();
    ForwardResult forward =
        model.forward(sequences, new CaptureSpec(hooks, Positions.all(), Positions.none()));
    float computeMs = (System.nanoTime() - t0) / 1e6f / batch.size();
    return results.of(batch, forward, lens.at(prepared, forward), computeMs);
  }

  /** Time spent in the full-vocabulary lens since start, to report its share of worker time. */
  public long lensNanos() {
    return lens.nanos();
  }

  /**
   * The share of full-vocabulary lens positions since start computed once for several tasks that
   * share the prefix up to them (0 to 1).
   */
  public double lensSharedFraction() {
    return lens.sharedFraction();
  }

  /** The attached SAEs. */
  public List<AttachedSae> saes() {
    return saes;
  }

  /** The model's id as results carry it. */
  public String modelId() {
    return modelId;
  }

  @Override
  public String describe() {
    List<String> ids = saes.stream().map(a -> a.id() + "@" + a.hook()).toList();
    return "model " + modelId + ", layers " + layers + ", SAEs " + ids;
  }
}
