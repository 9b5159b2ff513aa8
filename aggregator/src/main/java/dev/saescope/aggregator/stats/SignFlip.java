package dev.saescope.aggregator.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The paired sign-flip permutation test (EXPERIMENTS.md section 6): under the null that each item's
 * difference is symmetric about 0, flipping its sign is as likely as not. In replicate b item k's
 * sign is {@link SeedHash#sign} of {@link SeedHash#hash}{@code (seed, SIGN_FLIP, k, b)}, so the
 * null draws do not depend on arrival order or on which other items exist, and {@code p = (1 +
 * #{null >= observed}) / (B + 1)} (Phipson & Smyth 2010: a Monte-Carlo p is never 0), two-sided on
 * |statistic|.
 *
 * <p>The statistic is the one-sample t of the differences. On one complete sample {@code |t|} is an
 * increasing function of {@code |mean|} (a sign flip leaves {@code sum d^2} unchanged, so {@code
 * sd^2 = (sum d^2 - n mean^2) / (n - 1)}), so the p-value is the one of the mean. Across layers it
 * is not: layers have different scales and, with items missing at some layers, different n, and
 * only a standardized statistic makes their maximum meaningful for {@link #maxT}.
 */
public final class SignFlip {
  public static final int DEFAULT_RESAMPLES = 1000;

  /** Largest sample {@link #exactPValue} enumerates: 2^20 sign vectors. */
  public static final int MAX_EXACT_ITEMS = 20;

  /**
   * A null statistic within this relative distance below the observed one counts as at least as
   * extreme: flips that tie in exact arithmetic but differ by rounding (0.1 + 0.2 against 0.3)
   * count as ties, as scipy.stats.permutation_test does with its own tolerance. Erring this way can
   * only raise p.
   */
  static final double TIE_TOLERANCE = 1e-9;

  private final long seed;
  private final int resamples;

  /** A test with {@link #DEFAULT_RESAMPLES} sign-flip replicates. */
  public SignFlip(long seed) {
    this(seed, DEFAULT_RESAMPLES);
  }

  public SignFlip(long seed, int resamples) {
    if (resamples < 1) {
      throw new IllegalArgumentException(
          "sign-flip resamples = " + resamples + "; expected at least 1");
    }
    this.seed = seed;
    this.resamples = resamples;
  }

  /** The Monte-Carlo p of the paired differences; NaN with fewer than 2 items. */
  public double pValue(KeyedSample differences) {
    return maxT(differences.keys(), new double[][] {differences.values()}).get(0).p();
  }

  /**
   * The exact p, {@code #{flips s: |t(s d)| >= |t(d)|} / 2^n} over all 2^n sign vectors (the
   * identity among them); NaN with fewer than 2 items.
   */
  public static double exactPValue(KeyedSample differences) {
    int n = differences.size();
    if (n > MAX_EXACT_ITEMS) {
      throw new IllegalArgumentException(
          n + " items; exact enumeration takes at most " + MAX_EXACT_ITEMS + " (2^n flips)");
    }
    Layers layers = new Layers(differences.keys(), new double[][] {differences.values()});
    double observed = layers.absT(0, ones(n));
    if (Double.isNaN(observed)) {
      return Double.NaN;
    }
    long count = 0;
    double[] signs = new double[n];
    for (long mask = 0; mask < 1L << n; mask++) {
      for (int i = 0; i < n; i++) {
        signs[i] = (mask >>> i & 1) == 0 ? 1.0 : -1.0;
      }
      if (atLeast(layers.absT(0, signs), observed)) {
        count++;
      }
    }
    return (double) count / (1L << n);
  }

  /**
   * Westfall-Young single-step maxT over layers (Westfall & Young 1993, "Resampling-based multiple
   * testing"; Dudoit, Shaffer & Boldrick 2003, Stat. Sci. 18:71, section 4): in each replicate one
   * sign per item, shared by all layers so that their dependence is kept; the adjusted p of layer l
   * is {@code (1 + #{b: max_l' |t*_l'b| >= |t_l|}) / (B + 1)}, which controls the family-wise error
   * rate over the layers.
   *
   * <p>Missing values: NaN marks an item without a difference at that layer; the layer's t uses the
   * items it has (its own n), and the item's sign still applies at every other layer. This is valid
   * when whether an item is missing does not depend on the sign of its difference. A layer with
   * fewer than 2 items has no t; it gets NaN and does not enter the maximum.
   *
   * @param itemKeys [items] the key of each column, any order, distinct
   * @param differences [layers, items] paired differences; NaN = item missing at that layer
   */
  public List<LayerSignificance> maxT(long[] itemKeys, double[][] differences) {
    Layers layers = new Layers(itemKeys, differences);
    int count = differences.length;
    double[] observed = new double[count];
    for (int l = 0; l < count; l++) {
      observed[l] = layers.absT(l, ones(itemKeys.length));
    }
    long[] raw = new long[count];
    long[] adjusted = new long[count];
    double[] nullT = new double[count];
    for (int b = 0; b < resamples; b++) {
      double[] signs = layers.signs(seed, b);
      double max = Double.NEGATIVE_INFINITY;
      for (int l = 0; l < count; l++) {
        if (!Double.isNaN(observed[l])) {
          nullT[l] = layers.absT(l, signs);
          max = Math.max(max, nullT[l]);
        }
      }
      for (int l = 0; l < count; l++) {
        if (!Double.isNaN(observed[l])) {
          raw[l] += atLeast(nullT[l], observed[l]) ? 1 : 0;
          adjusted[l] += atLeast(max, observed[l]) ? 1 : 0;
        }
      }
    }
    List<LayerSignificance> out = new ArrayList<>(count);
    for (int l = 0; l < count; l++) {
      boolean defined = !Double.isNaN(observed[l]);
      out.add(
          new LayerSignificance(
              l,
              layers.n[l],
              layers.signedT(l),
              defined ? (1.0 + raw[l]) / (resamples + 1.0) : Double.NaN,
              defined ? (1.0 + adjusted[l]) / (resamples + 1.0) : Double.NaN));
    }
    return out;
  }

  static boolean atLeast(double nullStatistic, double observed) {
    return Double.isInfinite(observed)
        ? nullStatistic >= observed
        : nullStatistic >= observed - TIE_TOLERANCE * Math.abs(observed);
  }

  private static double[] ones(int n) {
    double[] ones = new double[n];
    Arrays.fill(ones, 1.0);
    return ones;
  }

  /** The differences with their columns in ascending key order, and what flips leave unchanged. */
  private static final class Layers {
    private final long[] keys; // [items] ascending
    private final double[][] d; // [layers, items] NaN = missing
    private final int[] n; // [layers] items present
    private final double[] sumSq; // [layers] sum of d^2 over present items: flips keep it

    Layers(long[] itemKeys, double[][] differences) {
      // KeyedSample sorts the keys and rejects duplicates; its values carry the column index.
      double[] columns = new double[itemKeys.length];
      Arrays.setAll(columns, i -> i);
      KeyedSample order = KeyedSample.of(itemKeys, columns);
      keys = order.keys();
      d = new double[differences.length][itemKeys.length];
      n = new int[differences.length];
      sumSq = new double[differences.length];
      for (int l = 0; l < differences.length; l++) {
        if (differences[l].length != itemKeys.length) {
          throw new IllegalArgumentException(
              "layer "
                  + l
                  + " has "
                  + differences[l].length
                  + " differences for "
                  + itemKeys.length
                  + " item keys");
        }
        for (int i = 0; i < keys.length; i++) {
          double x = differences[l][(int) order.value(i)];
          if (Double.isInfinite(x)) {
            throw new IllegalArgumentException(
                "layer " + l + ", item key " + keys[i] + ": difference " + x + " is not finite");
          }
          d[l][i] = x;
          if (!Double.isNaN(x)) {
            n[l]++;
            sumSq[l] += x * x;
          }
        }
      }
    }

    double[] signs(long seed, int replicate) {
      double[] s = new double[keys.length];
      for (int i = 0; i < s.length; i++) {
        s[i] = SeedHash.sign(SeedHash.hash(seed, SeedHash.Stream.SIGN_FLIP, keys[i], replicate));
      }
      return s;
    }

    double absT(int layer, double[] signs) {
      return Math.abs(t(layer, signs));
    }

    double signedT(int layer) {
      return t(layer, ones(keys.length));
    }

    /** t = mean / (sd / sqrt(n)), sd from the flip-invariant sum of squares; ±inf when sd = 0. */
    private double t(int layer, double[] signs) {
      int count = n[layer];
      if (count < 2) {
        return Double.NaN;
      }
      double sum = 0;
      for (int i = 0; i < keys.length; i++) {
        double x = d[layer][i];
        if (!Double.isNaN(x)) {
          sum += signs[i] * x;
        }
      }
      double mean = sum / count;
      double variance = Math.max(0, (sumSq[layer] - sum * mean) / (count - 1));
      if (variance == 0) {
        return mean == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, mean);
      }
      return mean / Math.sqrt(variance / count);
    }
  }
}
