package dev.saescope.aggregator.analysis;

import dev.saescope.aggregator.stats.Bootstrap;

/**
 * The choices an analysis takes besides its observations (EXPERIMENTS.md §6).
 *
 * @param seed the run seed: every bootstrap weight and sign flip is a hash of it and the item key
 * @param resamples bootstrap replicates and sign flips, >= 1 (1000 by default)
 * @param maxContextsPerToken E1b: contexts used per token id, the lowest item keys first, >= 2;
 *     bounds the pairwise work per token at {@code k^2}
 * @param trainFraction E2c: the share of the item-key space whose items count the bigram baseline
 *     ({@code (key - Long.MIN_VALUE) / 2^64 < trainFraction}); the other items are evaluated
 */
public record AnalysisOptions(
    long seed, int resamples, int maxContextsPerToken, double trainFraction) {
  public static final int DEFAULT_MAX_CONTEXTS = 64;
  public static final double DEFAULT_TRAIN_FRACTION = 0.2;

  public AnalysisOptions {
    if (resamples < 1 || maxContextsPerToken < 2 || !(trainFraction > 0 && trainFraction < 1)) {
      throw new IllegalArgumentException(
          "analysis options: resamples "
              + resamples
              + " (>= 1), maxContextsPerToken "
              + maxContextsPerToken
              + " (>= 2), trainFraction "
              + trainFraction
              + " (in (0, 1))");
    }
  }

  /** 1000 resamples, 64 contexts per token, 20% of the key space for training. */
  public static AnalysisOptions of(long seed) {
    return new AnalysisOptions(
        seed, Bootstrap.DEFAULT_RESAMPLES, DEFAULT_MAX_CONTEXTS, DEFAULT_TRAIN_FRACTION);
  }

  /** The same options with {@code n} resamples. */
  public AnalysisOptions withResamples(int n) {
    return new AnalysisOptions(seed, n, maxContextsPerToken, trainFraction);
  }

  /**
   * Whether an item key falls in the training split: the lowest {@code trainFraction} of the signed
   * key range, a fixed cut, so adding items never moves one across it.
   */
  public boolean inTrainingSplit(long itemKey) {
    long unsigned = itemKey ^ Long.MIN_VALUE; // signed order -> unsigned order from 0
    return (unsigned >>> 11) * 0x1.0p-53 < trainFraction;
  }
}
