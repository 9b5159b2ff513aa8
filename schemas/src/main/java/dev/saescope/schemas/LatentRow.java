package dev.saescope.schemas;

import java.util.Arrays;

/**
 * The SAE's latents at one position, sparse: the active latent ids and their activations.
 *
 * <p>The record owns its arrays: callers hand them over and must not change them afterwards.
 *
 * @param position token position
 * @param indices active latent ids, strictly ascending // [l0]
 * @param values their activations // [l0]
 * @param reconError squared L2 error of the SAE's reconstruction at this position
 */
public record LatentRow(int position, int[] indices, float[] values, float reconError) {

  public LatentRow {
    Require.nonNegative(position, "position", "latents");
    Require.nonNull(indices, "indices", "latents at " + position);
    Require.nonNull(values, "values", "latents at " + position);
    if (indices.length != values.length) {
      throw new IllegalArgumentException(
          "latents at position "
              + position
              + ": "
              + indices.length
              + " indices but "
              + values.length
              + " values");
    }
    for (int i = 0; i < indices.length; i++) {
      if (indices[i] < 0 || (i > 0 && indices[i] <= indices[i - 1])) {
        throw new IllegalArgumentException(
            "latents at position "
                + position
                + ": indices must be ascending and non-negative, got "
                + Arrays.toString(indices));
      }
    }
  }

  /** Number of active latents (L0). */
  public int l0() {
    return indices.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatentRow r
        && position == r.position
        && Float.compare(reconError, r.reconError) == 0
        && Arrays.equals(indices, r.indices)
        && Arrays.equals(values, r.values);
  }

  @Override
  public int hashCode() {
    return 31 * position + Arrays.hashCode(indices);
  }

  @Override
  public String toString() {
    return "LatentRow[position="
        + position
        + ", l0="
        + indices.length
        + ", reconError="
        + reconError
        + "]";
  }
}
