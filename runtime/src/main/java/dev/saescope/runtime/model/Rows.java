package dev.saescope.runtime.model;

import java.util.Arrays;

/**
 * Activations or logits of one sequence at some positions, copied out of native memory.
 *
 * @param positions token positions in the sequence, one per row
 * @param width values per row (dModel, nHeads*headDim or vocab)
 * @param values row-major {@code [positions.length, width]}
 */
public record Rows(int[] positions, int width, float[] values) {
  public Rows {
    positions = positions.clone();
    if (width <= 0 || (long) positions.length * width != values.length) {
      throw new IllegalArgumentException(
          positions.length
              + " rows of width "
              + width
              + " need that many values, got "
              + values.length);
    }
  }

  @Override
  public int[] positions() {
    return positions.clone();
  }

  /** Number of rows. */
  public int count() {
    return positions.length;
  }

  /** A copy of row {@code i}. */
  public float[] row(int i) {
    return Arrays.copyOfRange(values, i * width, (i + 1) * width);
  }

  /** One value without copying. */
  public float get(int row, int column) {
    return values[row * width + column];
  }

  @Override
  public String toString() {
    return "Rows[" + positions.length + " x " + width + "]";
  }
}
