package dev.saescope.aggregator.e3;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.analysis.Cell;
import dev.saescope.aggregator.analysis.ItemMeans;
import dev.saescope.aggregator.analysis.LayerSite;
import dev.saescope.aggregator.analysis.Resampling;
import dev.saescope.aggregator.e3.E3Tables.CorrespondenceRow;
import dev.saescope.aggregator.observe.LayerObservation;
import dev.saescope.aggregator.observe.Peak;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** E3b (EXPERIMENTS.md §5) over a run's observations. */
public final class E3bAnalysis {
  static final String NO_ATTRIBUTION =
      "results carry no per-latent attribution (workers before results v3 send only the sum over"
          + " latents)";

  private E3bAnalysis() {}

  /** Where E3b looks. */
  enum Point {
    GOLD_TOKEN("gold_token"),
    Q_END("q_end");

    final String key;

    Point(String key) {
      this.key = key;
    }

    boolean eligible(TaskObservation t) {
      return switch (this) {
        case GOLD_TOKEN -> t.variant() == Variant.DIRECT;
        case Q_END -> t.variant() == Variant.DIRECT || t.variant() == Variant.CLOZE;
      };
    }

    Peak peak(LayerObservation l) {
      return switch (this) {
        case GOLD_TOKEN -> l.goldPeak();
        case Q_END -> l.qEndPeak();
      };
    }
  }

  /** One row's running figures. */
  private static final class Acc {
    final String saeId;
    int tasks;
    boolean attributed;
    final ItemMeans match = new ItemMeans();
    final ItemMeans rank = new ItemMeans();
    final ItemMeans attributionMatch = new ItemMeans();
    final ItemMeans attributionRank = new ItemMeans();

    Acc(String saeId) {
      this.saeId = saeId;
    }
  }

  /**
   * The E3b table.
   *
   * @param observations the run's observations in {@code TaskObservation.ORDER}
   */
  public static E3Tables compute(
      List<TaskObservation> observations, LatentEffects effects, AnalysisOptions options) {
    Resampling stats = new Resampling(options);
    List<CorrespondenceRow> rows = new ArrayList<>();
    for (Point point : Point.values()) {
      TreeMap<LayerSite, Acc> byLayer = new TreeMap<>();
      for (TaskObservation t : observations) {
        if (!point.eligible(t) || t.gold0() < 0) {
          continue;
        }
        for (LayerObservation l : t.layers()) {
          Peak peak = point.peak(l);
          if (l.hasSae() && peak.hasLatent()) {
            Acc acc =
                byLayer.computeIfAbsent(
                    new LayerSite(l.layer(), l.site()), k -> new Acc(l.saeId()));
            acc.tasks++;
            add(acc.match, acc.rank, effects, l.saeId(), peak.latent(), peak.latentRank(), t);
            if (peak.attributionLatent() >= 0) {
              acc.attributed = true;
              add(
                  acc.attributionMatch,
                  acc.attributionRank,
                  effects,
                  l.saeId(),
                  peak.attributionLatent(),
                  peak.attributionRank(),
                  t);
            }
          }
        }
      }
      byLayer.forEach((at, acc) -> rows.add(row(point, at, acc, stats)));
    }
    return new E3Tables(rows);
  }

  private static void add(
      ItemMeans match,
      ItemMeans rank,
      LatentEffects effects,
      String saeId,
      int latent,
      int workerRank,
      TaskObservation t) {
    if (workerRank >= 0) { // the worker ranked the target over the whole vocabulary
      match.add(t.itemKey(), workerRank == 0 ? 1 : 0);
      rank.add(t.itemKey(), workerRank);
      return;
    }
    int[] top = effects.topTokenIds(saeId, latent);
    if (top.length > 0) {
      match.add(t.itemKey(), top[0] == t.gold0() ? 1 : 0);
    }
    int r = effects.rankOf(saeId, latent, t.gold0());
    if (r >= 0) {
      rank.add(t.itemKey(), r);
    }
  }

  private static CorrespondenceRow row(Point point, LayerSite at, Acc acc, Resampling stats) {
    String noEffects = "no logit effects known for these latents of SAE " + acc.saeId;
    String noRank = "the target's rank is unknown for every latent (beyond the known effects)";
    return new CorrespondenceRow(
        point.key,
        at.layer(),
        at.site(),
        acc.saeId,
        acc.tasks,
        share(acc.match, noEffects, stats),
        median(acc.rank, noRank, stats),
        acc.attributed
            ? share(acc.attributionMatch, noEffects, stats)
            : Cell.absent(NO_ATTRIBUTION),
        acc.attributed ? median(acc.attributionRank, noRank, stats) : Cell.absent(NO_ATTRIBUTION));
  }

  private static Cell share(ItemMeans m, String reason, Resampling stats) {
    return m.items() == 0 ? Cell.absent(reason) : Cell.of(stats.mean(m.sample()));
  }

  private static Cell median(ItemMeans m, String reason, Resampling stats) {
    return m.items() == 0 ? Cell.absent(reason) : Cell.of(stats.median(m.sample()));
  }
}
