package dev.saescope.worker.compute;

import ai.djl.ndarray.NDArray;
import dev.saescope.runtime.sae.DirectionRanks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@link DirectionRanks} that one micro-batch asks for, computed together: every task's and
 * SAE's directions are gathered first, then ranked in as few engine calls as the rows fill. Each
 * call streams all of W_U (671 MB on Gemma 3 270M), so one call per task and SAE, for a few rows
 * each, was several times slower.
 */
final class BatchRanks {
  /** The tied embedding {@code [vocab, dModel]}: {@code W_U^T}, owned by the model. */
  private final NDArray embedding;

  private final int d;

  /**
   * Requests by their number of targets: every row of a {@link DirectionRanks} call has as many.
   */
  private final Map<Integer, List<Ranks>> byTargets = new TreeMap<>();

  BatchRanks(NDArray embedding) {
    this.embedding = embedding;
    this.d = (int) embedding.getShape().get(1);
  }

  /** The ranks of one request's rows, there once {@link #run} has run. */
  static final class Ranks {
    private final float[] directions; // [rows, dModel]
    private final int[][] targets; // [rows][k]
    private int[][] ranks;

    private Ranks(float[] directions, int[][] targets) {
      this.directions = directions;
      this.targets = targets;
    }

    /** {@code [rows][k]}, as {@link DirectionRanks#of} returns them for this request alone. */
    int[][] get() {
      if (ranks == null) {
        throw new IllegalStateException("ranks read before BatchRanks.run");
      }
      return ranks;
    }
  }

  /**
   * Queues rows to rank; their ranks are read from the returned {@link Ranks} after {@link #run}.
   *
   * @param directions {@code [rows, dModel]} row-major
   * @param targets {@code [rows][k]} token ids, the same k for every row
   */
  Ranks add(float[] directions, int[][] targets) {
    if (directions.length != targets.length * d) {
      throw new IllegalArgumentException(
          directions.length + " direction values for " + targets.length + " rows of width " + d);
    }
    Ranks out = new Ranks(directions, targets);
    int k = targets.length == 0 ? 0 : targets[0].length;
    byTargets.computeIfAbsent(k, x -> new ArrayList<>()).add(out);
    return out;
  }

  /** Ranks every queued row: one {@link DirectionRanks#of} per number of targets. */
  void run() {
    for (List<Ranks> requests : byTargets.values()) {
      int rows = 0;
      for (Ranks r : requests) {
        rows += r.targets.length;
      }
      float[] directions = new float[rows * d]; // [rows, dModel]
      int[][] targets = new int[rows][];
      int row = 0;
      for (Ranks r : requests) {
        int n = r.targets.length;
        System.arraycopy(r.directions, 0, directions, row * d, n * d);
        System.arraycopy(r.targets, 0, targets, row, n);
        row += n;
      }
      int[][] ranks = DirectionRanks.of(embedding, directions, targets);
      row = 0;
      for (Ranks r : requests) {
        int n = r.targets.length;
        r.ranks = Arrays.copyOfRange(ranks, row, row + n);
        row += n;
      }
    }
    byTargets.clear();
  }
}
