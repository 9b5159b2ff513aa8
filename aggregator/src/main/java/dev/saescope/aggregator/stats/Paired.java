package dev.saescope.aggregator.stats;

import java.util.Arrays;
import org.hipparchus.stat.descriptive.moment.Mean;
import org.hipparchus.stat.descriptive.moment.Variance;

/** Paired comparisons of two conditions observed on the same items (E2a: direct vs evasive). */
public final class Paired {
  /**
   * Cohen's {@code d_z = mean(diff) / sd(diff)}, sd with ddof = 1 (Lakens 2013, "Calculating and
   * reporting effect sizes", Front. Psychol. 4:863, eq. 6), as a weighted statistic so that {@link
   * Bootstrap#of} gives it an interval. Hipparchus' Mean and bias-corrected Variance take the
   * weights as frequencies, {@code sum(w (x - m)^2) / (sum(w) - 1)}, which is ddof = 1 of the
   * resampled sample. NaN when the sd is 0 or undefined.
   */
  public static final WeightedStatistic COHENS_DZ =
      (values, weights) -> {
        double mean = new Mean().evaluate(values, weights);
        double variance = new Variance().evaluate(values, weights, mean);
        return variance > 0 ? mean / Math.sqrt(variance) : Double.NaN;
      };

  private Paired() {}

  /** Cohen's d_z of the differences; NaN with fewer than 2 items or no spread. */
  public static double cohensDz(KeyedSample differences) {
    double[] ones = new double[differences.size()];
    Arrays.fill(ones, 1.0);
    return differences.size() < 2 ? Double.NaN : COHENS_DZ.apply(differences.values(), ones);
  }

  /**
   * The mean paired difference {@code a - b} over the items in both, its bootstrap interval, and
   * the p-value of the paired sign-flip test.
   */
  public static Estimate meanDifference(
      KeyedSample a, KeyedSample b, Bootstrap bootstrap, SignFlip test) {
    KeyedSample differences = KeyedSample.pairedDifference(a, b);
    return bootstrap.mean(differences).withP(test.pValue(differences));
  }
}
