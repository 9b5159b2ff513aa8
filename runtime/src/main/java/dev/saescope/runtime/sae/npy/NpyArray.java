package dev.saescope.runtime.sae.npy;

import java.util.Arrays;
import java.util.Objects;

/**
 * One array read from a {@code .npy} file, converted to fp32, C (row-major) order.
 *
 * @param name the array's name (the npz member without {@code .npy}, or the file name)
 * @param shape dimensions, outermost first; {@code []} for a scalar
 * @param data exactly {@code product(shape)} floats
 */
public record NpyArray(String name, long[] shape, float[] data) {
  public NpyArray {
    Objects.requireNonNull(name, "name");
    shape = shape.clone();
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException(
          name
              + ": shape "
              + Arrays.toString(shape)
              + " needs "
              + n
              + " floats, got "
              + data.length);
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Rows of a 2-D array. */
  public int rows() {
    return (int) shape[0];
  }

  /** Columns of a 2-D array. */
  public int cols() {
    return (int) shape[1];
  }
}
