package dev.saescope.aggregator.cards;

/**
 * Fixed, log-spaced activation bins shared by every latent, so histograms of different results add
 * up: bin 0 holds activations below {@link #LOW}, the last one those at or above {@link #HIGH}, and
 * {@link #BINS} - 2 geometric bins lie between (SAE activations span several decades).
 */
public final class Histogram {
  public static final int BINS = 42;
  public static final double LOW = 1e-3;
  public static final double HIGH = 1e3;
  private static final double STEP = Math.log(HIGH / LOW) / (BINS - 2);

  private Histogram() {}

  /** The bin of an activation. */
  public static int bin(double value) {
    if (!(value >= LOW)) {
      return 0;
    }
    if (value >= HIGH) {
      return BINS - 1;
    }
    return 1 + Math.min(BINS - 3, (int) (Math.log(value / LOW) / STEP));
  }

  /** The lower edge of bin {@code b} (0 for the first). */
  public static double lowerEdge(int b) {
    return b == 0 ? 0 : LOW * Math.exp(STEP * (b - 1));
  }
}
