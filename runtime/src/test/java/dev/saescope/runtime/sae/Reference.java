package dev.saescope.runtime.sae;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Plain-Java double-precision SAE, the reference the engine path is checked against. */
final class Reference {
  private Reference() {}

  /** {@code (x - b_dec?) W_enc + b_enc} in double, {@code [tokens, dSae]}. */
  static double[] pre(SaeParams p, float[] x, int tokens) {
    int dIn = p.meta().dIn();
    int dSae = p.meta().dSae();
    double[] pre = new double[tokens * dSae];
    IntStream.range(0, tokens)
        .parallel()
        .forEach(
            t -> {
              for (int c = 0; c < dIn; c++) {
                double xc = x[t * dIn + c] - (p.meta().applyBDecToInput() ? p.bDec()[c] : 0);
                for (int i = 0; i < dSae; i++) {
                  pre[t * dSae + i] += xc * p.wEnc()[c * dSae + i];
                }
              }
              for (int i = 0; i < dSae; i++) {
                pre[t * dSae + i] += p.bEnc()[i];
              }
            });
    return pre;
  }

  /** Dense latents in double. */
  static double[] encode(SaeParams p, double[] pre, int tokens) {
    int dSae = p.meta().dSae();
    double[] z = new double[pre.length];
    for (int t = 0; t < tokens; t++) {
      int o = t * dSae;
      switch (p.meta().activation()) {
        case Activation.JumpRelu j -> {
          for (int i = 0; i < dSae; i++) {
            double thr = Math.max(p.threshold()[i], 0);
            z[o + i] = pre[o + i] > thr ? pre[o + i] : 0;
          }
        }
        case Activation.Relu r -> {
          for (int i = 0; i < dSae; i++) {
            z[o + i] = Math.max(pre[o + i], 0);
          }
        }
        case Activation.TopK k -> {
          Integer[] order = new Integer[dSae];
          for (int i = 0; i < dSae; i++) {
            order[i] = i;
          }
          Arrays.sort(
              order,
              Comparator.<Integer>comparingDouble(i -> -pre[o + i]).thenComparingInt(i -> i));
          for (int r = 0; r < k.k(); r++) {
            z[o + order[r]] = Math.max(pre[o + order[r]], 0);
          }
        }
      }
    }
    return z;
  }

  /** {@code z W_dec + b_dec} in double. */
  static double[] decode(SaeParams p, double[] z, int tokens) {
    int dIn = p.meta().dIn();
    int dSae = p.meta().dSae();
    double[] out = new double[tokens * dIn];
    for (int t = 0; t < tokens; t++) {
      for (int c = 0; c < dIn; c++) {
        out[t * dIn + c] = p.bDec()[c];
      }
      for (int i = 0; i < dSae; i++) {
        double v = z[t * dSae + i];
        if (v != 0) {
          for (int c = 0; c < dIn; c++) {
            out[t * dIn + c] += v * p.wDec()[i * dIn + c];
          }
        }
      }
    }
    return out;
  }

  /** Random parameters: weights ~ N(0, 1/dIn), thresholds in [0, 1) with a few negative. */
  static SaeParams random(Activation a, int dIn, int dSae, boolean applyBDec, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float s = (float) (1 / Math.sqrt(dIn));
    float[] thr = null;
    if (a instanceof Activation.JumpRelu) {
      thr = new float[dSae];
      for (int i = 0; i < dSae; i++) {
        thr[i] = i < 3 ? -0.1f : (float) r.nextDouble();
      }
    }
    return SaeParams.of(
        "test-model",
        Optional.empty(),
        dIn,
        dSae,
        a,
        applyBDec,
        "random-" + a.architecture(),
        gauss(r, dIn * dSae, s),
        gauss(r, dSae, 0.1f),
        gauss(r, dIn * dSae, s),
        gauss(r, dIn, 0.1f),
        thr);
  }

  static float[] gauss(SplittableRandom r, int n, float scale) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      double u = 1 - r.nextDouble();
      a[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()) * scale);
    }
    return a;
  }
}
