package dev.saescope.runtime.model;

import java.util.Arrays;

/**
 * The distinct tokens each row scores, laid out in slots for counting ranks: counting costs one
 * {@code [rows, vocab]} compare per slot whatever the row count, so a row's repeated tokens and its
 * absent targets ({@link #NONE}) cost nothing, and the call costs as many passes as its busiest row
 * has distinct tokens, not as many as rows have target columns.
 *
 * <p>The worker's rows score up to five tokens of which most are absent (a non-direct answer has no
 * future tokens) or repeated (a one-token gold answer is both the next token and the gold).
 */
public final class RankSlots {
  /** A target column with no token: its rank is -1 and its value 0. */
  public static final int NONE = -1;

  private final int slots;
  private final long[] ids; // [rows, slots] row-major; unused slots repeat the row's slot 0
  private final int[][] slotOf; // [rows][k]: the slot of targets[r][j], -1 for NONE

  private RankSlots(int slots, long[] ids, int[][] slotOf) {
    this.slots = slots;
    this.ids = ids;
    this.slotOf = slotOf;
  }

  /**
   * Slots for {@code targets}, laid out for {@code paddedRows >= targets.length} rows (padding rows
   * score token 0).
   *
   * @param targets {@code [rows][k]} token ids in {@code [0, vocab)} or {@link #NONE}; rows may
   *     differ in k
   * @throws IllegalArgumentException naming the row of an id outside the vocabulary
   */
  public static RankSlots of(int[][] targets, int vocab, int paddedRows) {
    int rows = targets.length;
    int[][] distinct = new int[rows][];
    int[][] slotOf = new int[rows][];
    int slots = 0;
    for (int r = 0; r < rows; r++) {
      int[] t = targets[r];
      int[] seen = new int[t.length];
      int n = 0;
      slotOf[r] = new int[t.length];
      for (int j = 0; j < t.length; j++) {
        int id = t[j];
        if (id == NONE) {
          slotOf[r][j] = -1;
          continue;
        }
        if (id < 0 || id >= vocab) {
          throw new IllegalArgumentException(
              "row " + r + ": token id " + id + " outside [0, " + vocab + ")");
        }
        int s = indexOf(seen, n, id);
        if (s < 0) {
          s = n;
          seen[n++] = id;
        }
        slotOf[r][j] = s;
      }
      distinct[r] = Arrays.copyOf(seen, n);
      slots = Math.max(slots, n);
    }
    long[] ids = new long[paddedRows * slots];
    for (int r = 0; r < rows; r++) {
      for (int s = 0; s < slots; s++) {
        int[] d = distinct[r];
        ids[r * slots + s] = d.length == 0 ? 0 : d[s < d.length ? s : 0];
      }
    }
    return new RankSlots(slots, ids, slotOf);
  }

  /**
   * The rows a call of {@code rows} rows is padded to, a multiple of 4: the CPU engine's matmul
   * takes another kernel for a few rows not divisible by 4, whose sums round differently (measured
   * on PyTorch 2.7 CPU), so without padding a row's ranks would depend on which rows share its
   * call.
   */
  public static int paddedRows(int rows) {
    return (rows + 3) / 4 * 4;
  }

  private static int indexOf(int[] a, int n, int id) {
    for (int i = 0; i < n; i++) {
      if (a[i] == id) {
        return i;
      }
    }
    return -1;
  }

  /** Compare-and-count passes a call needs: the most distinct tokens of any row. */
  public int slots() {
    return slots;
  }

  /** {@code [paddedRows, slots()]} row-major token ids, to gather each slot's score with. */
  public long[] ids() {
    return ids;
  }

  /**
   * Each row's targets from per-slot results: {@code perSlot[r * slots() + s]} → {@code [rows][k]},
   * {@code absent} where a target is {@link #NONE}.
   */
  public long[][] spread(long[] perSlot, long absent) {
    long[][] out = new long[slotOf.length][];
    for (int r = 0; r < slotOf.length; r++) {
      out[r] = new long[slotOf[r].length];
      for (int j = 0; j < slotOf[r].length; j++) {
        int s = slotOf[r][j];
        out[r][j] = s < 0 ? absent : perSlot[r * slots + s];
      }
    }
    return out;
  }

  /** As {@link #spread(long[], long)} for values; 0 where a target is {@link #NONE}. */
  public float[][] spread(float[] perSlot) {
    float[][] out = new float[slotOf.length][];
    for (int r = 0; r < slotOf.length; r++) {
      out[r] = new float[slotOf[r].length];
      for (int j = 0; j < slotOf[r].length; j++) {
        int s = slotOf[r][j];
        out[r][j] = s < 0 ? 0f : perSlot[r * slots + s];
      }
    }
    return out;
  }
}
