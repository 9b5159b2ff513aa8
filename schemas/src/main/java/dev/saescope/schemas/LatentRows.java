package dev.saescope.schemas;

import java.util.List;

/**
 * The sparse latents {@code z_l} of one SAE at a run of positions.
 *
 * @param dSae the SAE's number of latents (0 when there is no SAE)
 * @param rows one row per position, in the order the worker sent them
 */
public record LatentRows(int dSae, List<LatentRow> rows) {

  public LatentRows {
    Require.nonNegative(dSae, "dSae", "latents");
    rows = Require.listOf(rows, "rows", "latents");
    for (LatentRow r : rows) {
      int[] idx = r.indices();
      if (idx.length > 0 && idx[idx.length - 1] >= dSae) {
        throw new IllegalArgumentException(
            "latents at position "
                + r.position()
                + ": latent "
                + idx[idx.length - 1]
                + " is outside the SAE's "
                + dSae);
      }
    }
  }

  /** No latents: a result without an SAE. */
  public static LatentRows none() {
    return new LatentRows(0, List.of());
  }

  /** Whether there are no rows. */
  public boolean isEmpty() {
    return rows.isEmpty();
  }
}
