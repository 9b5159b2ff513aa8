package dev.saescope.runtime.weights;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * One fp32 tensor in host memory (heap or a mapped file), row-major, before it goes to the engine.
 *
 * @param name the Hugging Face name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param shape dimensions, outermost first (a Linear weight is {@code [out, in]})
 * @param data exactly {@code product(shape)} floats, position 0..limit
 */
public record HostTensor(String name, long[] shape, FloatBuffer data) {
  public HostTensor {
    Objects.requireNonNull(name, "name");
    shape = shape.clone();
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            name + ": negative dimension in " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (data.remaining() != n) {
      throw new IllegalArgumentException(
          name
              + ": shape "
              + Arrays.toString(shape)
              + " needs "
              + n
              + " floats, got "
              + data.remaining());
    }
  }

  /** Number of elements. */
  public long size() {
    return data.remaining();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
