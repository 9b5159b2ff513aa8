package dev.saescope.aggregator.observe;

/**
 * E3b inputs at one position (EXPERIMENTS.md §5): the most active latent there and the latent with
 * the largest attribution (activation x logit effect on the target token).
 *
 * <p>Results do not carry per-latent attributions yet (the worker sends only their sum over
 * latents, {@code TargetScore.attribution}), so {@code attributionLatent} is -1 until the worker
 * field for E3b arrives; {@link TaskObservations} is where it will be filled in.
 *
 * @param position token position; -1 when the task has no such position
 * @param latent the most active latent, ties to the lower id; -1 when none is active or there is no
 *     SAE
 * @param activation its activation; NaN without a latent
 * @param attributionLatent the latent with the largest attribution to the target; -1 unknown
 * @param attribution its attribution; NaN when unknown
 */
public record Peak(
    int position, int latent, double activation, int attributionLatent, double attribution) {
  /** No position or no SAE. */
  public static final Peak NONE = new Peak(-1, -1, Double.NaN, -1, Double.NaN);

  public Peak {
    if (position < -1 || latent < -1 || attributionLatent < -1) {
      throw new IllegalArgumentException(
          "peak: position "
              + position
              + ", latent "
              + latent
              + ", attribution latent "
              + attributionLatent
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
