package dev.saescope.schemas;

/**
 * E3b at one position of an SAE's result (EXPERIMENTS.md §5): the most active latent and the latent
 * with the largest attribution {@code z_i (W_dec[i] · W_U[:, token])} to the target token, each
 * with the target's rank among the whole vocabulary in that latent's logit effects {@code W_dec[i]
 * · W_U} (0 = the latent promotes the target most).
 *
 * @param position where the latents are read
 * @param tokenId the target token (the gold object's first token)
 * @param topLatent the most active latent, ties to the lower index; -1 when none is active
 * @param topRank the target's rank in {@code topLatent}'s logit effects; -1 without a latent
 * @param attrLatent the latent with the largest attribution, ties to the lower index; -1 when none
 *     is active
 * @param attribution its attribution; 0 without a latent
 * @param attrRank the target's rank in {@code attrLatent}'s logit effects; -1 without a latent
 */
public record LatentTarget(
    int position,
    int tokenId,
    int topLatent,
    int topRank,
    int attrLatent,
    float attribution,
    int attrRank) {

  public LatentTarget {
    String at = "latent target at " + position;
    Require.nonNegative(position, "position", "latent target");
    Require.nonNegative(tokenId, "tokenId", at);
    if (topLatent < -1 || topRank < -1 || attrLatent < -1 || attrRank < -1) {
      throw new IllegalArgumentException(
          at + ": latents and ranks must be -1 (none) or >= 0, got " + this);
    }
    if ((topLatent < 0) != (topRank < 0) || (attrLatent < 0) != (attrRank < 0)) {
      throw new IllegalArgumentException(at + ": a rank needs its latent and back, got " + this);
    }
  }

  /** No latent is active at {@code position}. */
  public static LatentTarget none(int position, int tokenId) {
    return new LatentTarget(position, tokenId, -1, -1, -1, 0f, -1);
  }
}
