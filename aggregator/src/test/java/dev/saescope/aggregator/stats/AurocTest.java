package dev.saescope.aggregator.stats;

import static dev.saescope.aggregator.stats.Golden.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AurocTest {
  @Test
  void byHandOnTinySamples() {
    assertEquals(0.0, Auroc.of(sample("p", 1, 2), sample("n", 3)), "positives all below");
    assertEquals(1.0, Auroc.of(sample("p", 3), sample("n", 1, 2)), "positives all above");
    assertEquals(0.5, Auroc.of(sample("p", 1), sample("n", 1)), "one tie counts 1/2");
    assertEquals(0.5, Auroc.of(sample("p", 1, 3), sample("n", 2)), "one above, one below");
    // (2 > 1) + (2 = 2)/2, twice, over 4 pairs
    assertEquals(0.75, Auroc.of(sample("p", 2, 2), sample("n", 1, 2)), "ties across classes");
  }

  @Test
  void mannWhitneyUCountsPairsWithTiesAsHalves() {
    // 2 > 1, 2 = 2 (1/2), twice; 5 above both
    assertEquals(5.0, Auroc.mannWhitneyU(sample("p", 2, 2, 5), sample("n", 1, 2)), 0.0);
  }

  @Test
  void negativeAndPositiveZeroAreOneTiedScore() {
    assertEquals(0.5, Auroc.of(sample("p", -0.0), sample("n", 0.0)));
    // one tied pair of four; with -0.0 below 0.0 it would be one won pair, 0.25
    assertEquals(0.125, Auroc.of(sample("p", 0.0, -1), sample("n", -0.0, 1)));
  }

  @Test
  void matchesRocAucScoreAndMannWhitneyUOnTheGoldenCases() {
    for (JsonNode c : Golden.STATS.get("auroc")) {
      String name = c.get("name").asText();
      KeyedSample pos = sample("p", c.get("positives"));
      KeyedSample neg = sample("n", c.get("negatives"));
      // U is a count of half pairs in both: exact. sklearn integrates the ROC curve, which can
      // differ from U / (n1 n0) in the last bit.
      assertEquals(c.get("mannWhitneyU1").asDouble(), Auroc.mannWhitneyU(pos, neg), 0.0, name);
      assertEquals(c.get("rocAucScore").asDouble(), Auroc.of(pos, neg), 1e-12, name);
    }
  }

  @Test
  void anEmptyClassHasNoAuroc() {
    assertTrue(Double.isNaN(Auroc.of(sample("p"), sample("n", 1, 2))));
    assertTrue(Double.isNaN(Auroc.of(sample("p", 1), sample("n"))));
  }

  @Test
  void sweepWithUnitWeightsEqualsTheRankFormulaBitForBit() {
    for (JsonNode c : Golden.STATS.get("auroc")) {
      KeyedSample pos = sample("p", c.get("positives"));
      KeyedSample neg = sample("n", c.get("negatives"));
      double[] onesPos = filled(pos.size(), 1);
      double[] onesNeg = filled(neg.size(), 1);
      assertEquals(
          Auroc.of(pos, neg),
          new Auroc.Sweep(pos, neg).auroc(onesPos, onesNeg),
          c.get("name").asText());
    }
  }

  @Test
  void sweepWeightsCountAsRepeatedItems() {
    double[] p = {0.3, 0.7, 0.7, 0.1};
    double[] n = {0.7, 0.2, 0.5};
    double[] wp = {2, 0, 1, 3};
    double[] wn = {1, 4, 0};
    double expected = Auroc.of(sample("p", repeat(p, wp)), sample("n", repeat(n, wn)));
    Auroc.Sweep sweep = new Auroc.Sweep(sample("p", p), sample("n", n));
    assertEquals(expected, sweep.auroc(inKeyOrder("p", wp), inKeyOrder("n", wn)));
  }

  /** Weights given per input index, in the key order of {@code sample(prefix, ...)}. */
  private static double[] inKeyOrder(String prefix, double[] weights) {
    return sample(prefix, weights).values();
  }

  private static double[] repeat(double[] values, double[] weights) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      for (int k = 0; k < weights[i]; k++) {
        out.add(values[i]);
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static double[] filled(int n, double v) {
    double[] a = new double[n];
    Arrays.fill(a, v);
    return a;
  }
}
