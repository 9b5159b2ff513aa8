package dev.saescope.lab.train;

/**
 * Weiszfeld's algorithm for the geometric median of a set of vectors, the initial {@code b_dec} of
 * Gao et al. 2024 §2 (following Bricken et al. 2023).
 */
final class GeometricMedian {
  private GeometricMedian() {}

  /**
   * @param x {@code [n, d]} row-major
   * @return {@code [d]}
   */
  static float[] of(float[] x, int n, int d, int iterations) {
    double[] y = new double[d];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < d; c++) {
        y[c] += x[i * d + c];
      }
    }
    for (int c = 0; c < d; c++) {
      y[c] /= n; // start at the mean
    }
    for (int it = 0; it < iterations; it++) {
      double[] num = new double[d];
      double den = 0;
      for (int i = 0; i < n; i++) {
        double dist = 0;
        for (int c = 0; c < d; c++) {
          double v = x[i * d + c] - y[c];
          dist += v * v;
        }
        double w = 1 / Math.max(Math.sqrt(dist), 1e-8);
        den += w;
        for (int c = 0; c < d; c++) {
          num[c] += w * x[i * d + c];
        }
      }
      double shift = 0;
      for (int c = 0; c < d; c++) {
        double next = num[c] / den;
        shift += (next - y[c]) * (next - y[c]);
        y[c] = next;
      }
      if (shift < 1e-12) {
        break;
      }
    }
    float[] out = new float[d];
    for (int c = 0; c < d; c++) {
      out[c] = (float) y[c];
    }
    return out;
  }
}
