package dev.saescope.worker.compute;

import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.LensStats;
import dev.saescope.runtime.model.Rows;
import dev.saescope.runtime.model.Site;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedSet;

/**
 * The full-vocabulary logit lens at each task's {@link PreparedTask#lensPositions()} ({@code
 * q_end}, plus the first answer positions of direct answers for E2c), at every reported layer and
 * the final one (the reference for KL and top-1 agreement), reduced on the engine to what results
 * carry: the scored tokens' log-probabilities and ranks, the top-1 and the KL in bits.
 *
 * <p>It costs about {@code 2 · dModel · vocab} FLOPs per row (0.34 GFLOP on Gemma 3 270M), so it
 * runs at those few positions only, and its time is kept apart ({@link #nanos()}).
 */
final class TaskLens {
  /** Rows per full-vocabulary lens call: [128, 262144] fp32 logits are 134 MB per temporary. */
  private static final int LENS_ROWS = 128;

  private final GemmaModel model;
  private final List<Integer> layers;
  private long nanos;
  private long positions; // lens positions asked for
  private long computed; // of which computed (the others shared a computed one's group)

  /**
   * One task's lens: row {@code q * layers().size() + k} is lens position {@code positions[q]} at
   * layer {@code layers().get(k)}.
   */
  record Stats(int[] positions, LensStats rows) {}

  TaskLens(GemmaModel model, SortedSet<Integer> reported) {
    this.model = model;
    List<Integer> all = new ArrayList<>(reported);
    int finalLayer = model.config().nLayers() - 1;
    if (!reported.contains(finalLayer)) {
      all.add(finalLayer);
    }
    this.layers = List.copyOf(all);
    if (layers.size() * PreparedTask.MAX_LENS_POSITIONS > 4 * 64) {
      throw new IllegalArgumentException(
          layers.size()
              + " lens layers x "
              + PreparedTask.MAX_LENS_POSITIONS
              + " positions per task exceed one lens call");
    }
  }

  /** The lens layers, in the order of each task's rows: reported ones, then the final. */
  List<Integer> layers() {
    return layers;
  }

  /**
   * One {@link Stats} per task. A lens position's rows at every lens layer form a group; groups
   * that are equal bit for bit (tasks sharing the prefix up to that position: the direct, evasive
   * and counterfactual forms of one question at {@code q_end}) are computed once, scoring every
   * token their tasks ask ({@link SharedRows}). Groups share unembedding calls of up to {@value
   * #LENS_ROWS} rows (a group never splits): the call's cost is mostly reading W_U (671 MB on Gemma
   * 3 270M), so one call per task would be several times slower.
   */
  List<Stats> at(List<PreparedTask> tasks, ForwardResult forward) {
    long start = System.nanoTime();
    int d = model.config().dModel();
    SharedRows groups = new SharedRows();
    SharedRows.Asked[][] added = new SharedRows.Asked[tasks.size()][]; // per task and position
    for (int t = 0; t < tasks.size(); t++) {
      PreparedTask p = tasks.get(t);
      int[] positions = p.lensPositions();
      added[t] = new SharedRows.Asked[positions.length];
      for (int q = 0; q < positions.length; q++) {
        float[] group = new float[layers.size() * d]; // [layers, dModel]
        for (int k = 0; k < layers.size(); k++) {
          Rows r = forward.capture(layers.get(k), Site.RESID_POST, t);
          System.arraycopy(r.values(), positions[q] * d, group, k * d, d);
        }
        added[t][q] = groups.add(group, p.lensTargets(positions[q])); // -1 = none: not ranked
      }
    }
    LensStats[] byGroup = new LensStats[groups.size()];
    int perCall = Math.max(1, LENS_ROWS / layers.size());
    for (int from = 0; from < groups.size(); from += perCall) {
      call(groups, from, Math.min(groups.size(), from + perCall), byGroup);
    }
    List<Stats> out = new ArrayList<>(tasks.size());
    for (int t = 0; t < tasks.size(); t++) {
      out.add(stats(tasks.get(t).lensPositions(), added[t], byGroup));
    }
    synchronized (this) {
      nanos += System.nanoTime() - start;
      positions += Arrays.stream(added).mapToLong(a -> a.length).sum();
      computed += groups.size();
    }
    return out;
  }

  /** One lens call over groups {@code [from, to)}, their stats into {@code byGroup}. */
  private void call(SharedRows groups, int from, int to, LensStats[] byGroup) {
    int perGroup = layers.size();
    int finalIndex = layers.indexOf(model.config().nLayers() - 1);
    int d = model.config().dModel();
    int rows = (to - from) * perGroup;
    float[] values = new float[rows * d]; // [rows, dModel]
    int[][] targets = new int[rows][];
    int[] refs = new int[rows];
    for (int g = from; g < to; g++) {
      int first = (g - from) * perGroup;
      System.arraycopy(groups.row(g), 0, values, first * d, perGroup * d);
      int[] tokens = groups.tokens(g);
      for (int k = 0; k < perGroup; k++) {
        targets[first + k] = tokens;
        refs[first + k] = first + finalIndex;
      }
    }
    LensStats all = model.lensStats(new Rows(new int[rows], d, values), targets, refs);
    for (int g = from; g < to; g++) {
      int first = (g - from) * perGroup;
      int last = first + perGroup;
      byGroup[g] =
          new LensStats(
              Arrays.copyOfRange(all.targetLogprobs(), first, last),
              Arrays.copyOfRange(all.targetRanks(), first, last),
              Arrays.copyOfRange(all.top1(), first, last),
              Arrays.copyOfRange(all.klBits(), first, last));
    }
  }

  /** A task's stats from its groups': row {@code q * layers + k}, in its own target columns. */
  private Stats stats(int[] positions, SharedRows.Asked[] added, LensStats[] byGroup) {
    int perGroup = layers.size();
    int rows = positions.length * perGroup;
    float[][] logprobs = new float[rows][];
    long[][] ranks = new long[rows][];
    long[] top1 = new long[rows];
    float[] kl = new float[rows];
    for (int q = 0; q < positions.length; q++) {
      int[] columns = added[q].columns();
      LensStats g = byGroup[added[q].row()];
      for (int k = 0; k < perGroup; k++) {
        int row = q * perGroup + k;
        logprobs[row] = new float[columns.length];
        ranks[row] = new long[columns.length];
        for (int j = 0; j < columns.length; j++) {
          int c = columns[j];
          logprobs[row][j] = c < 0 ? 0f : g.targetLogprobs()[k][c];
          ranks[row][j] = c < 0 ? -1 : g.targetRanks()[k][c];
        }
        top1[row] = g.top1()[k];
        kl[row] = g.klBits()[k];
      }
    }
    return new Stats(positions, new LensStats(logprobs, ranks, top1, kl));
  }

  /** The share of lens positions since start that reused another task's group: 0 to 1. */
  synchronized double sharedFraction() {
    return positions == 0 ? 0 : 1 - (double) computed / positions;
  }

  /** Time spent in the lens since start. */
  synchronized long nanos() {
    return nanos;
  }
}
