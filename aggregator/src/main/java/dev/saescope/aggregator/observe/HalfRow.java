package dev.saescope.aggregator.observe;

import java.util.Arrays;

/**
 * A dense vector kept compactly: {@code x[c] = scale * float16(halves[c])}. The scale is the row's
 * largest magnitude, so the residual stream's outlier dimensions cannot overflow float16's 65504
 * and every entry keeps float16's 11 significant bits relative to the largest; cosines are
 * unchanged by the scale. 2 bytes per entry plus 4.
 *
 * <p>The record owns its array: callers hand it over and must not change it afterwards.
 *
 * @param scale the largest magnitude of the original row (0 for a zero row)
 * @param halves the entries divided by {@code scale}, as float16 bits // [dim]
 */
public record HalfRow(float scale, short[] halves) {
  /** No vector. */
  public static final HalfRow EMPTY = new HalfRow(0f, new short[0]);

  public HalfRow {
    if (halves == null) {
      throw new IllegalArgumentException("half row: halves is null");
    }
    if (!(scale >= 0) || Float.isInfinite(scale)) {
      throw new IllegalArgumentException("half row: scale " + scale + " is not finite and >= 0");
    }
  }

  /** {@code x} rounded to a scaled float16 row. */
  public static HalfRow of(double[] x) {
    double max = 0;
    for (double v : x) {
      max = Math.max(max, Math.abs(v));
    }
    float scale = (float) max;
    short[] h = new short[x.length];
    for (int c = 0; c < x.length; c++) {
      h[c] = Float.floatToFloat16(scale == 0 ? 0f : (float) (x[c] / scale));
    }
    return new HalfRow(scale, h);
  }

  /** The entries back as doubles. */
  public double[] toDoubles() {
    double[] x = new double[halves.length];
    for (int c = 0; c < x.length; c++) {
      x[c] = (double) scale * Float.float16ToFloat(halves[c]);
    }
    return x;
  }

  /** Number of entries; 0 for {@link #EMPTY}. */
  public int dim() {
    return halves.length;
  }

  public boolean isEmpty() {
    return halves.length == 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HalfRow r
        && Float.compare(scale, r.scale) == 0
        && Arrays.equals(halves, r.halves);
  }

  @Override
  public int hashCode() {
    return 31 * Float.hashCode(scale) + Arrays.hashCode(halves);
  }

  @Override
  public String toString() {
    return "HalfRow[dim=" + halves.length + ", scale=" + scale + "]";
  }
}
