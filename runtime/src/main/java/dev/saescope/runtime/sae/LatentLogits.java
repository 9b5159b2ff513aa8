package dev.saescope.runtime.sae;

import java.util.Arrays;

/**
 * One latent's direct logit effect: the tokens with the most positive and most negative entries of
 * {@code W_dec[i] . W_U} (unnormalised, no final soft-cap), what Neuronpedia and sae_dashboard show
 * as "positive/negative logits".
 *
 * @param latent latent index
 * @param topTokens token ids, largest effect first
 * @param topValues their effects
 * @param bottomTokens token ids, most negative effect first
 * @param bottomValues their effects
 */
public record LatentLogits(
    int latent, int[] topTokens, float[] topValues, int[] bottomTokens, float[] bottomValues) {
  public LatentLogits {
    if (topTokens.length != topValues.length || bottomTokens.length != bottomValues.length) {
      throw new IllegalArgumentException("latent " + latent + ": token and value counts differ");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatentLogits l
        && l.latent == latent
        && Arrays.equals(l.topTokens, topTokens)
        && Arrays.equals(l.topValues, topValues)
        && Arrays.equals(l.bottomTokens, bottomTokens)
        && Arrays.equals(l.bottomValues, bottomValues);
  }

  @Override
  public int hashCode() {
    return 31 * latent + Arrays.hashCode(topTokens);
  }

  @Override
  public String toString() {
    return "latent "
        + latent
        + " top "
        + Arrays.toString(topTokens)
        + " bottom "
        + Arrays.toString(bottomTokens);
  }
}
