package dev.saescope.schemas;

import java.util.Arrays;

/**
 * Dense activation rows at a few positions: what results send of {@code h_l} (the positions the
 * experiments need, not the whole sequence).
 *
 * <p>The record owns its arrays: callers hand them over and must not change them afterwards.
 *
 * @param positions token position of each row // [rows]
 * @param dModel width of one row (0 when a result sends no dense rows and its site has no width)
 * @param values row-major // [rows, dModel]
 */
public record DenseRows(int[] positions, int dModel, float[] values) {

  public DenseRows {
    Require.nonNull(positions, "positions", "dense rows");
    Require.nonNull(values, "values", "dense rows");
    Require.nonNegative(dModel, "dModel", "dense rows");
    if ((long) positions.length * dModel != values.length) {
      throw new IllegalArgumentException(
          "dense holds "
              + values.length
              + " floats for "
              + positions.length
              + " rows of "
              + dModel);
    }
    for (int p : positions) {
      Require.nonNegative(p, "position", "dense rows");
    }
  }

  /** No rows, of the given width. */
  public static DenseRows none(int dModel) {
    return new DenseRows(new int[0], dModel, new float[0]);
  }

  /** Number of rows. */
  public int rows() {
    return positions.length;
  }

  /** One value: row {@code row}, column {@code c}. */
  public float get(int row, int c) {
    return values[row * dModel + c];
  }

  /** Rows {@code [from, to)} as their own (copied) rows. */
  public DenseRows slice(int from, int to) {
    return new DenseRows(
        Arrays.copyOfRange(positions, from, to),
        dModel,
        Arrays.copyOfRange(values, from * dModel, to * dModel));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DenseRows d
        && dModel == d.dModel
        && Arrays.equals(positions, d.positions)
        && Arrays.equals(values, d.values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(positions) + dModel;
  }

  @Override
  public String toString() {
    return "DenseRows["
        + positions.length
        + " x "
        + dModel
        + " at "
        + Arrays.toString(positions)
        + "]";
  }
}
