package dev.saescope.aggregator.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.saescope.aggregator.cards.Histogram;
import dev.saescope.aggregator.cards.LatentCard;
import dev.saescope.aggregator.report.LatentHistogram;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReportHistogramsTest {
  private static LatentCard card(int latent, long fires, int... binCounts) {
    long[] h = new long[Histogram.BINS];
    for (int i = 0; i < binCounts.length; i += 2) {
      h[binCounts[i]] = binCounts[i + 1];
    }
    return new LatentCard(latent, fires, 1f, List.of(), h);
  }

  @Test
  void theMostFrequentLatentsPerSaeAreDrawnCutToTheirNonEmptyBins() {
    Map<String, List<LatentCard>> cards = new TreeMap<>();
    cards.put(
        "a",
        List.of(
            card(0, 0),
            card(1, 5, 3, 5),
            card(2, 9, 2, 4, 5, 5),
            card(3, 9, 10, 9),
            card(4, 7, 7, 7),
            card(5, 6, 8, 6)));
    cards.put("b", List.of(card(7, 2, Histogram.BINS - 1, 2)));

    List<LatentHistogram> h = ReportHistograms.of(cards);

    // fires 9, 9 (tie: lower index first), 7, 6; latent 1 (5 fires) and 0 (never) are left out
    assertEquals(List.of(2, 3, 4, 5, 7), h.stream().map(LatentHistogram::latent).toList());
    assertEquals(List.of("a", "a", "a", "a", "b"), h.stream().map(LatentHistogram::saeId).toList());
    LatentHistogram two = h.get(0);
    assertArrayEquals(new long[] {4, 0, 0, 5}, two.counts());
    assertEquals(Histogram.lowerEdge(2), two.edges()[0]);
    assertEquals(Histogram.lowerEdge(6), two.edges()[4]);
    // the last bin (at or above HIGH) still gets a finite upper edge
    assertArrayEquals(new long[] {2}, h.get(4).counts());
    assertEquals(Histogram.HIGH, h.get(4).edges()[0], 1e-9);
    assertEquals(Histogram.lowerEdge(Histogram.BINS), h.get(4).edges()[1]);
  }

  @Test
  void anSaeWithoutFiringLatentsDrawsNothing() {
    assertEquals(List.of(), ReportHistograms.of(Map.of("a", List.of(card(0, 0)))));
  }
}
