package dev.saescope.aggregator.observe;

import dev.saescope.aggregator.stats.ItemKey;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reduces the whole results of one task (every layer and site) to its {@link TaskObservation}. The
 * results may come in any order and may repeat a (layer, site): they are sorted by layer, site,
 * worker id and production time and the first of each (layer, site) is kept, so the same set of
 * results gives the same bits.
 */
public final class TaskObservations {
  private static final Comparator<LayerResult> CANONICAL =
      Comparator.comparingInt(LayerResult::layer)
          .thenComparing(LayerResult::site)
          .thenComparing(LayerResult::workerId)
          .thenComparingLong(LayerResult::producedAtMs);

  private TaskObservations() {}

  /**
   * The observation of one task.
   *
   * @param wholeResultsOfOneTask joined results ({@code ResultParts.join}) of one task, any order
   * @throws IllegalArgumentException naming the task and field when the list is empty, holds a
   *     part, or mixes tasks, runs, items, labels, tokens or models
   */
  public static TaskObservation of(
      List<LayerResult> wholeResultsOfOneTask, ObservationOptions options) {
    List<LayerResult> results = canonical(wholeResultsOfOneTask);
    LayerResult first = results.get(0);
    PromptTokens tokens = first.tokens();
    long itemKey = ItemKey.of(first.itemId());
    int gold0 = gold0(results);
    int goldPosition = goldPosition(tokens, gold0);
    Map<Integer, DenseView> dense = new HashMap<>();
    int deepest = -1;
    for (LayerResult r : results) {
      if (LayerObservation.RESID_POST.equals(r.site())) {
        deepest = Math.max(deepest, r.layer());
        DenseView v = DenseView.of(r);
        if (v != null) {
          dense.put(r.layer(), v);
        }
      }
    }
    int finalLayer = options.finalLayer() >= 0 ? options.finalLayer() : Math.max(0, deepest);
    LayerReduction reduction =
        new LayerReduction(
            tokens,
            goldPosition,
            dense,
            finalLayer,
            options.keepVectors(itemKey),
            options.keepMaps(itemKey) ? options.mapLatents() : 0,
            first.labels().variant() == dev.saescope.schemas.Variant.DIRECT);
    List<LayerObservation> layers = new ArrayList<>(results.size());
    int finalTop1 = -1;
    for (LayerResult r : results) {
      LayerObservation l = reduction.reduce(r);
      layers.add(l);
      if (l.isResidPost() && l.layer() == finalLayer) {
        finalTop1 = l.lensTop1();
      }
    }
    return new TaskObservation(
        first.runId(),
        first.taskId(),
        first.itemId(),
        itemKey,
        first.labels(),
        first.modelId(),
        first.dtype(),
        tokens,
        gold0,
        goldPosition,
        finalLayer,
        finalTop1,
        layers);
  }

  /** Sorted, one per (layer, site), checked to belong to one task. */
  private static List<LayerResult> canonical(List<LayerResult> results) {
    if (results == null || results.isEmpty()) {
      throw new IllegalArgumentException("no results to observe");
    }
    List<LayerResult> sorted = new ArrayList<>(results);
    sorted.sort(CANONICAL);
    LayerResult first = sorted.get(0);
    List<LayerResult> out = new ArrayList<>();
    for (LayerResult r : sorted) {
      if (!r.isWhole()) {
        throw new IllegalArgumentException(
            r.key() + ": part " + r.part() + " of " + r.parts() + "; join the parts first");
      }
      same(first, r, "task id", first.taskId(), r.taskId());
      same(first, r, "run id", first.runId(), r.runId());
      same(first, r, "item id", first.itemId(), r.itemId());
      same(first, r, "labels", first.labels(), r.labels());
      same(first, r, "tokens", first.tokens(), r.tokens());
      same(first, r, "model id", first.modelId(), r.modelId());
      same(first, r, "dtype", first.dtype(), r.dtype());
      LayerResult last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last == null || last.layer() != r.layer() || !last.site().equals(r.site())) {
        out.add(r);
      }
    }
    return out;
  }

  private static void same(LayerResult first, LayerResult r, String what, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      throw new IllegalArgumentException(
          "results of one task disagree on the "
              + what
              + ": "
              + first.key()
              + " has "
              + a
              + ", "
              + r.key()
              + " has "
              + b);
    }
  }

  /** The gold object's first token, from the shallowest result that scores it. */
  private static int gold0(List<LayerResult> results) {
    for (LayerResult r : results) {
      for (TargetScore s : r.scores()) {
        if (s.role() == ScoreRole.GOLD0) {
          return s.tokenId();
        }
      }
    }
    return -1;
  }

  private static int goldPosition(PromptTokens tokens, int gold0) {
    for (int p = tokens.ansStart(); gold0 >= 0 && p < tokens.ansEnd(); p++) {
      if (tokens.ids()[p] == gold0) {
        return p;
      }
    }
    return -1;
  }

  /** The lens summary at {@code position}, if the result carries one. */
  static LensSummary lensAt(LayerResult r, int position) {
    for (LensSummary l : r.lens()) {
      if (l.position() == position) {
        return l;
      }
    }
    return null;
  }
}
