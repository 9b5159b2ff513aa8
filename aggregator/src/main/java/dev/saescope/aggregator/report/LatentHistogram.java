package dev.saescope.aggregator.report;

import java.util.Arrays;

/**
 * An activation histogram of one latent (EXPERIMENTS.md E3a), drawn when the report is given one.
 *
 * <p>The record owns its arrays: callers hand them over and must not change them afterwards.
 *
 * @param saeId the SAE
 * @param latent the latent
 * @param edges bin edges, ascending // [bins + 1]
 * @param counts activations per bin // [bins]
 */
public record LatentHistogram(String saeId, int latent, double[] edges, long[] counts) {
  public LatentHistogram {
    if (saeId == null || saeId.isBlank() || latent < 0) {
      throw new IllegalArgumentException("histogram: SAE id and latent >= 0 are needed");
    }
    if (edges.length != counts.length + 1 || counts.length == 0) {
      throw new IllegalArgumentException(
          "histogram of "
              + saeId
              + "/"
              + latent
              + ": "
              + edges.length
              + " edges for "
              + counts.length
              + " bins (need bins + 1, bins >= 1)");
    }
    for (int i = 1; i < edges.length; i++) {
      if (!(edges[i] > edges[i - 1]) || !Double.isFinite(edges[i]) || !Double.isFinite(edges[0])) {
        throw new IllegalArgumentException(
            "histogram of " + saeId + "/" + latent + ": edges not finite and ascending at " + i);
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LatentHistogram h
        && saeId.equals(h.saeId)
        && latent == h.latent
        && Arrays.equals(edges, h.edges)
        && Arrays.equals(counts, h.counts);
  }

  @Override
  public int hashCode() {
    return 31 * saeId.hashCode() + latent;
  }
}
