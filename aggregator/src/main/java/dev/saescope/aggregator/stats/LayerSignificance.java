package dev.saescope.aggregator.stats;

/**
 * The paired sign-flip test of one layer, from {@link SignFlip#maxT}.
 *
 * @param layer the row of the input matrix
 * @param n the items with a difference at this layer
 * @param t the one-sample t-statistic of the differences; NaN when {@code n < 2}
 * @param p the layer's own permutation p-value; NaN when {@code n < 2}
 * @param pAdjusted the Westfall-Young maxT p-value, adjusted over all layers; NaN when {@code n <
 *     2}
 */
public record LayerSignificance(int layer, int n, double t, double p, double pAdjusted) {
  public LayerSignificance {
    if (layer < 0 || n < 0) {
      throw new IllegalArgumentException(
          "layer " + layer + ", n = " + n + "; expected a layer and a count >= 0");
    }
    if (Double.isNaN(p) != Double.isNaN(pAdjusted)) {
      throw new IllegalArgumentException(
          "layer " + layer + ": p = " + p + ", adjusted " + pAdjusted + "; both or neither NaN");
    }
    if (!Double.isNaN(p) && !(p > 0 && p <= pAdjusted && pAdjusted <= 1)) {
      throw new IllegalArgumentException(
          "layer "
              + layer
              + ": p = "
              + p
              + ", adjusted "
              + pAdjusted
              + "; expected 0 < p <= adjusted <= 1");
    }
  }
}
