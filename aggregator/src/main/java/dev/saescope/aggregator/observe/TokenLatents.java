package dev.saescope.aggregator.observe;

import java.util.Arrays;

/**
 * E3c data map entry (EXPERIMENTS.md §5): the most active latents at one position, largest
 * activation first (ties to the lower id).
 *
 * <p>The record owns its arrays: callers hand them over and must not change them afterwards.
 *
 * @param position token position
 * @param latents latent ids // [k]
 * @param values their activations // [k]
 */
public record TokenLatents(int position, int[] latents, float[] values) {
  public TokenLatents {
    if (position < 0 || latents == null || values == null || latents.length != values.length) {
      throw new IllegalArgumentException(
          "token latents at " + position + ": need a position >= 0 and as many ids as values");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenLatents t
        && position == t.position
        && Arrays.equals(latents, t.latents)
        && Arrays.equals(values, t.values);
  }

  @Override
  public int hashCode() {
    return 31 * position + Arrays.hashCode(latents);
  }

  @Override
  public String toString() {
    return "TokenLatents[" + position + ": " + Arrays.toString(latents) + "]";
  }
}
