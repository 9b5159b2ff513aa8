package dev.saescope.aggregator.observe;

import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What one task's result at one layer and site contributes to the analyses. Dense figures (drift,
 * {@code distanceH}, the lens) exist only at {@code resid_post}; latent figures only where an SAE
 * is attached (at its own site, EXPERIMENTS.md §2). Missing numbers are NaN, missing ids -1.
 *
 * <p>The record owns its arrays: callers hand them over and must not change them afterwards.
 *
 * @param layer decoder layer, 0-based
 * @param site capture site
 * @param saeId the SAE whose latents are reduced here; null without one
 * @param drift E1a cosines
 * @param distanceH E2a {@code 1 - cos(h_l(q_end), mean_ans h_l)}; NaN without dense rows or answer
 * @param distanceZ E2a on the latents {@code z_l}; NaN without an SAE or answer, or for a zero row
 * @param lensTop1 E1c: the logit lens's top-1 at {@code q_end}; -1 when not carried
 * @param klBits E1c: {@code KL(p_L || p_l)} at {@code q_end} in bits; NaN when not carried
 * @param scores E1c/E2b/E2c: every target score the result carries, as carried
 * @param qEndPeak E3b at {@code q_end}
 * @param goldPeak E3b at the gold object's first token in the answer
 * @param reconError E3c: the SAE's squared reconstruction error per token, NaN where the result has
 *     no latents; empty without an SAE // [tokens]
 * @param map E3c: the top latents per position; empty unless {@link ObservationOptions#keepMaps}
 * @param vectors vectors for cross-item analyses; {@link KeptVectors#NONE} unless kept
 */
public record LayerObservation(
    int layer,
    String site,
    String saeId,
    Drift drift,
    double distanceH,
    double distanceZ,
    int lensTop1,
    double klBits,
    List<TargetScore> scores,
    Peak qEndPeak,
    Peak goldPeak,
    float[] reconError,
    List<TokenLatents> map,
    KeptVectors vectors) {

  /** The site whose dense rows are {@code h_l} (EXPERIMENTS.md §2). */
  public static final String RESID_POST = "resid_post";

  public LayerObservation {
    String at = "observation at layer " + layer + " " + site;
    if (layer < 0 || site == null || site.isBlank() || lensTop1 < -1) {
      throw new IllegalArgumentException(at + ": bad layer, site or top-1 " + lensTop1);
    }
    if (drift == null || qEndPeak == null || goldPeak == null || vectors == null) {
      throw new IllegalArgumentException(at + ": drift, peaks and vectors must not be null");
    }
    if (reconError == null || scores == null || map == null) {
      throw new IllegalArgumentException(at + ": reconError, scores and map must not be null");
    }
    if (saeId == null && (reconError.length > 0 || !map.isEmpty() || qEndPeak.hasLatent())) {
      throw new IllegalArgumentException(at + ": latent figures without an SAE id");
    }
    scores = List.copyOf(scores);
    map = List.copyOf(map);
  }

  /** Whether this is the residual stream, where the dense figures live. */
  public boolean isResidPost() {
    return RESID_POST.equals(site);
  }

  /** Whether an SAE's latents were reduced here. */
  public boolean hasSae() {
    return saeId != null;
  }

  /** The score of {@code role} at {@code position}, if the result carries it. */
  public Optional<TargetScore> score(ScoreRole role, int position) {
    for (TargetScore s : scores) {
      if (s.role() == role && s.position() == position) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LayerObservation l
        && layer == l.layer
        && site.equals(l.site)
        && java.util.Objects.equals(saeId, l.saeId)
        && drift.equals(l.drift)
        && Double.compare(distanceH, l.distanceH) == 0
        && Double.compare(distanceZ, l.distanceZ) == 0
        && lensTop1 == l.lensTop1
        && Double.compare(klBits, l.klBits) == 0
        && scores.equals(l.scores)
        && qEndPeak.equals(l.qEndPeak)
        && goldPeak.equals(l.goldPeak)
        && Arrays.equals(reconError, l.reconError)
        && map.equals(l.map)
        && vectors.equals(l.vectors);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * layer + site.hashCode()) + Double.hashCode(distanceH);
  }

  @Override
  public String toString() {
    return "LayerObservation[" + layer + " " + site + (saeId == null ? "" : " " + saeId) + "]";
  }
}
