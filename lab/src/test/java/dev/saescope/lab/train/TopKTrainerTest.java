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
    Path out = dir.resolve("resumed");
    try (TopKTrainer t = TopKTrainer.open(config(512 * 10).withCheckpointEvery(5), out);
        SyntheticSource src = new SyntheticSource(D, ATOMS, 3, 10f, 8, Long.MAX_VALUE)) {
      t.train(src, p -> {});
    }
    SaeParams resumed;
    try (TopKTrainer t = TopKTrainer.open(config(512 * 25), out);
        SyntheticSource src = new SyntheticSource(D, ATOMS, 3, 10f, 8, Long.MAX_VALUE)) {
      assertEquals(10, t.step());
      resumed = t.train(src, p -> {});
      assertEquals(25, t.step());
    }
    SaeParams straight;
    try (TopKTrainer t = TopKTrainer.open(config(512 * 25), dir.resolve("straight"));
        SyntheticSource src = new SyntheticSource(D, ATOMS, 3, 10f, 8, Long.MAX_VALUE)) {
      straight = t.train(src, p -> {});
    }
    assertArrayEquals(straight.wEnc(), resumed.wEnc());
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
}
