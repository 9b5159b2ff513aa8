package dev.saescope.worker.compute;

import ai.djl.ndarray.NDArray;
import dev.saescope.runtime.sae.DirectionRanks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link DirectionRanks} that one micro-batch asks for, computed together: every task's and
 * SAE's directions are gathered first, then ranked in as few engine calls as the rows fill. Each
 * call streams all of W_U (671 MB on Gemma 3 270M), so one call per task and SAE, for a few rows
 * each, was several times slower. Identical directions are ranked once, with the union of their
 * tokens: the same latent chosen twice for E3b, or tasks that share the prefix up to a position.
 */
final class BatchRanks {
  /** The tied embedding {@code [vocab, dModel]}: {@code W_U^T}, owned by the model. */
  private final NDArray embedding;

  private final int d;

  private final List<Ranks> requests = new ArrayList<>();

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
   * @param targets {@code [rows][k]} token ids or -1 (none: rank -1)
   */
  Ranks add(float[] directions, int[][] targets) {
    if (directions.length != targets.length * d) {
      throw new IllegalArgumentException(
          directions.length + " direction values for " + targets.length + " rows of width " + d);
    }
    Ranks out = new Ranks(directions, targets);
    requests.add(out);
    return out;
  }

  /** Ranks every queued row in one {@link DirectionRanks#of}, each distinct direction once. */
  void run() {
    SharedRows shared = new SharedRows();
    List<SharedRows.Asked[]> added = new ArrayList<>(); // per request and row
    for (Ranks r : requests) {
      SharedRows.Asked[] at = new SharedRows.Asked[r.targets.length];
      for (int i = 0; i < at.length; i++) {
        at[i] = shared.add(Arrays.copyOfRange(r.directions, i * d, (i + 1) * d), r.targets[i]);
      }
      added.add(at);
    }
    float[] directions = new float[shared.size() * d]; // [distinct, dModel]
    int[][] targets = new int[shared.size()][];
    for (int u = 0; u < shared.size(); u++) {
      System.arraycopy(shared.row(u), 0, directions, u * d, d);
      targets[u] = shared.tokens(u);
    }
    int[][] ranks = DirectionRanks.of(embedding, directions, targets);
    for (int q = 0; q < requests.size(); q++) {
      SharedRows.Asked[] at = added.get(q);
      int[][] out = new int[at.length][];
      for (int i = 0; i < at.length; i++) {
        out[i] = at[i].spread(ranks[at[i].row()], -1);
      }
      requests.get(q).ranks = out;
    }
    requests.clear();
  }
}
