package dev.saescope.aggregator.service;

import dev.saescope.aggregator.cards.Histogram;
import dev.saescope.aggregator.cards.LatentCard;
import dev.saescope.aggregator.report.LatentHistogram;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The latent activation histograms a report draws (EXPERIMENTS.md E3a): per SAE, the {@link
 * #PER_SAE} latents that fired most (ties to the lower index), each cut to its bins from the first
 * to the last non-empty one. A function of the cards, so of the set of results.
 */
final class ReportHistograms {
  /** Latents drawn per SAE. */
  static final int PER_SAE = 4;

  private static final Comparator<LatentCard> MOST_FIRED =
      Comparator.comparingLong(LatentCard::fires).reversed().thenComparingInt(LatentCard::latent);

  private ReportHistograms() {}

  /** Histograms of the most frequent latents, SAEs in the map's order. */
  static List<LatentHistogram> of(Map<String, ? extends Iterable<LatentCard>> cardsBySae) {
    List<LatentHistogram> out = new ArrayList<>();
    for (var e : cardsBySae.entrySet()) {
      List<LatentCard> fired = new ArrayList<>();
      for (LatentCard c : e.getValue()) {
        if (c.fires() > 0) {
          fired.add(c);
        }
      }
      fired.sort(MOST_FIRED);
      for (LatentCard c : fired.subList(0, Math.min(PER_SAE, fired.size()))) {
        out.add(histogram(e.getKey(), c));
      }
    }
    return out;
  }

  private static LatentHistogram histogram(String saeId, LatentCard c) {
    long[] h = c.histogram();
    int first = 0;
    int last = h.length - 1;
    while (first < last && h[first] == 0) {
      first++;
    }
    while (last > first && h[last] == 0) {
      last--;
    }
    double[] edges = new double[last - first + 2];
    for (int b = first; b <= last + 1; b++) { // the last bin ends where a next one would start
      edges[b - first] = Histogram.lowerEdge(b);
    }
    return new LatentHistogram(saeId, c.latent(), edges, Arrays.copyOfRange(h, first, last + 1));
  }
}
