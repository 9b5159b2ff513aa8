package dev.saescope.runtime.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The engine path against {@link Reference} (double precision) on random SAEs and inputs. Tolerance
 * |ours - ref| <= 2e-4 (1 + |ref|); latents whose pre-activation lies within 1e-3 of the decision
 * boundary (threshold, 0, or the TopK cut) are allowed to differ in on/off state, since fp32
 * rounding can legitimately move them across.
 */
class SaeReferenceTest {
  static final double TOL = 2e-4;
  static final double MARGIN = 1e-3;

  @Test
  void jumpReluMatchesReference() {
    check(Reference.random(new Activation.JumpRelu(), 40, 300, false, 1), 37);
    check(Reference.random(new Activation.JumpRelu(), 24, 96, true, 2), 1);
  }

  @Test
  void topKMatchesReference() {
    check(Reference.random(new Activation.TopK(12), 40, 300, true, 3), 37);
    check(Reference.random(new Activation.TopK(1), 16, 64, false, 4), 9);
  }

  @Test
  void reluMatchesReference() {
    check(Reference.random(new Activation.Relu(), 40, 120, true, 5), 20);
  }

  @Test
  void batchingDoesNotChangeResults() {
    SaeParams p = Reference.random(new Activation.JumpRelu(), 32, 128, false, 6);
    float[] x = Reference.gauss(new SplittableRandom(9), 50 * 32, 1.5f);
    try (Sae sae = Sae.create(p)) {
      SparseLatents whole = sae.encode(x, 50, 1024);
      SparseLatents parts = sae.encode(x, 50, 7);
      assertArrayEquals(whole.offsets(), parts.offsets());
      assertArrayEquals(whole.indices(), parts.indices());
      assertArrayEquals(whole.values(), parts.values(), 1e-5f);
    }
  }

  /** Exact ties at the k-th value: the lower latent index wins, on every run. */
  @Test
  void topKTiesGoToTheLowerIndex() {
    int d = 6;
    float[] eye = new float[d * d];
    for (int i = 0; i < d; i++) {
      eye[i * d + i] = 1;
    }
    SaeParams p =
        SaeParams.of(
            "t",
            Optional.empty(),
            d,
            d,
            new Activation.TopK(2),
            false,
            "ties",
            eye,
            new float[d],
            eye.clone(),
            new float[d],
            null);
    float[] x = {1, 3, 3, 3, 0.5f, 2, /* row 2: */ 5, 3, 3, 3, 0, -1};
    try (Sae sae = Sae.create(p)) {
      SparseLatents z = sae.encode(x, 2);
      assertArrayEquals(new int[] {1, 2}, z.indicesAt(0));
      assertArrayEquals(new int[] {0, 1}, z.indicesAt(1));
      assertArrayEquals(new float[] {5, 3}, z.valuesAt(1));
    }
  }

  @Test
  void topKDropsNonPositiveValues() {
    int d = 4;
    float[] eye = new float[d * d];
    for (int i = 0; i < d; i++) {
      eye[i * d + i] = 1;
    }
    SaeParams p =
        SaeParams.of(
            "t",
            Optional.empty(),
            d,
            d,
            new Activation.TopK(3),
            false,
            "relu-after-topk",
            eye,
            new float[d],
            eye.clone(),
            new float[d],
            null);
    try (Sae sae = Sae.create(p)) {
      SparseLatents z = sae.encode(new float[] {2, -1, 0, -3}, 1);
      assertArrayEquals(new int[] {0}, z.indicesAt(0));
    }
  }

  @Test
  void attachingWithWrongWidthOrSiteNamesBoth() {
    SaeParams p = Reference.random(new Activation.Relu(), 16, 32, false, 7);
    SaeParams hooked =
        new SaeParams(
            p.meta().withHook(new HookPoint(3, Site.RESID_POST)),
            p.wEnc(),
            p.bEnc(),
            p.wDec(),
            p.bDec(),
            p.threshold());
    try (Sae sae = Sae.create(hooked)) {
      var e1 =
          assertThrows(
              IllegalArgumentException.class,
              () -> sae.requireFits(640, new HookPoint(3, Site.RESID_POST)));
      assertTrue(
          e1.getMessage().contains("d_in=16") && e1.getMessage().contains("640"), e1.getMessage());
      var e2 =
          assertThrows(
              IllegalArgumentException.class,
              () -> sae.requireFits(16, new HookPoint(3, Site.MLP_OUT)));
      assertTrue(
          e2.getMessage().contains("layers.3.resid_post")
              && e2.getMessage().contains("layers.3.mlp_out"),
          e2.getMessage());
      sae.requireFits(16, new HookPoint(3, Site.RESID_POST));
    }
  }

  @Test
  void squaredErrorIsPerPosition() {
    SaeParams p = Reference.random(new Activation.Relu(), 8, 16, false, 8);
    try (Sae sae = Sae.create(p)) {
      float[] x = {1, 0, 0, 0, 0, 0, 0, 0, /* */ 0, 0, 0, 0, 0, 0, 0, 2};
      float[] err = sae.squaredError(x, new float[16]);
      assertArrayEquals(new float[] {1, 4}, err);
    }
  }

  static void check(SaeParams p, int tokens) {
    int dIn = p.meta().dIn();
    int dSae = p.meta().dSae();
    float[] x = Reference.gauss(new SplittableRandom(tokens * 31L + dSae), tokens * dIn, 1.5f);
    double[] pre = Reference.pre(p, x, tokens);
    double[] zRef = Reference.encode(p, pre, tokens);
    try (Sae sae = Sae.create(p)) {
      SparseLatents z = sae.encode(x, tokens);
      float[] dense = z.toDense();
      int borderline = 0;
      for (int t = 0; t < tokens; t++) {
        double cut = cut(p, pre, zRef, t);
        for (int i = 0; i < dSae; i++) {
          int at = t * dSae + i;
          double ref = zRef[at];
          double boundary =
              switch (p.meta().activation()) {
                case Activation.JumpRelu j -> Math.max(p.threshold()[i], 0);
                case Activation.Relu r -> 0;
                case Activation.TopK k -> cut;
              };
          if (Math.abs(pre[at] - boundary) < MARGIN || Math.abs(pre[at]) < MARGIN) {
            borderline++;
            continue;
          }
          assertEquals(ref, dense[at], TOL * (1 + Math.abs(ref)), "latent " + i + " at token " + t);
        }
      }
      // Reconstructions agree wherever no latent sat on a boundary.
      double[] xhatRef = Reference.decode(p, zRef, tokens);
      float[] xhat = sae.decode(z);
      if (borderline == 0) {
        for (int i = 0; i < xhat.length; i++) {
          assertEquals(xhatRef[i], xhat[i], TOL * (1 + Math.abs(xhatRef[i])), "x_hat element " + i);
        }
      }
      assertTrue(z.nnz() > 0, "some latents fire");
    }
  }

  /** The TopK cut between kept and dropped values at token t (midpoint of k-th and k+1-th). */
  static double cut(SaeParams p, double[] pre, double[] z, int t) {
    if (!(p.meta().activation() instanceof Activation.TopK k)) {
      return 0;
    }
    int dSae = p.meta().dSae();
    double[] row = java.util.Arrays.copyOfRange(pre, t * dSae, (t + 1) * dSae);
    java.util.Arrays.sort(row);
    double kth = row[dSae - k.k()];
    double next = k.k() < dSae ? row[dSae - k.k() - 1] : Double.NEGATIVE_INFINITY;
    return Math.abs(kth - next) < MARGIN ? kth : (kth + next) / 2;
  }
}
