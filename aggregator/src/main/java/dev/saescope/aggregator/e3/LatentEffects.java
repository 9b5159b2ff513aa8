package dev.saescope.aggregator.e3;

/**
 * The latents' logit effects {@code W_dec[i] · W_U} as far as they are known (EXPERIMENTS.md E3a),
 * e.g. from the latent-info topic, which carries each latent's most promoted tokens.
 */
public interface LatentEffects {
  /** Knows nothing: every E3b cell that needs effects is absent. */
  LatentEffects NONE =
      new LatentEffects() {
        @Override
        public int[] topTokenIds(String saeId, int latent) {
          return new int[0];
        }

        @Override
        public int rankOf(String saeId, int latent, int tokenId) {
          return -1;
        }
      };

  /** The tokens the latent promotes most, most promoted first; empty when unknown. */
  int[] topTokenIds(String saeId, int latent);

  /**
   * The token's rank among the latent's promoted tokens, 0 = most promoted; -1 when unknown
   * (including a token beyond the known list).
   */
  int rankOf(String saeId, int latent, int tokenId);
}
