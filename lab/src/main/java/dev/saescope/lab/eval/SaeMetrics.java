package dev.saescope.lab.eval;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SparseLatents;
import java.util.BitSet;

/**
 * Streaming SAE quality metrics, SAELens {@code evals.py} definitions:
 *
 * <ul>
 *   <li>L0: mean number of nonzero latents per position.
 *   <li>FVU: {@code E||x - x_hat||^2 / (E||x||^2 - ||E x||^2)} over all positions, accumulated in
 *       double ({@code ExplainedVarianceCalculator}; FVU = 1 - explained variance).
 *   <li>Dead fraction: latents that never fired over the stream.
 *   <li>CE delta: mean next-token loss with the SAE spliced in minus without; loss recovered {@code
 *       (CE_zero - CE_sae) / (CE_zero - CE_clean)} ({@code ce_loss_score}).
 * </ul>
 *
 * BOS positions are excluded throughout, as Gemma Scope does: callers pass only non-BOS rows.
 */
public final class SaeMetrics {
  private final int dIn;
  private final int dSae;
  private final double[] sumX; // [dIn]
  private final BitSet fired;
  private long positions;
  private long activeLatents;
  private double sumSquaredNorm;
  private double sumSquaredResidual;
  private long lossPositions;
  private double lossClean;
  private double lossSae;
  private double lossZero;

  public SaeMetrics(int dIn, int dSae) {
    this.dIn = dIn;
    this.dSae = dSae;
    this.sumX = new double[dIn];
    this.fired = new BitSet(dSae);
  }

  /**
   * Adds a batch of positions.
   *
   * @param x {@code [tokens, dIn]} inputs
   * @param z their latents
   * @param xHat {@code [tokens, dIn]} reconstructions
   */
  public void addActivations(float[] x, SparseLatents z, float[] xHat) {
    int tokens = z.tokens();
    if (x.length != (long) tokens * dIn || xHat.length != x.length || z.dSae() != dSae) {
      throw new IllegalArgumentException(
          "batch of "
              + tokens
              + " positions needs x and x_hat of "
              + tokens
              + " x "
              + dIn
              + " and latents of width "
              + dSae);
    }
    for (int i = 0; i < x.length; i++) {
      double v = x[i];
      double r = v - xHat[i];
      sumX[i % dIn] += v;
      sumSquaredNorm += v * v;
      sumSquaredResidual += r * r;
    }
    for (int idx : z.indices()) {
      fired.set(idx);
    }
    activeLatents += z.nnz();
    positions += tokens;
  }

  /** Adds next-token losses of the same positions under the three patches. */
  public void addLosses(double[] clean, double[] withSae, double[] zeroAblated) {
    if (clean.length != withSae.length || clean.length != zeroAblated.length) {
      throw new IllegalArgumentException("loss arrays differ in length");
    }
    for (int i = 0; i < clean.length; i++) {
      lossClean += clean[i];
      lossSae += withSae[i];
      lossZero += zeroAblated[i];
    }
    lossPositions += clean.length;
  }

  /**
   * Runs the SAE over sequences through a patchable model: clean (capturing the hook), with the
   * SAE's reconstruction spliced in, and zero-ablated.
   */
  public static Report evaluate(
      Sae sae, PatchedForward model, HookPoint hook, Iterable<int[]> sequences) {
    SaeMetrics m = new SaeMetrics(sae.dIn(), sae.dSae());
    for (int[] seq : sequences) {
      if (seq.length < 3) {
        continue; // no prediction a patch could change
      }
      PatchedForward.Result clean = model.run(seq, hook, new ActivationPatch.Clean());
      int rows = seq.length - 1;
      SparseLatents z = sae.encode(clean.captured(), rows);
      float[] xHat = sae.decode(z);
      m.addActivations(clean.captured(), z, xHat);
      PatchedForward.Result withSae =
          model.run(
              seq,
              hook,
              new ActivationPatch.Replace(x -> sae.decode(sae.encode(x, x.length / sae.dIn()))));
      PatchedForward.Result zero = model.run(seq, hook, new ActivationPatch.Zero());
      m.addLosses(clean.nextTokenLoss(), withSae.nextTokenLoss(), zero.nextTokenLoss());
    }
    return m.report();
  }

  /** The metrics so far; loss fields are NaN when no losses were added. */
  public Report report() {
    double n = positions;
    double meanSq = sumSquaredNorm / n;
    double meanNormSq = 0;
    for (double s : sumX) {
      meanNormSq += (s / n) * (s / n);
    }
    double variance = meanSq - meanNormSq;
    double mse = sumSquaredResidual / n;
    double fvu = variance < 1e-10 ? (mse < 1e-10 ? 0 : 1) : mse / variance;
    double ceClean = lossClean / lossPositions;
    double ceSae = lossSae / lossPositions;
    double ceZero = lossZero / lossPositions;
    return new Report(
        positions,
        activeLatents / n,
        fvu,
        1.0 - fired.cardinality() / (double) dSae,
        lossPositions,
        ceClean,
        ceSae,
        ceZero,
        ceSae - ceClean,
        (ceZero - ceSae) / (ceZero - ceClean));
  }

  /**
   * @param positions non-BOS positions seen
   * @param l0 mean active latents per position
   * @param fvu fraction of variance unexplained
   * @param deadFraction latents that never fired / d_sae
   * @param lossPositions predictions counted in the loss fields
   * @param ceClean mean next-token loss of the unpatched model (nats)
   * @param ceSae the same with the SAE's reconstruction spliced in
   * @param ceZero the same with the activation zeroed
   * @param ceDelta ceSae - ceClean
   * @param lossRecovered (ceZero - ceSae) / (ceZero - ceClean)
   */
  public record Report(
      long positions,
      double l0,
      double fvu,
      double deadFraction,
      long lossPositions,
      double ceClean,
      double ceSae,
      double ceZero,
      double ceDelta,
      double lossRecovered) {}
}
