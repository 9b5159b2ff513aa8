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
 * The full-vocabulary logit lens at each task's {@code q_end}, at every reported layer and the
 * final one (the reference for KL and top-1 agreement), reduced on the engine to what results
 * carry: the targets' log-probabilities and ranks, the top-1 and the KL in bits.
 *
 * <p>It costs about {@code 2 · dModel · vocab} FLOPs per layer and task (0.34 GFLOP on Gemma 3
 * 270M), so it runs at {@code q_end} only, and its time is kept apart ({@link #nanos()}).
 */
final class QEndLens {
  /** Rows per full-vocabulary lens call: [128, 262144] fp32 logits are 134 MB per temporary. */
  private static final int LENS_ROWS = 128;

  private final GemmaModel model;
  private final List<Integer> layers;
  private long nanos;

  QEndLens(GemmaModel model, SortedSet<Integer> reported) {
    this.model = model;
    List<Integer> all = new ArrayList<>(reported);
    int finalLayer = model.config().nLayers() - 1;
    if (!reported.contains(finalLayer)) {
      all.add(finalLayer);
    }
    this.layers = List.copyOf(all);
  }

  /** The lens layers, in the order of each {@link LensStats} row: reported ones, then the final. */
  List<Integer> layers() {
    return layers;
  }

  /**
   * One {@link LensStats} per task, one row per {@link #layers()} entry. Tasks share unembedding
   * calls (up to {@value #LENS_ROWS} rows each): the call's cost is mostly reading W_U (671 MB on
   * Gemma 3 270M), so one call per task would be several times slower.
   */
  List<LensStats> at(List<PreparedTask> tasks, ForwardResult forward) {
    long start = System.nanoTime();
    int perTask = layers.size();
    int tasksPerCall = Math.max(1, LENS_ROWS / perTask);
    int finalIndex = layers.indexOf(model.config().nLayers() - 1);
    int d = model.config().dModel();
    List<LensStats> out = new ArrayList<>(tasks.size());
    for (int from = 0; from < tasks.size(); from += tasksPerCall) {
      int to = Math.min(tasks.size(), from + tasksPerCall);
      int rows = (to - from) * perTask;
      float[] values = new float[rows * d]; // [rows, dModel]
      int[] positions = new int[rows];
      int[][] targets = new int[rows][];
      int[] refs = new int[rows];
      for (int t = from; t < to; t++) {
        PreparedTask p = tasks.get(t);
        int[] taskTargets = PreparedTask.validTargets(p.targetsAtQEnd());
        for (int k = 0; k < perTask; k++) {
          int row = (t - from) * perTask + k;
          Rows r = forward.capture(layers.get(k), Site.RESID_POST, t);
          System.arraycopy(r.values(), p.qEnd() * d, values, row * d, d);
          positions[row] = p.qEnd();
          targets[row] = taskTargets;
          refs[row] = (t - from) * perTask + finalIndex;
        }
      }
      LensStats all = model.lensStats(new Rows(positions, d, values), targets, refs);
      for (int t = from; t < to; t++) {
        int first = (t - from) * perTask;
        out.add(
            new LensStats(
                Arrays.copyOfRange(all.targetLogprobs(), first, first + perTask),
                Arrays.copyOfRange(all.targetRanks(), first, first + perTask),
                Arrays.copyOfRange(all.top1(), first, first + perTask),
                Arrays.copyOfRange(all.klBits(), first, first + perTask)));
      }
    }
    synchronized (this) {
      nanos += System.nanoTime() - start;
    }
    return out;
  }

  /** Time spent in the lens since start. */
  synchronized long nanos() {
    return nanos;
  }
}
