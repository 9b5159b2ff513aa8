package dev.saescope.aggregator.stats;

/**
 * A statistic of a sample under bootstrap weights, for {@link Bootstrap#of}: the statistic of the
 * sample in which item {@code i} occurs {@code weights[i]} times.
 */
@FunctionalInterface
public interface WeightedStatistic {
  /**
   * @param values [n] the sample's values in ascending key order
   * @param weights [n] non-negative integer counts, not all zero; all 1 for the point estimate
   */
  double apply(double[] values, double[] weights);
}
