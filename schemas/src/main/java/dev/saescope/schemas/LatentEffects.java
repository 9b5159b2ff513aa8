package dev.saescope.schemas;

/**
 * One latent's direct logit effects: the tokens with the most positive and most negative entries of
 * {@code W_dec[i] · W_U} (EXPERIMENTS.md E3a).
 *
 * @param latent latent index
 * @param top the most promoted tokens, largest effect first
 * @param bottom the most suppressed tokens, most negative effect first
 */
public record LatentEffects(int latent, ScoredTokens top, ScoredTokens bottom) {

  public LatentEffects {
    Require.nonNegative(latent, "latent", "logit effects");
    Require.nonNull(top, "top", "logit effects of latent " + latent);
    Require.nonNull(bottom, "bottom", "logit effects of latent " + latent);
  }
}
