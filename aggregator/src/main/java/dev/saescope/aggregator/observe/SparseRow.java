package dev.saescope.aggregator.observe;

import java.util.Arrays;

/**
 * A sparse latent vector {@code z} kept compactly: the active latent ids, and their values as a
 * scaled float16 row ({@link HalfRow}'s convention). 6 bytes per active latent plus 4.
 *
 * <p>The record owns its arrays: callers hand them over and must not change them afterwards.
 *
 * @param indices active latent ids, strictly ascending // [l0]
 * @param values their values // [l0]
 */
public record SparseRow(int[] indices, HalfRow values) {
  /** No vector. */
  public static final SparseRow EMPTY = new SparseRow(new int[0], HalfRow.EMPTY);

  public SparseRow {
    if (indices == null || values == null) {
      throw new IllegalArgumentException("sparse row: indices or values is null");
    }
    if (indices.length != values.dim()) {
      throw new IllegalArgumentException(
          "sparse row: " + indices.length + " indices for " + values.dim() + " values");
    }
    for (int i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || (i > 0 && indices[i] <= indices[i - 1])) {
        throw new IllegalArgumentException(
            "sparse row: indices must be ascending and non-negative at " + i);
      }
    }
  }

  /** The row of ascending {@code indices} with {@code values}. */
  public static SparseRow of(int[] indices, double[] values) {
    return new SparseRow(indices, HalfRow.of(values));
  }

  public boolean isEmpty() {
    return indices.length == 0;
  }

  /** {@code z · other}, by a merge of the two ascending index lists. */
  public double dot(SparseRow other) {
    double[] a = values.toDoubles();
    double[] b = other.values.toDoubles();
    double s = 0;
    int j = 0;
    for (int i = 0; i < indices.length; i++) {
      while (j < other.indices.length && other.indices[j] < indices[i]) {
        j++;
      }
      if (j < other.indices.length && other.indices[j] == indices[i]) {
        s += a[i] * b[j];
      }
    }
    return s;
  }

  /** {@code |z|}. */
  public double norm() {
    double s = 0;
    for (double v : values.toDoubles()) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparseRow r && Arrays.equals(indices, r.indices) && values.equals(r.values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(indices) + values.hashCode();
  }

  @Override
  public String toString() {
    return "SparseRow[l0=" + indices.length + "]";
  }
}
