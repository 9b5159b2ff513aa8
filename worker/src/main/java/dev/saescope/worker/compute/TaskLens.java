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
   * One {@link Stats} per task. Tasks share unembedding calls of up to {@value #LENS_ROWS} rows
   * (one task's rows never split): the call's cost is mostly reading W_U (671 MB on Gemma 3 270M),
   * so one call per task would be several times slower.
   */
  List<Stats> at(List<PreparedTask> tasks, ForwardResult forward) {
    long start = System.nanoTime();
    List<Stats> out = new ArrayList<>(tasks.size());
    int from = 0;
    while (from < tasks.size()) {
      int to = from;
      int rows = 0;
      while (to < tasks.size() && (to == from || rows + rowsOf(tasks.get(to)) <= LENS_ROWS)) {
        rows += rowsOf(tasks.get(to));
        to++;
      }
      out.addAll(call(tasks, from, to, rows, forward));
      from = to;
    }
    synchronized (this) {
      nanos += System.nanoTime() - start;
    }
    return out;
  }

  private int rowsOf(PreparedTask p) {
    return p.lensPositions().length * layers.size();
  }

  /** One lens call over tasks {@code [from, to)} holding {@code rows} rows in all. */
  private List<Stats> call(
      List<PreparedTask> tasks, int from, int to, int rows, ForwardResult forward) {
    int perPosition = layers.size();
    int finalIndex = layers.indexOf(model.config().nLayers() - 1);
    int d = model.config().dModel();
    float[] values = new float[rows * d]; // [rows, dModel]
    int[] positions = new int[rows];
    int[][] targets = new int[rows][];
    int[] refs = new int[rows];
    int row = 0;
    for (int t = from; t < to; t++) {
      PreparedTask p = tasks.get(t);
      for (int pos : p.lensPositions()) {
        int[] scored = PreparedTask.validTargets(p.lensTargets(pos));
        int finalRow = row + finalIndex;
        for (int k = 0; k < perPosition; k++, row++) {
          Rows r = forward.capture(layers.get(k), Site.RESID_POST, t);
          System.arraycopy(r.values(), pos * d, values, row * d, d);
          positions[row] = pos;
          targets[row] = scored;
          refs[row] = finalRow;
        }
      }
    }
    LensStats all = model.lensStats(new Rows(positions, d, values), targets, refs);
    List<Stats> out = new ArrayList<>(to - from);
    int first = 0;
    for (int t = from; t < to; t++) {
      int[] at = tasks.get(t).lensPositions();
      int last = first + at.length * perPosition;
      out.add(
          new Stats(
              at,
              new LensStats(
                  Arrays.copyOfRange(all.targetLogprobs(), first, last),
                  Arrays.copyOfRange(all.targetRanks(), first, last),
                  Arrays.copyOfRange(all.top1(), first, last),
                  Arrays.copyOfRange(all.klBits(), first, last))));
      first = last;
    }
    return out;
  }

  /** Time spent in the lens since start. */
  synchronized long nanos() {
    return nanos;
  }
}
