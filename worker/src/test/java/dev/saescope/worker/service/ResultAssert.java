package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.TargetScore;

/**
 * Field-by-field comparison of two results of the same task. Identifiers, labels, tokens,
 * positions, latent indices must be equal; floats (and ranks, by near-ties) may differ by fp32
 * rounding, because a worker's micro-batch (and so its matmul shapes) differs from the in-process
 * batch: 1e-4 relative plus 1e-5 absolute (plus 1e-5 of the largest element for dense vectors).
 */
final class ResultAssert {
  private ResultAssert() {}

  static void assertSameResult(LayerResult want, LayerResult got) {
    String at = got.taskId() + " layer " + got.layer() + " " + got.site();
    assertEquals(want.runId(), got.runId(), at);
    assertEquals(want.itemId(), got.itemId(), at);
    assertEquals(want.labels(), got.labels(), at);
    assertEquals(want.modelId(), got.modelId(), at);
    assertEquals(want.saeId(), got.saeId(), at);
    assertEquals(want.workerId(), got.workerId(), at);
    assertEquals(want.part(), got.part(), at);
    assertEquals(want.parts(), got.parts(), at);
    assertEquals(want.tokens(), got.tokens(), at);
    assertArrayEquals(want.dense().positions(), got.dense().positions(), at);
    assertEquals(want.dense().dModel(), got.dense().dModel(), at);
    assertEquals(want.latents().dSae(), got.latents().dSae(), at);
    floats(want.dense().values(), got.dense().values(), at + " dense");
    assertEquals(want.latents().rows().size(), got.latents().rows().size(), at + " latent rows");
    for (int i = 0; i < want.latents().rows().size(); i++) {
      LatentRow w = want.latents().rows().get(i);
      LatentRow g = got.latents().rows().get(i);
      assertEquals(w.position(), g.position(), at);
      assertArrayEquals(w.indices(), g.indices(), at + " latents at " + w.position());
      for (int j = 0; j < w.values().length; j++) {
        close(w.values()[j], g.values()[j], at + " latent value");
      }
      close(w.reconError(), g.reconError(), at + " recon error");
    }
    assertEquals(want.scores().size(), got.scores().size(), at + " scores");
    for (int i = 0; i < want.scores().size(); i++) {
      TargetScore w = want.scores().get(i);
      TargetScore g = got.scores().get(i);
      assertEquals(w.position(), g.position(), at);
      assertEquals(w.tokenId(), g.tokenId(), at);
      assertEquals(w.role(), g.role(), at);
      // A rank counts tokens above the target; fp32 rounding can move a near-tie across it.
      assertEquals(w.lensRank(), g.lensRank(), 2 + 1e-4 * w.lensRank(), at + " rank");
      close(w.lensLogprob(), g.lensLogprob(), at + " logprob");
      close(w.attribution(), g.attribution(), at + " attribution");
    }
    assertEquals(want.lens().size(), got.lens().size(), at + " lens");
    for (int i = 0; i < want.lens().size(); i++) {
      LensSummary w = want.lens().get(i);
      LensSummary g = got.lens().get(i);
      assertEquals(w.position(), g.position(), at);
      assertEquals(w.top1(), g.top1(), at + " top1");
      close(w.klBits(), g.klBits(), at + " kl");
    }
  }

  private static void floats(float[] w, float[] g, String what) {
    assertEquals(w.length, g.length, what + " length");
    // Rounding in a matmul scales with the vector's magnitude, not the element's: residual streams
    // hold a few very large coordinates, so small ones get an allowance from the largest.
    float scale = 0;
    for (float v : w) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < w.length; i++) {
      double tol = 1e-5 + 1e-4 * Math.abs(w[i]) + 1e-5 * scale;
      assertEquals(w[i], g[i], tol, what + "[" + i + "]");
    }
  }

  private static void close(float want, float got, String what) {
    double tol = 1e-5 + 1e-4 * Math.abs(want);
    if (!(Math.abs(want - got) <= tol)) {
      assertEquals(want, got, tol, what);
    }
  }
}
