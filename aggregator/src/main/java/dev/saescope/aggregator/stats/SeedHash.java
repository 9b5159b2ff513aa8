package dev.saescope.aggregator.stats;

/**
 * Counter-based randomness: every random number is a hash of (run seed, stream, item key,
 * replicate), never a draw from a shared generator. So an item's random choices do not depend on
 * which other items exist or in which order they arrived, and a result computed by several workers
 * equals the one computed in one process.
 *
 * <p>The hash, written out so that any language can reproduce it, with {@code mix} the SplitMix64
 * finalizer (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
 * {@code java.util.SplittableRandom.mix64}) and {@code g = 0x9e3779b97f4a7c15}:
 *
 * <pre>
 * h = mix(seed + g * stream.id)
 * h = mix(h ^ itemKey)
 * h = mix(h + g * (replicate + 1))
 * </pre>
 */
public final class SeedHash {
  /** SplitMix64's increment, the odd integer closest to {@code 2^64 / phi}. */
  static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  /** Poisson(1) CDF, {@code [k] = P(X <= k)}; the last entry is where it reaches 1 in doubles. */
  private static final double[] POISSON1_CDF = poisson1Cdf();

  /** Separate streams, so that the same run seed gives unrelated bootstrap weights and signs. */
  public enum Stream {
    BOOTSTRAP(1),
    SIGN_FLIP(2);

    final long id;

    Stream(long id) {
      this.id = id;
    }
  }

  private SeedHash() {}

  /** The SplitMix64 finalizer: a bijection of 64-bit words that mixes every input bit. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** The hash of the class javadoc. */
  public static long hash(long seed, Stream stream, long itemKey, int replicate) {
    long h = mix(seed + GOLDEN_GAMMA * stream.id);
    h = mix(h ^ itemKey);
    return mix(h + GOLDEN_GAMMA * (replicate + 1L));
  }

  /** A uniform double in [0, 1) from the top 53 bits of {@code h}. */
  public static double uniform(long h) {
    return (h >>> 11) * 0x1.0p-53;
  }

  /**
   * A Poisson(1) count by inverting the CDF at {@link #uniform}{@code (h)}: one hash, one count.
   */
  public static int poisson1(long h) {
    double u = uniform(h);
    int k = 0;
    while (k < POISSON1_CDF.length - 1 && u >= POISSON1_CDF[k]) {
      k++;
    }
    return k;
  }

  /** A fair sign, +1 or -1, from the top bit of {@code h}. */
  public static double sign(long h) {
    return h < 0 ? -1.0 : 1.0;
  }

  private static double[] poisson1Cdf() {
    // e^-1 / k! summed in k. StrictMath, not Math: its exp is the same bits on every JVM, so the
    // table and every weight drawn from it are too. Past k = 18 the tail is below 2^-53.
    double[] cdf = new double[20];
    double pmf = StrictMath.exp(-1);
    double sum = 0;
    for (int k = 0; k < cdf.length; k++) {
      if (k > 0) {
        pmf /= k;
      }
      sum += pmf;
      cdf[k] = sum;
    }
    cdf[cdf.length - 1] = 1.0;
    return cdf;
  }
}
