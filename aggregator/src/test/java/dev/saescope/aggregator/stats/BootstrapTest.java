package dev.saescope.aggregator.stats;

import static dev.saescope.aggregator.stats.Golden.sample;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BootstrapTest {
  private static final long SEED = 20240610;

  /** Our replicates in the golden comparisons; the reference (scipy) drew its own 100000. */
  private static final int RESAMPLES = 20_000;

  /**
   * How far a percentile endpoint of ours may lie from scipy.stats.bootstrap's, for a bootstrap
   * distribution with standard error {@code se}, B replicates here, R in the reference, n items.
   *
   * <p>Monte-Carlo error: the q-quantile of B draws from a density f has standard deviation {@code
   * sqrt(q (1 - q) / B) / f(x_q)} (the sample quantile's asymptotic variance; Serfling 1980,
   * section 2.3.3). The bootstrap distribution of a mean or an AUROC is close to normal with sd se,
   * so at q = 0.025 or 0.975, {@code f = phi(1.96) / se} and the sd is {@code sqrt(0.025 * 0.975 /
   * B) / phi(1.96) * se}, 0.0189 se for B = 20000. Ours and scipy's are independent, so their
   * difference has sd {@code sqrt(1/B + 1/R)} times {@code sqrt(0.025 * 0.975) / phi(1.96) * se},
   * 0.0207 se for B = 20000 and R = 100000; we allow 4 of those, 0.083 se.
   *
   * <p>Scheme: scipy draws n items with replacement, we give each item a Poisson(1) count. For a
   * weighted mean {@code sum(w x) / sum(w)} both have variance {@code sigma^2 / n} to first order
   * (delta method); they differ at relative order 1/n, which moves an endpoint 1.96 se from the
   * centre by about 1.96 se / n; we allow twice that (0.013 se at n = 300).
   *
   * <p>Total 0.096 se for the mean: a 90% interval (each end 0.31 se further in) or a mean that
   * divides by n instead of the drawn count (a distribution 1.8 times wider for these data) falls
   * outside it.
   */
  static double endpointTolerance(double se, int resamples, int referenceResamples, int n) {
    double z = 1.959963984540054;
    double density = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    double monteCarloSd =
        Math.sqrt(0.025 * 0.975 * (1.0 / resamples + 1.0 / referenceResamples)) / density;
    return (4 * monteCarloSd + 2 * z / n) * se;
  }

  @Test
  void percentileIntervalOfTheMeanMatchesScipyWithinMonteCarloError() {
    JsonNode g = Golden.STATS.get("bootstrap").get("mean");
    KeyedSample values = sample(g.get("values"));
    int reference = g.get("resamples").asInt();
    Estimate e = new Bootstrap(SEED, RESAMPLES).mean(values);
    double se = g.get("standardError").asDouble();
    double tolerance = endpointTolerance(se, RESAMPLES, reference, values.size());
    assertEquals(g.get("mean").asDouble(), e.value(), 1e-12, "point estimate");
    assertEquals(g.get("low").asDouble(), e.ciLow(), tolerance, "2.5th percentile");
    assertEquals(g.get("high").asDouble(), e.ciHigh(), tolerance, "97.5th percentile");
    assertEquals(300, e.n());
    assertTrue(Double.isNaN(e.p()), "a bootstrap has no test");
  }

  @Test
  void percentileIntervalOfTheAurocMatchesScipyWithinMonteCarloError() {
    JsonNode g = Golden.STATS.get("bootstrap").get("auroc");
    KeyedSample pos = sample("p", g.get("positives"));
    KeyedSample neg = sample("n", g.get("negatives"));
    int reference = g.get("resamples").asInt();
    Estimate e = new Bootstrap(SEED, RESAMPLES).auroc(pos, neg);
    // as for the mean, with n the smaller class (scipy resamples each class on its own)
    double se = g.get("standardError").asDouble();
    double tolerance =
        endpointTolerance(se, RESAMPLES, reference, Math.min(pos.size(), neg.size()));
    assertEquals(g.get("auroc").asDouble(), e.value(), 1e-12, "point estimate");
    assertEquals(g.get("low").asDouble(), e.ciLow(), tolerance, "2.5th percentile");
    assertEquals(g.get("high").asDouble(), e.ciHigh(), tolerance, "97.5th percentile");
    assertEquals(300, e.n(), "n counts both classes");
  }

  @Test
  void anyInputOrderGivesTheSameDoublesBitForBit() {
    double[] values = Golden.doubles(Golden.STATS.get("bootstrap").get("mean").get("values"));
    long[] keys = new long[values.length];
    Arrays.setAll(keys, i -> ItemKey.of("item-" + i));
    Bootstrap bootstrap = new Bootstrap(SEED);
    Estimate reference = bootstrap.mean(KeyedSample.of(keys, values));
    Estimate referenceSum = bootstrap.of(KeyedSample.of(keys, values), BootstrapTest::plainSum);
    Random rnd = new Random(3);
    for (int trial = 0; trial < 3; trial++) {
      shuffle(keys, values, rnd);
      Estimate e = bootstrap.mean(KeyedSample.of(keys, values));
      assertEquals(reference.value(), e.value(), "mean, shuffle " + trial);
      assertEquals(reference.ciLow(), e.ciLow(), "low, shuffle " + trial);
      assertEquals(reference.ciHigh(), e.ciHigh(), "high, shuffle " + trial);
      // Hipparchus' mean corrects its rounding, so it hides the order of summation; a plain sum
      // does not: in arrival order it differs in the last bits, in key order it is the same
      assertNotEquals(referenceSum.value(), plainSum(values, ones(values.length)), "premise");
      assertEquals(
          referenceSum, bootstrap.of(KeyedSample.of(keys, values), BootstrapTest::plainSum));
    }
  }

  private static double plainSum(double[] values, double[] weights) {
    double s = 0;
    for (int i = 0; i < values.length; i++) {
      s += weights[i] * values[i];
    }
    return s;
  }

  private static double[] ones(int n) {
    double[] a = new double[n];
    Arrays.fill(a, 1.0);
    return a;
  }

  @Test
  void anyInputOrderGivesTheSameAurocIntervalBitForBit() {
    JsonNode g = Golden.STATS.get("auroc").get(5);
    double[] p = Golden.doubles(g.get("positives"));
    double[] n = Golden.doubles(g.get("negatives"));
    long[] pk = new long[p.length];
    long[] nk = new long[n.length];
    Arrays.setAll(pk, i -> ItemKey.of("p" + i));
    Arrays.setAll(nk, i -> ItemKey.of("n" + i));
    Bootstrap bootstrap = new Bootstrap(SEED);
    Estimate reference = bootstrap.auroc(KeyedSample.of(pk, p), KeyedSample.of(nk, n));
    Random rnd = new Random(5);
    shuffle(pk, p, rnd);
    shuffle(nk, n, rnd);
    assertEquals(reference, bootstrap.auroc(KeyedSample.of(pk, p), KeyedSample.of(nk, n)));
  }

  @Test
  void addingAnItemChangesNoOtherItemsWeights() {
    Bootstrap bootstrap = new Bootstrap(SEED);
    double[] values = new double[50];
    Arrays.setAll(values, i -> i);
    KeyedSample before = sample(values);
    // the smallest key sorts first, so every other item moves one place: a weight drawn from a
    // shared stream in key order would move with it
    KeyedSample after = before.with(Long.MIN_VALUE, 99);
    assertEquals(Long.MIN_VALUE, after.key(0));
    for (int b = 0; b < 100; b++) {
      double[] w = bootstrap.weights(after, b);
      assertArrayEquals(bootstrap.weights(before, b), Arrays.copyOfRange(w, 1, w.length), "b=" + b);
    }
  }

  @Test
  void weightsDifferBetweenReplicatesAndSeeds() {
    KeyedSample s = sample(new double[40]);
    double[] w = new Bootstrap(SEED).weights(s, 0);
    assertFalse(Arrays.equals(w, new Bootstrap(SEED).weights(s, 1)), "replicate");
    assertFalse(Arrays.equals(w, new Bootstrap(SEED + 1).weights(s, 0)), "seed");
  }

  @Test
  void pairedMeanDifferenceIsTheMeanOfTheDifferencesOfItemsInBoth() {
    KeyedSample a = sample(5, 7, 9, 4, 8, 6);
    KeyedSample b = sample(4, 7, 6, 1); // items 4 and 5 of a have no pair
    Bootstrap bootstrap = new Bootstrap(SEED);
    Estimate e = bootstrap.pairedMeanDifference(a, b);
    assertEquals(bootstrap.mean(sample(1, 0, 3, 3)), e);
    assertEquals(1.75, e.value(), 1e-15);
    assertEquals(4, e.n());
  }

  @Test
  void aConstantSampleHasADegenerateInterval() {
    Estimate e = new Bootstrap(SEED).mean(sample(3, 3, 3, 3, 3));
    assertEquals(new Estimate(3, 3, 3, 5, Double.NaN), e);
  }

  @Test
  void perfectlySeparatedClassesHaveAnAurocIntervalOfOne() {
    Estimate e = new Bootstrap(SEED).auroc(sample("p", 5, 6, 7, 8), sample("n", 1, 2, 3));
    assertEquals(new Estimate(1, 1, 1, 7, Double.NaN), e);
  }

  @Test
  void anEmptySampleHasNothingDefined() {
    Estimate e = new Bootstrap(SEED).mean(sample());
    assertEquals(0, e.n());
    assertTrue(Double.isNaN(e.value()) && Double.isNaN(e.ciLow()) && Double.isNaN(e.ciHigh()));
    assertTrue(Double.isNaN(new Bootstrap(SEED).auroc(sample("p", 1), sample("n")).value()));
  }

  @Test
  void defaultIsAThousandResamplesAndFewerThanOneIsRefused() {
    assertEquals(1000, new Bootstrap(SEED).resamples());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Bootstrap(SEED, 0));
    assertTrue(e.getMessage().contains("bootstrap resamples = 0"), e.getMessage());
  }

  private static void shuffle(long[] keys, double[] values, Random rnd) {
    for (int i = keys.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      long k = keys[i];
      keys[i] = keys[j];
      keys[j] = k;
      double v = values[i];
      values[i] = values[j];
      values[j] = v;
    }
  }
}
