package dev.saescope.runtime.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.model.Precision;
import dev.saescope.runtime.model.RankSlots;
import java.util.Arrays;

/**
 * Where chosen tokens rank when directions in the residual stream are read straight through the
 * unembedding, {@code v · W_U} over the whole vocabulary (no final norm, no soft-cap): the latents'
 * direct logit attribution {@code sum_i z_i W_dec[i]} (E2c) or one latent's logit effects {@code
 * W_dec[i]} (E3b). The [rows, vocab] products and the comparisons run on the engine; only the ranks
 * reach Java.
 *
 * <p>A call's cost is mostly the product, which streams all of W_U (671 MB on Gemma 3 270M) once
 * per engine call whatever its row count: callers should pass all the rows they have at once.
 */
public final class DirectionRanks {
  /** Rows per engine call: 128 x 262144 vocab x 4 bytes = 134 MB of logits scratch. */
  static final int CHUNK_ROWS = 128;

  private DirectionRanks() {}

  /**
   * For each row {@code r} and each of its targets {@code t}: how many tokens {@code v_r · W_U}
   * puts strictly above {@code targets[r][t]} (0 = top-1; ties count for the target). Counting
   * costs one [rows, vocab] compare per distinct token of the busiest row of a call ({@link
   * RankSlots}).
   *
   * @param embedding the tied embedding {@code [vocab, dModel]} ({@code W_U^T}), only read
   * @param directions {@code [rows, dModel]} row-major
   * @param targets {@code [rows][k]} token ids, or {@link RankSlots#NONE} for a column without one
   *     (rank -1); rows may differ in k
   * @throws IllegalArgumentException when shapes disagree or a token id is outside the vocabulary
   */
  public static int[][] of(NDArray embedding, float[] directions, int[][] targets) {
    long[] shape = embedding.getShape().getShape();
    if (shape.length != 2) {
      throw new IllegalArgumentException(
          "embedding must be [vocab, dModel], got " + embedding.getShape());
    }
    int vocab = (int) shape[0];
    int d = (int) shape[1];
    int rows = targets.length;
    if (directions.length != rows * d) {
      throw new IllegalArgumentException(
          directions.length + " direction values for " + rows + " rows of width " + d);
    }
    RankSlots.of(targets, vocab, rows); // names a bad id before any engine work
    int[][] out = new int[rows][];
    for (int from = 0; from < rows; from += CHUNK_ROWS) {
      int n = Math.min(CHUNK_ROWS, rows - from);
      int padded = RankSlots.paddedRows(n); // padding: token 0, zeros
      RankSlots slots = RankSlots.of(Arrays.copyOfRange(targets, from, from + n), vocab, padded);
      long[] counts =
          slots.slots() == 0
              ? new long[0]
              : counts(embedding, directions, from, n, padded, d, slots);
      long[][] ranks = slots.spread(counts, -1);
      for (int r = 0; r < n; r++) {
        out[from + r] = Arrays.stream(ranks[r]).mapToInt(x -> (int) x).toArray();
      }
    }
    return out;
  }

  /** Per row and slot of one call: tokens above the slot's token, {@code [padded * slots]}. */
  private static long[] counts(
      NDArray embedding, float[] directions, int from, int n, int padded, int d, RankSlots slots) {
    int k = slots.slots();
    long[] out = new long[padded * k];
    float[] chunk = new float[padded * d];
    System.arraycopy(directions, from * d, chunk, 0, n * d);
    try (NDManager m = embedding.getManager().newSubManager()) {
      NDArray wU = embedding.transpose(); // [dModel, vocab], a view
      wU.attach(m); // made in the embedding's manager: closed with this call's
      NDArray v = Precision.to(m.create(chunk, new Shape(padded, d)), Precision.of(embedding));
      NDArray logits = Precision.fp32(v.matMul(wU)); // [padded, vocab]
      NDArray at = logits.gather(m.create(slots.ids(), new Shape(padded, k)), 1); // [padded, k]
      for (int j = 0; j < k; j++) {
        // Closed per slot: the sum copies the booleans to int64 first, 268 MB at 128 rows. (A sum
        // in fp32 after toType was faster here but made the next logit lens calls slower.)
        try (NDArray column = at.get(":, {}:{}", j, j + 1); // [padded, 1]
            NDArray gt = logits.gt(column); // [padded, vocab]
            NDArray above = gt.sum(new int[] {1})) { // [padded]
          long[] c = above.toLongArray();
          for (int r = 0; r < padded; r++) {
            out[r * k + j] = c[r];
          }
        }
      }
    }
    return out;
  }
}
