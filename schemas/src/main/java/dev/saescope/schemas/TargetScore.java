package dev.saescope.schemas;

/**
 * How strongly one position points at one token: the logit lens of {@code h_l} and the SAE latents'
 * direct logit attribution (EXPERIMENTS.md E2b).
 *
 * @param position where the score is taken (usually {@code q_end})
 * @param tokenId the scored token
 * @param role which token it is
 * @param lensLogprob log-probability of the token under the logit lens of this layer, nats
 * @param lensRank how many tokens the lens ranks above it (0 = top-1)
 * @param attribution {@code sum_i z_i (W_dec[i] · W_U[:, token])}; 0 without an SAE
 * @param attributionRank how many tokens that attribution, taken over the whole vocabulary, ranks
 *     above this one (0 = top-1); -1 without an SAE or when not computed
 */
public record TargetScore(
    int position,
    int tokenId,
    ScoreRole role,
    float lensLogprob,
    int lensRank,
    float attribution,
    int attributionRank) {

  public TargetScore {
    Require.nonNegative(position, "position", "score");
    Require.nonNegative(tokenId, "tokenId", "score at " + position);
    Require.nonNull(role, "role", "score at " + position);
    Require.nonNegative(lensRank, "lensRank", "score at " + position);
    if (attributionRank < -1) {
      throw new IllegalArgumentException(
          "score at "
              + position
              + ": attributionRank "
              + attributionRank
              + "; expected -1 or >= 0");
    }
  }

  /** A score without the attribution's rank (no SAE, or written before results carried it). */
  public TargetScore(
      int position,
      int tokenId,
      ScoreRole role,
      float lensLogprob,
      int lensRank,
      float attribution) {
    this(position, tokenId, role, lensLogprob, lensRank, attribution, -1);
  }
}
