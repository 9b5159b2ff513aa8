package dev.saescope.lab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.SparseLatents;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Measures JumpReLU encoding of a Gemma Scope-shaped SAE against the matmul roofline measured in
 * the same run: {@code ratio = t(x W_enc) / t(encode)}, where encode includes the bias, the
 * threshold compare, the nonzero extraction and the copy of indices and values to Java. Absolute
 * times on shared machines are noise; the ratio is what BENCHMARKS.md records (DESIGN.md
 * "Performance budgets"). The two are timed alternately and the ratio uses each one's fastest
 * repetition, the one least disturbed by other processes on the shared cores; medians are kept for
 * reference.
 */
public final class SaeBench {
  private SaeBench() {}

  /**
   * One bench result.
   *
   * @param dIn SAE input width
   * @param dSae latents
   * @param tokens positions per batch
   * @param reps timed repetitions of each (median reported)
   * @param matmulMs fastest time of the bare {@code [tokens, dIn] x [dIn, dSae]} matmul
   * @param encodeMs fastest time of {@link Sae#encode(NDArray)}
   * @param ratio matmulMs / encodeMs (1 = encoding costs only its matmul)
   * @param matmulGflops the roofline's rate, 2 tokens dIn dSae / matmulMs
   * @param matmulMsMedian median of the matmul times
   * @param encodeMsMedian median of the encode times
   * @param meanL0 mean active latents per position in the bench data
   */
  public record Result(
      int dIn,
      int dSae,
      int tokens,
      int reps,
      double matmulMs,
      double encodeMs,
      double ratio,
      double matmulGflops,
      double matmulMsMedian,
      double encodeMsMedian,
      double meanL0) {}

  /** Runs the bench with a random JumpReLU SAE whose thresholds give an L0 near Gemma Scope's. */
  public static Result run(int dIn, int dSae, int tokens, int reps, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] wEnc = gaussian(rnd, (long) dIn * dSae, (float) (1 / Math.sqrt(dIn)));
    float[] wDec = gaussian(rnd, (long) dIn * dSae, (float) (1 / Math.sqrt(dIn)));
    float[] bEnc = gaussian(rnd, dSae, 0.1f);
    float[] bDec = new float[dIn];
    float[] threshold = new float[dSae];
    for (int i = 0; i < dSae; i++) {
      // pre ~ N(b_enc, 1) for unit-variance inputs: 2.6 sigma fires ~0.5% of latents, L0 ~ 75 at
      // 16k
      threshold[i] = (float) (2.6 + 0.1 * rnd.nextDouble());
    }
    SaeParams p =
        SaeParams.of(
            "bench",
            Optional.empty(),
            dIn,
            dSae,
            new Activation.JumpRelu(),
            false,
            "bench",
            wEnc,
            bEnc,
            wDec,
            bDec,
            threshold);
    wEnc = null;
    try (Sae sae = Sae.create(p);
        NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(gaussian(rnd, (long) tokens * dIn, 1f), new Shape(tokens, dIn));
      NDArray w = m.create(p.wEnc(), new Shape(dIn, dSae));
      double[] mm = new double[reps];
      double[] enc = new double[reps];
      long nnz = 0;
      for (int r = -1; r < reps; r++) { // r = -1 warms up both paths
        long t0 = System.nanoTime();
        try (NDManager sub = m.newSubManager()) {
          NDArray y = x.matMul(w);
          y.attach(sub);
        }
        long t1 = System.nanoTime();
        SparseLatents z = sae.encode(x);
        long t2 = System.nanoTime();
        if (r >= 0) {
          mm[r] = (t1 - t0) / 1e6;
          enc[r] = (t2 - t1) / 1e6;
          nnz += z.nnz();
        }
      }
      double mmMs = Arrays.stream(mm).min().orElseThrow();
      double encMs = Arrays.stream(enc).min().orElseThrow();
      return new Result(
          dIn,
          dSae,
          tokens,
          reps,
          mmMs,
          encMs,
          mmMs / encMs,
          2.0 * tokens * dIn * dSae / (mmMs * 1e6),
          median(mm),
          median(enc),
          (double) nnz / reps / tokens);
    }
  }

  private static float[] gaussian(SplittableRandom rnd, long n, float scale) {
    float[] a = new float[Math.toIntExact(n)];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (nextGaussian(rnd) * scale);
    }
    return a;
  }

  private static double nextGaussian(SplittableRandom rnd) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 21's release level
    double u = 1 - rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
