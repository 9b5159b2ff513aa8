package dev.saescope.aggregator.stats;

/**
 * A statistic with its 95% confidence interval, the number of observations it rests on, and the
 * p-value of its test.
 *
 * @param value the statistic on the whole sample; NaN when the sample does not define it
 * @param ciLow lower end of the 95% interval; NaN (with {@code ciHigh}) when there is none
 * @param ciHigh upper end of the 95% interval
 * @param n the number of observations (items, or items of both classes for an AUROC)
 * @param p the p-value of the test that goes with the statistic; NaN when no test applies
 */
public record Estimate(double value, double ciLow, double ciHigh, int n, double p) {
  public Estimate {
    if (n < 0) {
      throw new IllegalArgumentException("n = " + n + "; expected a count >= 0");
    }
    if (Double.isNaN(ciLow) != Double.isNaN(ciHigh)) {
      throw new IllegalArgumentException(
          "interval [" + ciLow + ", " + ciHigh + "]: both ends or neither must be NaN");
    }
    if (ciLow > ciHigh) {
      throw new IllegalArgumentException(
          "interval [" + ciLow + ", " + ciHigh + "]: low end above the high end");
    }
    if (!Double.isNaN(p) && !(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("p = " + p + "; expected NaN or a value in [0, 1]");
    }
  }

  /** The same estimate with the p-value of a test. */
  public Estimate withP(double testP) {
    return new Estimate(value, ciLow, ciHigh, n, testP);
  }
}
