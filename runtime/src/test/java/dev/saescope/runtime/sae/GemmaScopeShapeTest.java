package dev.saescope.runtime.sae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.sae.npy.NpyArray;
import dev.saescope.runtime.sae.npy.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gemma Scope's npz layout at the real shapes (d_in 2304, d_sae 16384, ~300 MB), written here in
 * the hub folder layout, loaded, and encoded; a few positions are checked against the
 * double-precision reference.
 */
class GemmaScopeShapeTest {
  static final int D_IN = 2304;
  static final int D_SAE = 16384;

  @TempDir Path dir;

  @Test
  void realShapedNpzLoadsAndEncodes() throws IOException {
    SplittableRandom r = new SplittableRandom(2408);
    float scale = (float) Math.sqrt(3.0 / D_IN); // uniform(-a, a) with variance 1/d_in
    float[] wEnc = uniform(r, D_IN * D_SAE, scale);
    float[] wDec = uniform(r, D_IN * D_SAE, scale);
    float[] bEnc = uniform(r, D_SAE, 0.1f);
    float[] bDec = uniform(r, D_IN, 0.1f);
    float[] thr = new float[D_SAE];
    for (int i = 0; i < D_SAE; i++) {
      thr[i] = (float) (2.0 + r.nextDouble());
    }
    Path npz = dir.resolve("gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_77/params.npz");
    Files.createDirectories(npz.getParent());
    long t0 = System.nanoTime();
    Npz.write(
        npz,
        List.of(
            new NpyArray("W_dec", new long[] {D_SAE, D_IN}, wDec),
            new NpyArray("W_enc", new long[] {D_IN, D_SAE}, wEnc),
            new NpyArray("b_dec", new long[] {D_IN}, bDec),
            new NpyArray("b_enc", new long[] {D_SAE}, bEnc),
            new NpyArray("threshold", new long[] {D_SAE}, thr)));
    long t1 = System.nanoTime();
    assertTrue(Files.size(npz) > 300_000_000L, "real-sized file: " + Files.size(npz));
    SaeParams p = SaeLoader.load(npz);
    long t2 = System.nanoTime();
    assertEquals(D_IN, p.meta().dIn());
    assertEquals(D_SAE, p.meta().dSae());
    assertEquals("gemma-2-2b", p.meta().modelId());
    assertEquals(Optional.of(new HookPoint(12, Site.RESID_POST)), p.meta().hook());
    int tokens = 64;
    float[] x = Reference.gauss(new SplittableRandom(5), tokens * D_IN, 1f);
    try (Sae sae = Sae.create(p)) {
      sae.requireFits(2304, new HookPoint(12, Site.RESID_POST));
      SparseLatents z = sae.encode(x, tokens);
      long t3 = System.nanoTime();
      System.out.printf(
          "real-shape npz: write %.1f s, load %.1f s, encode %d tokens %.2f s, mean L0 %.1f%n",
          (t1 - t0) / 1e9, (t2 - t1) / 1e9, tokens, (t3 - t2) / 1e9, z.nnz() / (double) tokens);
      assertTrue(z.nnz() > tokens, "latents fire");
      int check = 3;
      float[] head = java.util.Arrays.copyOf(x, check * D_IN);
      double[] pre = Reference.pre(p, head, check);
      double[] ref = Reference.encode(p, pre, check);
      float[] dense = SparseLatents.concat(D_SAE, List.of(z)).toDense();
      for (int i = 0; i < check * D_SAE; i++) {
        double boundary = Math.max(p.threshold()[i % D_SAE], 0);
        if (Math.abs(pre[i] - boundary) < 1e-3) {
          continue;
        }
        assertEquals(
            ref[i],
            dense[i],
            2e-4 * (1 + Math.abs(ref[i])),
            "latent " + (i % D_SAE) + " of token " + (i / D_SAE));
      }
    }
  }

  static float[] uniform(SplittableRandom r, int n, float a) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) ((2 * r.nextDouble() - 1) * a);
    }
    return out;
  }
}
