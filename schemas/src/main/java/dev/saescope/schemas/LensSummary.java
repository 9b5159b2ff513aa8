package dev.saescope.schemas;

/**
 * The logit lens of {@code h_l} at one position against the model's final distribution
 * (EXPERIMENTS.md E1c).
 *
 * @param position token position
 * @param top1 the lens's most likely next token
 * @param klBits {@code KL(p_final || p_layer)} in bits
 */
public record LensSummary(int position, int top1, float klBits) {

  public LensSummary {
    Require.nonNegative(position, "position", "lens");
    Require.nonNegative(top1, "top1", "lens at " + position);
  }
}
