package dev.saescope.aggregator.e1;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.analysis.ItemMeans;
import dev.saescope.aggregator.analysis.Resampling;
import dev.saescope.aggregator.e1.E1Tables.CommitRow;
import dev.saescope.aggregator.e1.E1Tables.DriftRow;
import dev.saescope.aggregator.e1.E1Tables.LensRow;
import dev.saescope.aggregator.observe.LayerObservation;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** Experiment 1 (EXPERIMENTS.md §3) over a run's observations. */
public final class E1Analysis {
  private E1Analysis() {}

  /**
   * The E1 tables.
   *
   * @param observations the run's observations in {@link TaskObservation#ORDER}
   */
  public static E1Tables compute(List<TaskObservation> observations, AnalysisOptions options) {
    Resampling stats = new Resampling(options);
    TreeSet<Integer> layers = residLayers(observations);
    return new E1Tables(
        drift(observations, layers, stats),
        ContextSensitivity.compute(observations, options, stats),
        lens(observations, layers, stats),
        commit(observations, layers, stats));
  }

  static TreeSet<Integer> residLayers(List<TaskObservation> observations) {
    TreeSet<Integer> layers = new TreeSet<>();
    for (TaskObservation t : observations) {
      for (LayerObservation l : t.layers()) {
        if (l.isResidPost()) {
          layers.add(l.layer());
        }
      }
    }
    return layers;
  }

  /** E1a: per layer, four per-item means. */
  private static List<DriftRow> drift(
      List<TaskObservation> observations, TreeSet<Integer> layers, Resampling stats) {
    TreeMap<Integer, ItemMeans[]> byLayer = new TreeMap<>();
    for (int layer : layers) {
      byLayer.put(
          layer,
          new ItemMeans[] {new ItemMeans(), new ItemMeans(), new ItemMeans(), new ItemMeans()});
    }
    for (TaskObservation t : observations) {
      for (LayerObservation l : t.layers()) {
        if (l.isResidPost()) {
          ItemMeans[] m = byLayer.get(l.layer());
          m[0].add(t.itemKey(), l.drift().nextQEnd());
          m[1].add(t.itemKey(), l.drift().finalQEnd());
          m[2].add(t.itemKey(), l.drift().nextAnswer());
          m[3].add(t.itemKey(), l.drift().finalAnswer());
        }
      }
    }
    List<DriftRow> rows = new ArrayList<>();
    byLayer.forEach(
        (layer, m) ->
            rows.add(
                new DriftRow(
                    layer,
                    stats.mean(m[0].sample()),
                    stats.mean(m[1].sample()),
                    stats.mean(m[2].sample()),
                    stats.mean(m[3].sample()))));
    return rows;
  }

  /** The score of the actual next token at {@code q_end}: NEXT if carried, else ANS0. */
  static Optional<TargetScore> nextTokenScore(TaskObservation t, LayerObservation l) {
    int q = t.tokens().qEnd();
    Optional<TargetScore> next = l.score(ScoreRole.NEXT, q);
    return next.isPresent() || !t.hasAnswer() ? next : l.score(ScoreRole.ANS0, q);
  }

  private static List<LensRow> lens(
      List<TaskObservation> observations, TreeSet<Integer> layers, Resampling stats) {
    TreeMap<Integer, ItemMeans[]> byLayer = new TreeMap<>();
    for (int layer : layers) {
      byLayer.put(
          layer,
          new ItemMeans[] {new ItemMeans(), new ItemMeans(), new ItemMeans(), new ItemMeans()});
    }
    for (TaskObservation t : observations) {
      for (LayerObservation l : t.layers()) {
        if (!l.isResidPost()) {
          continue;
        }
        ItemMeans[] m = byLayer.get(l.layer());
        Optional<TargetScore> next = nextTokenScore(t, l);
        if (next.isPresent()) {
          m[0].add(t.itemKey(), next.get().lensRank());
          m[1].add(t.itemKey(), Math.log1p(next.get().lensRank()));
        }
        m[2].add(t.itemKey(), t.top1Agreement(l));
        m[3].add(t.itemKey(), l.klBits());
      }
    }
    List<LensRow> rows = new ArrayList<>();
    byLayer.forEach(
        (layer, m) ->
            rows.add(
                new LensRow(
                    layer,
                    stats.median(m[0].sample()),
                    stats.mean(m[1].sample()),
                    stats.mean(m[2].sample()),
                    stats.mean(m[3].sample()))));
    return rows;
  }

  /**
   * The commit layer of a task: walking down from the deepest reported layer, the last layer
   * reached before a top-1 differs from the final one; -1 when the final top-1 or a layer's top-1
   * is unknown.
   */
  static int commitLayer(TaskObservation t) {
    if (t.finalTop1() < 0) {
      return -1;
    }
    int commit = -1;
    List<LayerObservation> layers = t.layers();
    for (int i = layers.size() - 1; i >= 0; i--) {
      LayerObservation l = layers.get(i);
      if (!l.isResidPost() || l.layer() > t.finalLayer()) {
        continue;
      }
      if (l.lensTop1() < 0) {
        return -1;
      }
      if (l.lensTop1() != t.finalTop1()) {
        break;
      }
      commit = l.layer();
    }
    return commit;
  }

  private static List<CommitRow> commit(
      List<TaskObservation> observations, TreeSet<Integer> layers, Resampling stats) {
    TreeMap<Integer, ItemMeans> byLayer = new TreeMap<>();
    for (int layer : layers) {
      byLayer.put(layer, new ItemMeans());
    }
    for (TaskObservation t : observations) {
      int commit = commitLayer(t);
      if (commit < 0) {
        continue;
      }
      for (LayerObservation l : t.layers()) {
        if (l.isResidPost() && l.layer() <= t.finalLayer()) {
          byLayer.get(l.layer()).add(t.itemKey(), l.layer() == commit ? 1 : 0);
        }
      }
    }
    List<CommitRow> rows = new ArrayList<>();
    byLayer.forEach((layer, m) -> rows.add(new CommitRow(layer, stats.mean(m.sample()))));
    return rows;
  }
}
