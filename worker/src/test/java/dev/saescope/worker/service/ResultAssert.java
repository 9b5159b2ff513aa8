package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.saescope.avro.LensSummary;
import dev.saescope.avro.SparseLatents;
import dev.saescope.avro.TaskResult;
import dev.saescope.avro.TokenScore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Field-by-field comparison of two results of the same task. Identifiers, tokens, positions, latent
 * indices must be equal; floats (and ranks, by near-ties) may differ by fp32 rounding, because a
 * worker's micro-batch (and so its matmul shapes) differs from the in-process batch: 1e-4 relative
 * plus 1e-5 absolute (plus 1e-5 of the largest element for dense vectors).
 */
final class ResultAssert {
  private ResultAssert() {}

  static void assertSameResult(TaskResult want, TaskResult got) {
    String at = got.getTaskId() + " layer " + got.getLayer() + " " + got.getSite();
    assertEquals(want.getRunId(), got.getRunId(), at);
    assertEquals(want.getItemId(), got.getItemId(), at);
    assertEquals(want.getRelation(), got.getRelation(), at);
    assertEquals(want.getVariant(), got.getVariant(), at);
    assertEquals(want.getModelId(), got.getModelId(), at);
    assertEquals(want.getSaeId(), got.getSaeId(), at);
    assertEquals(want.getWorkerId(), got.getWorkerId(), at);
    assertEquals(want.getPart(), got.getPart(), at);
    assertEquals(want.getParts(), got.getParts(), at);
    assertEquals(want.getTokenIds(), got.getTokenIds(), at);
    assertEquals(want.getTokens(), got.getTokens(), at);
    assertEquals(want.getQEnd(), got.getQEnd(), at);
    assertEquals(want.getAnsStart(), got.getAnsStart(), at);
    assertEquals(want.getAnsEnd(), got.getAnsEnd(), at);
    assertEquals(want.getDensePositions(), got.getDensePositions(), at);
    assertEquals(want.getDModel(), got.getDModel(), at);
    assertEquals(want.getDSae(), got.getDSae(), at);
    floats(want.getDense(), got.getDense(), at + " dense");
    assertEquals(want.getLatents().size(), got.getLatents().size(), at + " latent rows");
    for (int i = 0; i < want.getLatents().size(); i++) {
      SparseLatents w = want.getLatents().get(i);
      SparseLatents g = got.getLatents().get(i);
      assertEquals(w.getPosition(), g.getPosition(), at);
      assertEquals(w.getIndices(), g.getIndices(), at + " latents at " + w.getPosition());
      for (int j = 0; j < w.getValues().size(); j++) {
        close(w.getValues().get(j), g.getValues().get(j), at + " latent value");
      }
      close(w.getReconError(), g.getReconError(), at + " recon error");
    }
    assertEquals(want.getScores().size(), got.getScores().size(), at + " scores");
    for (int i = 0; i < want.getScores().size(); i++) {
      TokenScore w = want.getScores().get(i);
      TokenScore g = got.getScores().get(i);
      assertEquals(w.getPosition(), g.getPosition(), at);
      assertEquals(w.getTokenId(), g.getTokenId(), at);
      assertEquals(w.getRole(), g.getRole(), at);
      // A rank counts tokens above the target; fp32 rounding can move a near-tie across it.
      assertEquals(w.getLensRank(), g.getLensRank(), 2 + 1e-4 * w.getLensRank(), at + " rank");
      close(w.getLensLogprob(), g.getLensLogprob(), at + " logprob");
      close(w.getAttribution(), g.getAttribution(), at + " attribution");
    }
    assertEquals(want.getLens().size(), got.getLens().size(), at + " lens");
    for (int i = 0; i < want.getLens().size(); i++) {
      LensSummary w = want.getLens().get(i);
      LensSummary g = got.getLens().get(i);
      assertEquals(w.getPosition(), g.getPosition(), at);
      assertEquals(w.getTop1(), g.getTop1(), at + " top1");
      close(w.getKlBits(), g.getKlBits(), at + " kl");
    }
  }

  private static void floats(ByteBuffer want, ByteBuffer got, String what) {
    var w = want.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    var g = got.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    assertEquals(w.remaining(), g.remaining(), what + " length");
    // Rounding in a matmul scales with the vector's magnitude, not the element's: residual streams
    // hold a few very large coordinates, so small ones get an allowance from the largest.
    float scale = 0;
    for (int i = 0; i < w.remaining(); i++) {
      scale = Math.max(scale, Math.abs(w.get(i)));
    }
    for (int i = 0; i < w.remaining(); i++) {
      double tol = 1e-5 + 1e-4 * Math.abs(w.get(i)) + 1e-5 * scale;
      assertEquals(w.get(i), g.get(i), tol, what + "[" + i + "]");
    }
  }

  private static void close(float want, float got, String what) {
    double tol = 1e-5 + 1e-4 * Math.abs(want);
    if (!(Math.abs(want - got) <= tol)) {
      assertEquals(want, got, tol, what);
    }
  }
}
