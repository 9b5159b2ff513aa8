package dev.saescope.aggregator.observe;

/**
 * E3b inputs at one position (EXPERIMENTS.md §5): the most active latent there and the latent with
 * the largest attribution (activation x logit effect on the target token).
 *
 * <p>The attribution latent and both ranks come from the result's latent targets ({@code
 * LatentTarget}, results v3); results of older workers leave them -1 (unknown).
 *
 * @param position token position; -1 when the task has no such position
 * @param latent the most active latent, ties to the lower id; -1 when none is active or there is no
 *     SAE
 * @param activation its activation; NaN without a latent
 * @param attributionLatent the latent with the largest attribution to the target; -1 unknown
 * @param attribution its attribution; NaN when unknown
 * @param latentRank the target's rank in {@code latent}'s logit effects over the whole vocabulary;
 *     -1 unknown
 * @param attributionRank the same for {@code attributionLatent}; -1 unknown
 */
public record Peak(
    int position,
    int latent,
    double activation,
    int attributionLatent,
    double attribution,
    int latentRank,
    int attributionRank) {
  /** No position or no SAE. */
  public static final Peak NONE = new Peak(-1, -1, Double.NaN, -1, Double.NaN, -1, -1);

  public Peak {
    if (position < -1
        || latent < -1
        || attributionLatent < -1
        || latentRank < -1
        || attributionRank < -1) {
      throw new IllegalArgumentException(
          "peak: position "
              + position
              + ", latent "
              + latent
              + ", attribution latent "
              + attributionLatent
              + ", ranks "
              + latentRank
              + " and "
              + attributionRank
              + "; expected -1 (none) or >= 0");
    }
    if ((latent < 0) != Double.isNaN(activation)) {
      throw new IllegalArgumentException(
          "peak at " + position + ": latent " + latent + " with activation " + activation);
    }
  }

  /** Whether a most active latent is known. */
  public boolean hasLatent() {
    return latent >= 0;
  }
}
