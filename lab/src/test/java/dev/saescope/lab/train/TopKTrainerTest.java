package dev.saescope.lab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.lab.eval.SaeMetrics;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.SparseLatents;
import dev.saescope.runtime.sae.io.SaeLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopKTrainerTest {
  static final int D = 32;
  static final int ATOMS = 64;

  @TempDir Path dir;

  static TrainConfig config(long tokens) {
    return TrainConfig.of(D, 128, 6, tokens, 42)
        .withBatchSize(512)
        .withLr(8e-3)
        .withDeadAfterTokens(5_000)
        .withCheckpointEvery(0);
  }

  /**
   * Synthetic data from a known 64-atom dictionary (3 atoms per vector, large offset and scale):
   * after 100k tokens the saved SAE, loaded back through the runtime, explains it with FVU < 0.1 on
   * held-out vectors.
   */
  @Test
  void learnsAKnownSparseDictionary() throws IOException {
    List<TrainProgress> log = new ArrayList<>();
    Path out = dir.resolve("sae");
    SaeParams trained;
    try (TopKTrainer t = TopKTrainer.open(config(100_000), out);
        SyntheticSource src = new SyntheticSource(D, ATOMS, 3, 10f, 1, Long.MAX_VALUE)) {
      trained = t.train(src, log::add);
    }
    TrainProgress first = log.get(0);
    TrainProgress last = log.get(log.size() - 1);
    System.out.printf(
        "synthetic: %d steps, fvu %.3f -> %.4f, dead %.3f, l0 %.1f%n",
        last.step(), first.fvu(), last.fvu(), last.deadFraction(), last.l0());
    assertEquals(100_000, last.tokens());
    SaeParams loaded = SaeLoader.load(out);
    assertEquals(trained.meta().hash(), loaded.meta().hash());
    assertEquals(new Activation.TopK(6), loaded.meta().activation());
    SyntheticSource heldOut = new SyntheticSource(D, ATOMS, 3, 10f, 999, 4096);
    float[] x = new float[4096 * D];
    heldOut.next(x, 4096);
    try (Sae sae = Sae.create(loaded)) {
      SparseLatents z = sae.encode(x, 4096);
      SaeMetrics m = new SaeMetrics(D, 128);
      m.addActivations(x, z, sae.decode(z));
      SaeMetrics.Report r = m.report();
      System.out.printf(
          "held-out: fvu %.4f, l0 %.2f, dead %.3f%n", r.fvu(), r.l0(), r.deadFraction());
      assertTrue(r.fvu() < 0.1, "held-out FVU " + r.fvu());
      assertTrue(r.l0() <= 6.0 + 1e-9, "TopK bounds L0: " + r.l0());
    }
  }

  /** Steps leave nothing on the trainer's manager: parameters and Adam moments only. */
  @Test
  void stepsLeaveNoArraysBehind() throws IOException {
    try (TopKTrainer t = TopKTrainer.open(config(512 * 12), dir.resolve("leak"));
        SyntheticSource src = new SyntheticSource(D, ATOMS, 3, 10f, 7, Long.MAX_VALUE)) {
      t.step(src, p -> {});
      int after1 = t.managedArrays();
      for (int i = 0; i < 10; i++) {
        t.step(src, p -> {});
      }
      assertEquals(
          after1, t.managedArrays(), "arrays left on the trainer's manager after 10 steps");
    }
  }

  @Test
  void sameSeedSameSae() throws IOException {
    float[][] runs = new float[2][];
    for (int i = 0; i < 2; i++) {
      try (TopKTrainer t = TopKTrainer.open(config(512 * 20), dir.resolve("run" + i));
          SyntheticSource src = new SyntheticSource(D, ATOMS, 3, 10f, 7, Long.MAX_VALUE)) {
        runs[i] = t.train(src, p -> {}).wDec();
      }
    }
    assertArrayEquals(runs[0], runs[1]);
  }

  @Test
  void resumedRunEqualsUninterruptedRun() throws IOException {
    assertResumedEqualsStraight(
        "plain", 0, () -> new SyntheticSource(D, ATOMS, 3, 10f, 8, Long.MAX_VALUE));
  }

  /** 10 steps, then resumed from the checkpoint to 25, against 25 steps straight. */
  private void assertResumedEqualsStraight(
      String name, double stdWeightExponent, Supplier<ActivationSource> source) throws IOException {
    Path out = dir.resolve(name + "-resumed");
    TrainConfig first = config(512 * 10).withStdWeightExponent(stdWeightExponent);
    TrainConfig whole = config(512 * 25).withStdWeightExponent(stdWeightExponent);
    try (TopKTrainer t = TopKTrainer.open(first.withCheckpointEvery(5), out);
        ActivationSource src = source.get()) {
      t.train(src, p -> {});
    }
    SaeParams resumed;
    try (TopKTrainer t = TopKTrainer.open(whole, out);
        ActivationSource src = source.get()) {
      assertEquals(10, t.step());
      resumed = t.train(src, p -> {});
      assertEquals(25, t.step());
    }
    SaeParams straight;
    try (TopKTrainer t = TopKTrainer.open(whole, dir.resolve(name + "-straight"));
        ActivationSource src = source.get()) {
      straight = t.train(src, p -> {});
    }
    assertArrayEquals(straight.wEnc(), resumed.wEnc());
    assertArrayEquals(straight.wDec(), resumed.wDec());
    assertArrayEquals(straight.bDec(), resumed.bDec());
  }

  @Test
  void resumingWithOtherSettingsNamesTheSetting() throws IOException {
    Path out = dir.resolve("x");
    try (TopKTrainer t = TopKTrainer.open(config(512 * 2), out);
        SyntheticSource src = new SyntheticSource(D, ATOMS, 3, 10f, 8, Long.MAX_VALUE)) {
      t.train(src, p -> {});
    }
    var e =
        assertThrows(
            IOException.class, () -> TopKTrainer.open(config(512 * 4).withLr(1e-2), out).close());
    assertTrue(
        e.getMessage().contains("lr=") && e.getMessage().contains("trainer.json"), e.getMessage());
  }

  /** The synthetic data with dimension 0 blown up, as Gemma's massive residual dimensions are. */
  static final class MassiveDimension implements ActivationSource {
    static final float FACTOR = 40f;
    private final SyntheticSource inner;

    MassiveDimension(SyntheticSource inner) {
      this.inner = inner;
    }

    @Override
    public int dIn() {
      return inner.dIn();
    }

    @Override
    public int next(float[] into, int rows) {
      int n = inner.next(into, rows);
      for (int r = 0; r < n; r++) {
        into[r * D] *= FACTOR;
      }
      return n;
    }
  }

  /**
   * With weights, the exported SAE works in the model's units: its reconstruction of x is the
   * trainer's reconstruction of the weighted, scaled x divided back, dimension by dimension.
   */
  @Test
  void weightedSaeExportsInTheInputsUnits() throws IOException {
    try (TopKTrainer t =
            TopKTrainer.open(config(512 * 8).withStdWeightExponent(1), dir.resolve("w"));
        MassiveDimension src =
            new MassiveDimension(new SyntheticSource(D, ATOMS, 3, 10f, 5, Long.MAX_VALUE))) {
      t.train(src, p -> {});
      assertEquals(D, t.dimWeights.length);
      assertTrue(
          t.dimWeights[0] * 10 < t.dimWeights[1],
          "the massive dimension weighs less: " + t.dimWeights[0] + " vs " + t.dimWeights[1]);
      float[] x = new float[64 * D];
      src.next(x, 64);
      float[] expected = trainingSpaceReconstruction(t, x, 64);
      try (Sae sae = Sae.create(t.export())) {
        float[] got = sae.decode(sae.encode(x, 64));
        for (int i = 0; i < x.length; i++) {
          assertEquals(expected[i], got[i], 1e-3 * (1 + Math.abs(expected[i])), "element " + i);
        }
      }
    }
  }

  /** x_hat by hand in the trainer's space: u = s w x, TopK encode, decode, then divided by s w. */
  private static float[] trainingSpaceReconstruction(TopKTrainer t, float[] x, int n) {
    int dSae = t.config().dSae();
    float[] we = t.wEnc.toFloatArray();
    float[] be = t.bEnc.toFloatArray();
    float[] wd = t.wDec.toFloatArray();
    float[] bd = t.bDec.toFloatArray();
    float[] out = new float[n * D];
    for (int r = 0; r < n; r++) {
      double[] pre = new double[dSae];
      for (int j = 0; j < dSae; j++) {
        double acc = be[j];
        for (int c = 0; c < D; c++) {
          double u = x[r * D + c] * t.dimWeights[c] * t.scale;
          acc += (u - bd[c]) * we[c * dSae + j];
        }
        pre[j] = acc;
      }
      double kth =
          java.util.Arrays.stream(pre)
              .boxed()
              .sorted((a, b) -> Double.compare(b, a))
              .skip(t.config().k() - 1)
              .findFirst()
              .orElseThrow();
      for (int c = 0; c < D; c++) {
        double u = bd[c];
        for (int j = 0; j < dSae; j++) {
          if (pre[j] >= kth && pre[j] > 0) {
            u += pre[j] * wd[j * D + c];
          }
        }
        out[r * D + c] = (float) (u / (t.dimWeights[c] * t.scale));
      }
    }
    return out;
  }

  /**
   * The point of the weights: at the same budget, the dimensions beside a massive one are
   * reconstructed better (held-out FVU over dimensions 1.., in the inputs' units).
   */
  @Test
  void weightingGivesTheOtherDimensionsTheirShare() throws IOException {
    double[] otherFvu = new double[2];
    double[] weights = {0, 1};
    for (int i = 0; i < 2; i++) {
      SaeParams p;
      try (TopKTrainer t =
              TopKTrainer.open(
                  config(512 * 40).withStdWeightExponent(weights[i]), dir.resolve("a" + i));
          MassiveDimension src =
              new MassiveDimension(new SyntheticSource(D, ATOMS, 3, 10f, 6, Long.MAX_VALUE))) {
        p = t.train(src, q -> {});
      }
      MassiveDimension heldOut =
          new MassiveDimension(new SyntheticSource(D, ATOMS, 3, 10f, 77, Long.MAX_VALUE));
      float[] x = new float[4096 * D];
      heldOut.next(x, 4096);
      try (Sae sae = Sae.create(p)) {
        otherFvu[i] = fvuWithoutDimension0(x, sae.decode(sae.encode(x, 4096)), 4096);
      }
    }
    System.out.printf(
        "FVU beside the massive dimension: plain %.4f, weighted %.4f%n", otherFvu[0], otherFvu[1]);
    assertTrue(
        otherFvu[1] < 0.8 * otherFvu[0], "plain " + otherFvu[0] + ", weighted " + otherFvu[1]);
  }

  private static double fvuWithoutDimension0(float[] x, float[] xHat, int n) {
    double err = 0;
    double var = 0;
    for (int c = 1; c < D; c++) {
      double mean = 0;
      for (int r = 0; r < n; r++) {
        mean += x[r * D + c] / n;
      }
      for (int r = 0; r < n; r++) {
        double v = x[r * D + c];
        err += (v - xHat[r * D + c]) * (v - xHat[r * D + c]);
        var += (v - mean) * (v - mean);
      }
    }
    return err / var;
  }

  @Test
  void resumedWeightedRunEqualsUninterruptedRun() throws IOException {
    assertResumedEqualsStraight(
        "weighted",
        0.5,
        () -> new MassiveDimension(new SyntheticSource(D, ATOMS, 3, 10f, 8, Long.MAX_VALUE)));
  }

  /** A weighted checkpoint resumed without weights (or the other way) names the setting. */
  @Test
  void resumingWithoutTheWeightingNamesIt() throws IOException {
    Path out = dir.resolve("wx");
    try (TopKTrainer t = TopKTrainer.open(config(512 * 2).withStdWeightExponent(0.5), out);
        SyntheticSource src = new SyntheticSource(D, ATOMS, 3, 10f, 8, Long.MAX_VALUE)) {
      t.train(src, p -> {});
    }
    var e = assertThrows(IOException.class, () -> TopKTrainer.open(config(512 * 4), out).close());
    assertTrue(e.getMessage().contains("std_weight_exponent"), e.getMessage());
  }

  @Test
  void aConstantDimensionGetsABoundedWeight() {
    int n = 4;
    float[] x = {1, 5, 2, 5, 3, 5, 4, 5}; // dimension 1 never changes
    float[] w = TopKTrainer.stdWeights(x, n, 2, 1);
    assertTrue(Float.isFinite(w[1]) && w[1] > w[0], java.util.Arrays.toString(w));
    assertEquals(1 / Math.sqrt(1.25), w[0], 1e-6);
  }
}
