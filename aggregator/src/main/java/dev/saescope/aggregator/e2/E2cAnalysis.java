package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.analysis.Cell;
import dev.saescope.aggregator.analysis.ItemMeans;
import dev.saescope.aggregator.analysis.Resampling;
import dev.saescope.aggregator.e2.E2cTables.E2cRow;
import dev.saescope.aggregator.observe.LayerObservation;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * E2c (EXPERIMENTS.md §4) over a run's observations. Horizon N is read from the scores with role
 * {@code next} (N = 0; at {@code q_end} the {@code ans0} score is the same token) and {@code
 * future1..3} (N = 1..3), at positions {@code t} in {@code [q_end, ansEnd - 1 - N)}.
 *
 * <p>The bigram baseline counts, on the training split's direct tasks, how often token b stands
 * {@code 1 + N} after token a over the same positions, and predicts the most counted b for a (ties
 * to the lower id); an a never seen predicts nothing, which counts as wrong.
 */
public final class E2cAnalysis {
  public static final int HORIZONS = 4;
  static final String ATTRIBUTION_ABSENT =
      "no scores on the evaluation split's direct answers carry the latents' attribution rank"
          + " among all tokens (no SAE at a reported layer, or workers before results v3)";

  private E2cAnalysis() {}

  /**
   * The E2c table.
   *
   * @param observations the run's observations in {@code TaskObservation.ORDER}
   */
  public static E2cTables compute(List<TaskObservation> observations, AnalysisOptions options) {
    Resampling stats = new Resampling(options);
    List<E2cRow> rows = new ArrayList<>();
    for (int n = 0; n < HORIZONS; n++) {
      rows.addAll(horizon(n, observations, options, stats));
    }
    String split =
        String.format(
            Locale.ROOT,
            "bigram counted on the direct tasks of items with (item key - Long.MIN_VALUE) / 2^64 <"
                + " %.2f; every accuracy on the direct tasks of the other items",
            options.trainFraction());
    return new E2cTables(rows, split);
  }

  /** The role whose score predicts {@code 1 + n} ahead; {@code ans0} stands in at q_end for 0. */
  static ScoreRole role(int n) {
    return switch (n) {
      case 0 -> ScoreRole.NEXT;
      case 1 -> ScoreRole.FUTURE1;
      case 2 -> ScoreRole.FUTURE2;
      case 3 -> ScoreRole.FUTURE3;
      default -> throw new IllegalArgumentException("horizon " + n + "; expected 0..3");
    };
  }

  static boolean predicts(TargetScore s, int n, TaskObservation t) {
    boolean role =
        s.role() == role(n)
            || (n == 0 && s.role() == ScoreRole.ANS0 && s.position() == t.tokens().qEnd());
    return role && s.position() >= t.tokens().qEnd() && s.position() < t.tokens().ansEnd() - 1 - n;
  }

  private static List<E2cRow> horizon(
      int n, List<TaskObservation> observations, AnalysisOptions options, Resampling stats) {
    TreeMap<Integer, ItemMeans[]> lens = new TreeMap<>();
    TreeMap<Integer, ItemMeans[]> attribution = new TreeMap<>();
    Map<TaskObservation, TreeMap<Integer, Integer>> targets =
        new IdentityHashMap<>(); // task -> position -> token
    Bigram bigram = new Bigram(n);
    List<TaskObservation> evaluated = new ArrayList<>();
    for (TaskObservation t : observations) {
      if (t.variant() != Variant.DIRECT || !t.hasAnswer()) {
        continue;
      }
      if (options.inTrainingSplit(t.itemKey())) {
        bigram.count(t);
        continue;
      }
      evaluated.add(t);
      for (LayerObservation l : t.layers()) {
        for (TargetScore s : l.scores()) {
          if (l.isResidPost() && predicts(s, n, t)) {
            ItemMeans[] m =
                lens.computeIfAbsent(
                    l.layer(), k -> new ItemMeans[] {new ItemMeans(), new ItemMeans()});
            m[0].add(t.itemKey(), s.lensRank() == 0 ? 1 : 0);
            m[1].add(t.itemKey(), s.lensRank() < 5 ? 1 : 0);
            if (s.attributionRank() >= 0) {
              ItemMeans[] a =
                  attribution.computeIfAbsent(
                      l.layer(), k -> new ItemMeans[] {new ItemMeans(), new ItemMeans()});
              a[0].add(t.itemKey(), s.attributionRank() == 0 ? 1 : 0);
              a[1].add(t.itemKey(), s.attributionRank() < 5 ? 1 : 0);
            }
            targets.computeIfAbsent(t, k -> new TreeMap<>()).putIfAbsent(s.position(), s.tokenId());
          }
        }
      }
    }
    List<E2cRow> rows = new ArrayList<>();
    if (lens.isEmpty()) {
      String reason =
          "the results carry no "
              + role(n).wireName()
              + (n == 0 ? " or ans0" : "")
              + " scores on the evaluation split's direct answers (workers before results v3 send"
              + " none)";
      rows.add(new E2cRow(n, "lens", -1, Cell.absent(reason), Cell.absent(reason)));
      rows.add(new E2cRow(n, "bigram", -1, Cell.absent(reason), Cell.absent(reason)));
    } else {
      lens.forEach(
          (layer, m) ->
              rows.add(
                  new E2cRow(
                      n,
                      "lens",
                      layer,
                      Cell.of(stats.mean(m[0].sample())),
                      Cell.of(stats.mean(m[1].sample())))));
      rows.add(bigramRow(n, bigram, evaluated, targets, stats));
    }
    if (attribution.isEmpty()) {
      rows.add(
          new E2cRow(
              n,
              "attribution",
              -1,
              Cell.absent(ATTRIBUTION_ABSENT),
              Cell.absent(ATTRIBUTION_ABSENT)));
    }
    attribution.forEach(
        (layer, m) ->
            rows.add(
                new E2cRow(
                    n,
                    "attribution",
                    layer,
                    Cell.of(stats.mean(m[0].sample())),
                    Cell.of(stats.mean(m[1].sample())))));
    return rows;
  }

  private static E2cRow bigramRow(
      int n,
      Bigram bigram,
      List<TaskObservation> evaluated,
      Map<TaskObservation, TreeMap<Integer, Integer>> targets,
      Resampling stats) {
    if (bigram.isEmpty()) {
      String reason = "no direct answers in the training split to count the bigram on";
      return new E2cRow(n, "bigram", -1, Cell.absent(reason), Cell.absent(reason));
    }
    ItemMeans top1 = new ItemMeans();
    ItemMeans top5 = new ItemMeans();
    for (TaskObservation t : evaluated) {
      TreeMap<Integer, Integer> at = targets.get(t);
      if (at == null) {
        continue;
      }
      at.forEach(
          (position, target) -> {
            int[] predicted = bigram.top(t.tokens().ids()[position], 5);
            top1.add(t.itemKey(), predicted.length > 0 && predicted[0] == target ? 1 : 0);
            top5.add(t.itemKey(), contains(predicted, target) ? 1 : 0);
          });
    }
    return new E2cRow(
        n, "bigram", -1, Cell.of(stats.mean(top1.sample())), Cell.of(stats.mean(top5.sample())));
  }

  private static boolean contains(int[] a, int x) {
    for (int v : a) {
      if (v == x) {
        return true;
      }
    }
    return false;
  }
}
