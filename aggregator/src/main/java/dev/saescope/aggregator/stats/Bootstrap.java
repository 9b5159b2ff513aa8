package dev.saescope.aggregator.stats;

import java.util.Arrays;
import org.hipparchus.stat.descriptive.moment.Mean;
import org.hipparchus.stat.descriptive.rank.Percentile;
import org.hipparchus.stat.descriptive.rank.Percentile.EstimationType;

/**
 * 95% percentile bootstrap intervals with the item as the unit of resampling (EXPERIMENTS.md
 * section 6), by the Poisson bootstrap: in replicate b, item k occurs {@code Poisson(1)} times, the
 * count drawn from {@link SeedHash#hash}{@code (seed, BOOTSTRAP, k, b)}.
 *
 * <p>Why Poisson rather than drawing n items with replacement: the multinomial counts of the
 * classical bootstrap depend on n and on every other item, so one more item would redraw them all,
 * and the counts of a sample split over workers could not be merged. Independent Poisson(1) counts
 * approximate the multinomial ones as n grows (Hanley & MacGibbon 2006, "Creating non-parametric
 * bootstrap samples using Poisson frequencies", Comput. Methods Programs Biomed. 83:57), and are
 * what makes a bootstrap mergeable over a stream split across machines (Chamandy et al. 2012,
 * "Estimating uncertainty for massive data streams", Google): each item's counts are a function of
 * its key alone, so the replicates do not depend on the order or the split of the observations, and
 * adding an item changes no other item's counts. The replicate's sample size varies (mean n); the
 * weighted statistic accounts for it.
 */
public final class Bootstrap {
  public static final int DEFAULT_RESAMPLES = 1000;

  /** The interval's coverage: its ends are the 2.5th and 97.5th percentiles of the replicates. */
  public static final double LEVEL = 0.95;

  private static final double LOW_PERCENTILE = 2.5; // 100 (1 - LEVEL) / 2, written exactly
  private static final double HIGH_PERCENTILE = 97.5;

  /**
   * The weighted mean {@code sum(w x) / sum(w)}. Hipparchus' weighted mean adds a second-pass
   * correction of the rounding error of the first; with the values in key order it is one fixed
   * sequence of operations.
   */
  public static final WeightedStatistic MEAN =
      (values, weights) -> new Mean().evaluate(values, weights);

  private final long seed;
  private final int resamples;

  /** A bootstrap of {@link #DEFAULT_RESAMPLES} replicates. */
  public Bootstrap(long seed) {
    this(seed, DEFAULT_RESAMPLES);
  }

  public Bootstrap(long seed, int resamples) {
    if (resamples < 1) {
      throw new IllegalArgumentException(
          "bootstrap resamples = " + resamples + "; expected at least 1");
    }
    this.seed = seed;
    this.resamples = resamples;
  }

  public int resamples() {
    return resamples;
  }

  /** The mean with its interval; p is NaN. */
  public Estimate mean(KeyedSample sample) {
    return of(sample, MEAN);
  }

  /**
   * The mean paired difference {@code a - b} over the items in both, with its interval; p is NaN
   * ({@link Paired#meanDifference} adds the sign-flip test).
   */
  public Estimate pairedMeanDifference(KeyedSample a, KeyedSample b) {
    return mean(KeyedSample.pairedDifference(a, b));
  }

  /** Any statistic of one sample with its interval; p is NaN. */
  public Estimate of(KeyedSample sample, WeightedStatistic statistic) {
    int n = sample.size();
    if (n == 0) {
      return new Estimate(Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN);
    }
    double[] values = sample.values();
    double[] ones = new double[n];
    Arrays.fill(ones, 1.0);
    double[] replicates = new double[resamples];
    for (int b = 0; b < resamples; b++) {
      double[] w = weights(sample, b);
      replicates[b] = total(w) == 0 ? Double.NaN : statistic.apply(values, w);
    }
    return interval(statistic.apply(values, ones), replicates, n);
  }

  /**
   * The AUROC ({@link Auroc}) with its interval; n counts both classes. Both classes are resampled
   * with the same per-item counts: an item that has a score in each class (the direct and the
   * evasive answer of one fact) is drawn as one unit, and distinct items are drawn independently.
   */
  public Estimate auroc(KeyedSample positives, KeyedSample negatives) {
    int n = positives.size() + negatives.size();
    double value = Auroc.of(positives, negatives);
    if (Double.isNaN(value)) {
      return new Estimate(Double.NaN, Double.NaN, Double.NaN, n, Double.NaN);
    }
    Auroc.Sweep sweep = new Auroc.Sweep(positives, negatives);
    double[] replicates = new double[resamples];
    for (int b = 0; b < resamples; b++) {
      replicates[b] = sweep.auroc(weights(positives, b), weights(negatives, b));
    }
    return interval(value, replicates, n);
  }

  /** [n] the Poisson(1) count of each item of {@code sample} (key order) in replicate b. */
  double[] weights(KeyedSample sample, int replicate) {
    double[] w = new double[sample.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] =
          SeedHash.poisson1(
              SeedHash.hash(seed, SeedHash.Stream.BOOTSTRAP, sample.key(i), replicate));
    }
    return w;
  }

  /**
   * The percentile interval of the replicates that are defined: a replicate in which every item (or
   * every item of a class) drew count 0 has no statistic and is left out, which happens with
   * probability about {@code e^-n}.
   */
  private static Estimate interval(double value, double[] replicates, int n) {
    double[] defined = Arrays.stream(replicates).filter(r -> !Double.isNaN(r)).toArray();
    if (defined.length == 0) {
      return new Estimate(value, Double.NaN, Double.NaN, n, Double.NaN);
    }
    // Hipparchus' percentile with R's type 7, the linear interpolation that numpy.percentile (and
    // so scipy.stats.bootstrap's percentile method) uses by default.
    Percentile percentile = new Percentile().withEstimationType(EstimationType.R_7);
    double low = percentile.evaluate(defined, LOW_PERCENTILE);
    double high = percentile.evaluate(defined, HIGH_PERCENTILE);
    return new Estimate(value, low, high, n, Double.NaN);
  }

  private static double total(double[] w) {
    double s = 0;
    for (double x : w) {
      s += x;
    }
    return s;
  }
}
