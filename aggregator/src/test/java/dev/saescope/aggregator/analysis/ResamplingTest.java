package dev.saescope.aggregator.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.stats.Estimate;
import dev.saescope.aggregator.stats.KeyedSample;
import dev.saescope.aggregator.stats.LayerSignificance;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResamplingTest {
  @Test
  void weightedMedianIsTheMedianOfTheExpandedSample() {
    double[] v = {3, 1, 2};
    assertEquals(2.0, Resampling.MEDIAN.apply(v, new double[] {1, 1, 1}));
    // expanded [1, 2, 3, 3]: (2 + 3) / 2
    assertEquals(2.5, Resampling.MEDIAN.apply(v, new double[] {2, 1, 1}));
    // expanded [1, 2]
    assertEquals(1.5, Resampling.MEDIAN.apply(v, new double[] {0, 1, 1}));
    // expanded [1, 1, 1, 3]
    assertEquals(1.0, Resampling.MEDIAN.apply(v, new double[] {1, 3, 0}));
  }

  @Test
  void itemMeansAverageAnItemsTasksAndSkipNan() {
    ItemMeans m = new ItemMeans();
    m.add(5, 1.0);
    m.add(5, 3.0);
    m.add(5, Double.NaN);
    m.add(-2, 4.0);
    m.add(9, Double.NaN);
    KeyedSample s = m.sample();
    assertEquals(2, s.size());
    assertEquals(-2, s.key(0));
    assertEquals(4.0, s.value(0));
    assertEquals(2.0, s.value(1));
    assertThrows(IllegalArgumentException.class, () -> m.add(1, Double.POSITIVE_INFINITY));
  }

  @Test
  void theTrainingSplitIsTheLowestShareOfTheKeySpace() {
    AnalysisOptions o = AnalysisOptions.of(1);
    assertTrue(o.inTrainingSplit(Long.MIN_VALUE));
    assertFalse(o.inTrainingSplit(Long.MAX_VALUE));
    assertFalse(o.inTrainingSplit(0), "the middle of the key space is at 0.5");
    long at19 = Long.MIN_VALUE + 2 * (long) (0.19 * 0x1p63);
    long at21 = Long.MIN_VALUE + 2 * (long) (0.21 * 0x1p63);
    assertTrue(o.inTrainingSplit(at19));
    assertFalse(o.inTrainingSplit(at21));
  }

  @Test
  void maxTFillsMissingItemsWithNanAndAdjustedPIsNotBelowRaw() {
    Resampling r = new Resampling(AnalysisOptions.of(7).withResamples(200));
    KeyedSample a = KeyedSample.of(new long[] {1, 2, 3, 4}, new double[] {1, 1.2, 0.9, 1.1});
    KeyedSample b = KeyedSample.of(new long[] {2, 3, 5}, new double[] {0.1, -0.2, 0.3});
    List<LayerSignificance> s = r.maxT(List.of(a, b));
    assertEquals(4, s.get(0).n());
    assertEquals(3, s.get(1).n());
    for (LayerSignificance l : s) {
      assertTrue(l.pAdjusted() >= l.p());
    }
    assertTrue(r.maxT(List.of()).isEmpty());
  }

  @Test
  void cohensDzNeedsTwoItems() {
    Resampling r = new Resampling(AnalysisOptions.of(7).withResamples(50));
    Estimate one = r.cohensDz(KeyedSample.of(new long[] {1}, new double[] {2}));
    assertTrue(Double.isNaN(one.value()));
    assertEquals(1, one.n());
    // d = (1, 2, 3): mean 2, sd 1
    assertEquals(
        2.0,
        r.cohensDz(KeyedSample.of(new long[] {1, 2, 3}, new double[] {1, 2, 3})).value(),
        1e-12);
  }

  @Test
  void cellsHoldExactlyOneOfEstimateAndReason() {
    assertThrows(IllegalArgumentException.class, () -> new Cell(null, null));
    assertThrows(IllegalArgumentException.class, () -> new Cell(Resampling.NONE, "why"));
    assertFalse(Cell.absent("why").isPresent());
  }
}
