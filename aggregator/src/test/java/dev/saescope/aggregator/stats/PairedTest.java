package dev.saescope.aggregator.stats;

import static dev.saescope.aggregator.stats.Golden.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class PairedTest {
  private static final long SEED = 5;

  @Test
  void cohensDzByHandUsesTheSampleSdWithDdofOne() {
    // mean 2, sd with ddof 1 = 1 (ddof 0 would give sqrt(2/3) and d_z 2.449)
    assertEquals(2.0, Paired.cohensDz(sample(1, 2, 3)), 1e-15);
    assertEquals(-2.0, Paired.cohensDz(sample(-1, -2, -3)), 1e-15);
  }

  @Test
  void cohensDzMatchesNumpy() {
    for (JsonNode c : Golden.STATS.get("cohensDz")) {
      double expected = c.get("dz").asDouble();
      double dz = Paired.cohensDz(sample(c.get("differences")));
      assertEquals(expected, dz, 1e-12 * Math.abs(expected), c.get("name").asText());
    }
  }

  @Test
  void cohensDzIsUndefinedWithoutSpread() {
    assertTrue(Double.isNaN(Paired.cohensDz(sample(1.5))), "one item");
    assertTrue(Double.isNaN(Paired.cohensDz(sample(2, 2, 2))), "no spread");
    assertTrue(Double.isNaN(Paired.cohensDz(sample())), "no item");
  }

  @Test
  void cohensDzHasABootstrapIntervalAroundIt() {
    JsonNode c = Golden.STATS.get("cohensDz").get(1);
    KeyedSample d = sample(c.get("differences"));
    Estimate e = new Bootstrap(SEED).of(d, Paired.COHENS_DZ);
    assertEquals(Paired.cohensDz(d), e.value());
    assertTrue(e.ciLow() < e.value() && e.value() < e.ciHigh(), e.toString());
  }

  @Test
  void meanDifferenceIsTheBootstrapIntervalWithTheSignFlipP() {
    KeyedSample direct = sample(0.61, 0.55, 0.72, 0.48, 0.66, 0.59, 0.70, 0.52);
    KeyedSample evasive = sample(0.50, 0.57, 0.60, 0.41, 0.52, 0.58, 0.55, 0.49, 0.9);
    Bootstrap bootstrap = new Bootstrap(SEED);
    SignFlip test = new SignFlip(SEED);
    Estimate e = Paired.meanDifference(direct, evasive, bootstrap, test);
    Estimate ci = bootstrap.pairedMeanDifference(direct, evasive);
    double p = test.pValue(KeyedSample.pairedDifference(direct, evasive));
    assertEquals(ci.withP(p), e);
    assertEquals(8, e.n(), "the evasive-only item has no pair");
  }
}
