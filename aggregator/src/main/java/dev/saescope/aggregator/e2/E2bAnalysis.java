package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.analysis.ItemMeans;
import dev.saescope.aggregator.analysis.LayerSite;
import dev.saescope.aggregator.analysis.Resampling;
import dev.saescope.aggregator.e2.E2bTables.AurocRow;
import dev.saescope.aggregator.e2.E2bTables.GoldRow;
import dev.saescope.aggregator.observe.LayerObservation;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** E2b (EXPERIMENTS.md §4) over a run's observations. */
public final class E2bAnalysis {
  private E2bAnalysis() {}

  /** Where a scorer reads: the model's own row is the final layer's lens. */
  private record Key(String scorer, LayerSite at) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = Integer.compare(order(scorer), order(o.scorer));
      return c != 0 ? c : at.compareTo(o.at);
    }

    private static int order(String scorer) {
      return switch (scorer) {
        case "model" -> 0;
        case "lens" -> 1;
        default -> 2;
      };
    }
  }

  /**
   * The E2b tables.
   *
   * @param observations the run's observations in {@code TaskObservation.ORDER}
   */
  public static E2bTables compute(List<TaskObservation> observations, AnalysisOptions options) {
    Resampling stats = new Resampling(options);
    return new E2bTables(auroc(observations, stats), gold(observations, stats));
  }

  private static List<AurocRow> auroc(List<TaskObservation> observations, Resampling stats) {
    TreeMap<Key, ItemMeans[]> means = new TreeMap<>();
    for (TaskObservation t : observations) {
      int side = t.variant() == Variant.DIRECT ? 0 : t.variant() == Variant.EVASIVE ? 1 : -1;
      if (side < 0) {
        continue;
      }
      for (LayerObservation l : t.layers()) {
        Optional<TargetScore> s = l.score(ScoreRole.ANS0, t.tokens().qEnd());
        if (s.isEmpty() || !l.isResidPost()) {
          continue;
        }
        LayerSite at = new LayerSite(l.layer(), l.site());
        add(means, new Key("lens", at), side, t.itemKey(), s.get().lensLogprob());
        if (l.layer() == t.finalLayer()) {
          add(means, new Key("model", at), side, t.itemKey(), s.get().lensLogprob());
        }
        if (l.hasSae()) {
          add(means, new Key("attribution", at), side, t.itemKey(), s.get().attribution());
        }
      }
    }
    List<AurocRow> rows = new ArrayList<>();
    means.forEach(
        (k, m) ->
            rows.add(
                new AurocRow(
                    k.scorer(),
                    k.at().layer(),
                    k.at().site(),
                    stats.auroc(m[0].sample(), m[1].sample()),
                    stats.mean(m[0].sample()),
                    stats.mean(m[1].sample()))));
    return rows;
  }

  /** A gold row's place: variant, then the model's row before the lens rows, then layer. */
  private record GoldKey(String variant, String scorer, int layer) implements Comparable<GoldKey> {
    @Override
    public int compareTo(GoldKey o) {
      int c = variant.compareTo(o.variant);
      if (c == 0) {
        c = Integer.compare(Key.order(scorer), Key.order(o.scorer));
      }
      return c != 0 ? c : Integer.compare(layer, o.layer);
    }
  }

  private static List<GoldRow> gold(List<TaskObservation> observations, Resampling stats) {
    TreeMap<GoldKey, ItemMeans[]> means = new TreeMap<>();
    for (TaskObservation t : observations) {
      if (t.variant() != Variant.DIRECT && t.variant() != Variant.CLOZE) {
        continue;
      }
      for (LayerObservation l : t.layers()) {
        Optional<TargetScore> s = l.score(ScoreRole.GOLD0, t.tokens().qEnd());
        if (s.isEmpty() || !l.isResidPost()) {
          continue;
        }
        int rank = s.get().lensRank();
        List<String> scorers =
            l.layer() == t.finalLayer() ? List.of("model", "lens") : List.of("lens");
        for (String scorer : scorers) {
          ItemMeans[] m =
              means.computeIfAbsent(
                  new GoldKey(t.variant().wireName(), scorer, l.layer()),
                  k -> new ItemMeans[] {new ItemMeans(), new ItemMeans()});
          m[0].add(t.itemKey(), rank == 0 ? 1 : 0);
          m[1].add(t.itemKey(), rank < 10 ? 1 : 0);
        }
      }
    }
    List<GoldRow> rows = new ArrayList<>();
    means.forEach(
        (k, m) ->
            rows.add(
                new GoldRow(
                    k.variant(),
                    k.scorer(),
                    k.layer(),
                    stats.mean(m[0].sample()),
                    stats.mean(m[1].sample()))));
    return rows;
  }

  private static void add(
      TreeMap<Key, ItemMeans[]> means, Key key, int side, long itemKey, double value) {
    means.computeIfAbsent(key, k -> new ItemMeans[] {new ItemMeans(), new ItemMeans()})[side].add(
        itemKey, value);
  }
}
