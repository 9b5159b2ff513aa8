package dev.saescope.aggregator.stats;

import static dev.saescope.aggregator.stats.Golden.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SignFlipTest {
  private static final long SEED = 99;
  private static final double NAN = Double.NaN;

  @Test
  void exactPMatchesScipyPermutationTestOverAllFlips() {
    for (JsonNode c : Golden.STATS.get("signFlip")) {
      double p = SignFlip.exactPValue(sample(c.get("differences")));
      // both are a count over 2^n: equal unless a tie is counted differently
      assertEquals(c.get("exactP").asDouble(), p, 1e-15, c.get("name").asText());
    }
  }

  /**
   * With B random flips, X = #{null >= observed} is Binomial(B, p0), p0 the exact p (the share of
   * all 2^n sign vectors at least as extreme, the identity among them), so {@code p = (1 + X) / (B
   * + 1)} has mean {@code (1 + B p0) / (B + 1)} and sd {@code sqrt(B p0 (1 - p0)) / (B + 1)}; we
   * allow 4 sd (0.006 at p0 = 0.05, B = 20000). A one-sided test (p0 halved) falls outside for
   * every case here with p0 above 0.01; the +1s move p by less than 1/B, so {@link
   * #pIsOnePlusACountOverBPlusOne} checks them.
   */
  @Test
  void monteCarloPMatchesTheExactPWithinBinomialError() {
    int b = 20_000;
    SignFlip test = new SignFlip(SEED, b);
    for (JsonNode c : Golden.STATS.get("signFlip")) {
      double p0 = c.get("exactP").asDouble();
      double mean = (1 + b * p0) / (b + 1);
      double sd = Math.sqrt(b * p0 * (1 - p0)) / (b + 1);
      double p = test.pValue(sample(c.get("differences")));
      assertEquals(mean, p, 4 * sd + 1e-15, c.get("name").asText());
    }
  }

  @Test
  void pIsOnePlusACountOverBPlusOne() {
    KeyedSample d = sample(1.2, 0.8, 1.5, 2.0, 0.9, 1.1, 1.7, 1.3, 0.6, 1.4, 1.0, 0.7);
    double p = new SignFlip(SEED, 1000).pValue(d);
    double count = p * 1001 - 1;
    assertEquals(Math.rint(count), count, 1e-9, "p (B + 1) - 1 is a count");
    assertTrue(p >= 1 / 1001.0, "never below 1 / (B + 1)");
    assertEquals(2 / 4096.0, SignFlip.exactPValue(d), 0.0, "only the identity and its negation");
  }

  @Test
  void twoSidedTestGivesTheSamePWhenEverySignIsFlipped() {
    double[] v = Golden.doubles(Golden.STATS.get("signFlip").get(0).get("differences"));
    double[] negated = Arrays.stream(v).map(x -> -x).toArray();
    SignFlip test = new SignFlip(SEED, 2000);
    assertEquals(test.pValue(sample(v)), test.pValue(sample(negated)));
    assertEquals(SignFlip.exactPValue(sample(v)), SignFlip.exactPValue(sample(negated)));
  }

  @Test
  void roundingTiesCountAsTies() {
    assertTrue(0.3 < 0.1 + 0.2, "the premise: one ulp apart");
    assertTrue(SignFlip.atLeast(0.3, 0.1 + 0.2), "one ulp below counts as a tie");
    assertTrue(SignFlip.atLeast(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY));
    assertTrue(!SignFlip.atLeast(0.3, 0.3 * (1 + 1e-6)), "a real difference is not a tie");
  }

  @Test
  void fewerThanTwoItemsHaveNoTest() {
    assertTrue(Double.isNaN(new SignFlip(SEED).pValue(sample(1.0))));
    assertTrue(Double.isNaN(SignFlip.exactPValue(sample())));
  }

  @Test
  void exactEnumerationRefusesMoreThanTwentyItems() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SignFlip.exactPValue(sample(new double[21])));
    assertTrue(e.getMessage().contains("21 items"), e.getMessage());
  }

  @Test
  void maxTOfOneLayerIsThatLayersOwnTest() {
    KeyedSample d = sample(Golden.doubles(Golden.STATS.get("signFlip").get(0).get("differences")));
    SignFlip test = new SignFlip(SEED);
    LayerSignificance only = test.maxT(d.keys(), new double[][] {d.values()}).get(0);
    assertEquals(only.p(), only.pAdjusted());
    assertEquals(test.pValue(d), only.p());
    assertEquals(12, only.n());
  }

  @Test
  void maxTOfTwoIdenticalLayersAdjustsNothing() {
    double[] row = noise(new Random(1), 30, 0.4);
    List<LayerSignificance> r = new SignFlip(SEED).maxT(keys(30), new double[][] {row, row});
    assertEquals(r.get(0).p(), r.get(0).pAdjusted(), "max of two equal statistics is either");
    assertEquals(r.get(0).pAdjusted(), r.get(1).pAdjusted());
    assertEquals(r.get(0).t(), r.get(1).t());
  }

  @Test
  void maxTRaisesPOfTheStrongestOfManyNullLayers() {
    Random rnd = new Random(2);
    double[][] d = new double[10][];
    for (int l = 0; l < d.length; l++) {
      d[l] = noise(rnd, 40, 0);
    }
    List<LayerSignificance> r = new SignFlip(SEED).maxT(keys(40), d);
    LayerSignificance smallest = r.stream().min((a, b) -> Double.compare(a.p(), b.p())).get();
    // independent layers: adjusted ~ 1 - (1 - p)^10, far above p
    assertTrue(smallest.pAdjusted() > 2 * smallest.p(), smallest.toString());
  }

  @Test
  void maxTUsesOneSignPerItemSharedAcrossLayersSoAMissingItemChangesNothingElse() {
    Random rnd = new Random(3);
    double[] full = noise(rnd, 25, 0.3);
    double[] gappy = noise(rnd, 25, 0.3);
    gappy[4] = NAN;
    gappy[17] = NAN;
    SignFlip test = new SignFlip(SEED);
    LayerSignificance layer1 = test.maxT(keys(25), new double[][] {full, gappy}).get(1);
    // the gappy layer alone, its items keyed as before: the same signs, so the same p exactly
    long[] k = keys(25);
    long[] kept = new long[23];
    double[] values = new double[23];
    for (int i = 0, j = 0; i < 25; i++) {
      if (!Double.isNaN(gappy[i])) {
        kept[j] = k[i];
        values[j++] = gappy[i];
      }
    }
    assertEquals(23, layer1.n());
    assertEquals(test.pValue(KeyedSample.of(kept, values)), layer1.p());
  }

  @Test
  void maxTUsesAStandardizedStatisticSoTheScaleOfALayerDoesNotMatter() {
    Random rnd = new Random(4);
    double[][] d = {noise(rnd, 30, 0.5), noise(rnd, 30, 0.2), noise(rnd, 30, 0.0)};
    double[][] scaled = {d[0], d[1].clone(), d[2]};
    for (int i = 0; i < 30; i++) {
      scaled[1][i] *= 1024; // a power of 2: exact, so t is the same double
    }
    SignFlip test = new SignFlip(SEED);
    List<LayerSignificance> a = test.maxT(keys(30), d);
    List<LayerSignificance> b = test.maxT(keys(30), scaled);
    for (int l = 0; l < 3; l++) {
      assertEquals(a.get(l).pAdjusted(), b.get(l).pAdjusted(), "layer " + l);
    }
  }

  @Test
  void maxTLeavesOutALayerWithFewerThanTwoItems() {
    Random rnd = new Random(5);
    double[] a = noise(rnd, 20, 0.5);
    double[] b = noise(rnd, 20, 0.1);
    double[] lone = new double[20];
    Arrays.fill(lone, NAN);
    lone[3] = 100;
    SignFlip test = new SignFlip(SEED);
    List<LayerSignificance> with = test.maxT(keys(20), new double[][] {a, lone, b});
    List<LayerSignificance> without = test.maxT(keys(20), new double[][] {a, b});
    assertEquals(new LayerSignificance(1, 1, NAN, NAN, NAN), with.get(1));
    assertEquals(without.get(0).pAdjusted(), with.get(0).pAdjusted());
    assertEquals(without.get(1).pAdjusted(), with.get(2).pAdjusted());
  }

  @Test
  void maxTGivesTheSameDoublesForAnyColumnOrder() {
    Random rnd = new Random(6);
    double[][] d = {noise(rnd, 40, 0.3), noise(rnd, 40, 0.1)};
    long[] k = keys(40);
    SignFlip test = new SignFlip(SEED);
    List<LayerSignificance> reference = test.maxT(k, d);
    int[] perm = new int[40];
    Arrays.setAll(perm, i -> (i * 17 + 5) % 40);
    long[] pk = new long[40];
    double[][] pd = new double[2][40];
    for (int i = 0; i < 40; i++) {
      pk[i] = k[perm[i]];
      pd[0][i] = d[0][perm[i]];
      pd[1][i] = d[1][perm[i]];
    }
    assertEquals(reference, test.maxT(pk, pd));
  }

  @Test
  void maxTRefusesARowOfTheWrongLengthByLayer() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new SignFlip(SEED).maxT(keys(3), new double[][] {{1, 2, 3}, {1, 2}}));
    assertTrue(
        e.getMessage().contains("layer 1 has 2 differences for 3 item keys"), e.getMessage());
  }

  @Test
  void layerSignificanceRefusesAnAdjustedPBelowTheRawOne() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new LayerSignificance(2, 10, 1.0, 0.2, 0.1));
    assertTrue(e.getMessage().contains("layer 2"), e.getMessage());
  }

  private static long[] keys(int n) {
    long[] k = new long[n];
    Arrays.setAll(k, i -> ItemKey.of("item-" + i));
    return k;
  }

  private static double[] noise(Random rnd, int n, double shift) {
    double[] v = new double[n];
    Arrays.setAll(v, i -> shift + rnd.nextGaussian());
    return v;
  }
}
