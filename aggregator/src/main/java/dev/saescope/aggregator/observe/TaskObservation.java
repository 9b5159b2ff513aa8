package dev.saescope.aggregator.observe;

import dev.saescope.aggregator.stats.ItemKey;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Everything the analyses need from one task, reduced from its results at every layer and site
 * ({@link TaskObservations#of}). Observations of a run are analysed in their natural order, item
 * key, then within an item by variant and template, so that every sum over them is the same double
 * however they arrived, and the same in another run of the same items (task ids hash the run id).
 *
 * @param runId the producer run
 * @param taskId the task, unique within a run
 * @param itemId the fact
 * @param itemKey {@code ItemKey.of(itemId)}, the unit of resampling (EXPERIMENTS.md §6)
 * @param labels what the experiments group by: variant, evasive family, subject mention, template,
 *     relation, gold objects, object-in-subject flag
 * @param modelId the model, as the worker names it
 * @param dtype what the model and SAEs ran in ({@code fp32}, {@code bf16}, {@code fp16})
 * @param tokens token ids and texts (texts untrusted), {@code q_end} and the answer span: the
 *     question is positions {@code [1, ansStart)} (BOS left out), the answer {@code [ansStart,
 *     ansEnd)}
 * @param gold0 the gold object's first token id, from the results' {@code gold0} score; -1 unknown
 * @param goldPosition the first answer position holding {@code gold0}; -1 when the answer has none
 * @param finalLayer the final layer {@code L} the figures refer to (E1a, E1c)
 * @param finalTop1 the top-1 of the final layer at {@code q_end}, the model's own; -1 unknown
 * @param layers one entry per layer and site, ascending by layer then site
 */
public record TaskObservation(
    String runId,
    String taskId,
    String itemId,
    long itemKey,
    TaskLabels labels,
    String modelId,
    String dtype,
    PromptTokens tokens,
    int gold0,
    int goldPosition,
    int finalLayer,
    int finalTop1,
    List<LayerObservation> layers)
    implements Comparable<TaskObservation> {

  /**
   * Item key (signed), item id, variant, template, then task id: the order every analysis reads
   * observations in. Only the last, run-dependent, key tells apart tasks a dataset repeats.
   */
  public static final Comparator<TaskObservation> ORDER =
      Comparator.comparingLong(TaskObservation::itemKey)
          .thenComparing(TaskObservation::itemId)
          .thenComparing(t -> t.labels().variant())
          .thenComparing(t -> t.labels().templateId())
          .thenComparing(TaskObservation::taskId);

  public TaskObservation {
    if (runId == null || taskId == null || itemId == null || modelId == null || dtype == null) {
      throw new IllegalArgumentException(
          "observation: run, task, item and model ids and the dtype are needed");
    }
    String at = "observation of task " + taskId;
    if (labels == null || tokens == null || layers == null) {
      throw new IllegalArgumentException(at + ": labels, tokens and layers must not be null");
    }
    if (itemKey != ItemKey.of(itemId)) {
      throw new IllegalArgumentException(at + ": item key " + itemKey + " is not ItemKey.of(id)");
    }
    if (gold0 < -1 || goldPosition < -1 || goldPosition >= tokens.size() || finalTop1 < -1) {
      throw new IllegalArgumentException(
          at + ": gold0 " + gold0 + ", gold position " + goldPosition + ", top-1 " + finalTop1);
    }
    layers = List.copyOf(layers);
    for (int i = 1; i < layers.size(); i++) {
      LayerObservation a = layers.get(i - 1);
      LayerObservation b = layers.get(i);
      if (a.layer() > b.layer() || (a.layer() == b.layer() && a.site().compareTo(b.site()) >= 0)) {
        throw new IllegalArgumentException(at + ": layers not ascending at " + b);
      }
    }
  }

  /** The variant. */
  public Variant variant() {
    return labels.variant();
  }

  /** Whether the text has an answer (every variant but cloze). */
  public boolean hasAnswer() {
    return tokens.hasAnswer();
  }

  /** The answer's first token id; -1 without an answer. */
  public int ans0() {
    return hasAnswer() ? tokens.ids()[tokens.ansStart()] : -1;
  }

  /** The question's token ids: positions {@code [1, ansStart)}. */
  public int[] questionIds() {
    return Arrays.copyOfRange(tokens.ids(), Math.min(1, tokens.ansStart()), tokens.ansStart());
  }

  /** The answer's token ids: positions {@code [ansStart, ansEnd)}. */
  public int[] answerIds() {
    return Arrays.copyOfRange(tokens.ids(), tokens.ansStart(), tokens.ansEnd());
  }

  /**
   * E1c: 1 when the lens's top-1 at {@code l} equals the final layer's, 0 when not, NaN when either
   * is unknown.
   */
  public double top1Agreement(LayerObservation l) {
    if (l.lensTop1() < 0 || finalTop1 < 0) {
      return Double.NaN;
    }
    return l.lensTop1() == finalTop1 ? 1 : 0;
  }

  /** The SAE ids of the layers, in layer order, without repeats. */
  public List<String> saeIds() {
    return layers.stream()
        .map(LayerObservation::saeId)
        .filter(java.util.Objects::nonNull)
        .distinct()
        .toList();
  }

  /** The compact versioned bytes of this observation ({@link ObservationCodec}). */
  public byte[] toBytes() {
    return ObservationCodec.encode(this);
  }

  /**
   * The observation {@link #toBytes} wrote.
   *
   * @throws IllegalArgumentException for an unknown version or truncated or malformed bytes
   */
  public static TaskObservation fromBytes(byte[] bytes) {
    return ObservationCodec.decode(bytes);
  }

  @Override
  public int compareTo(TaskObservation o) {
    return ORDER.compare(this, o);
  }
}
