package dev.saescope.aggregator.stats;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.hipparchus.stat.ranking.NaNStrategy;
import org.hipparchus.stat.ranking.NaturalRanking;
import org.hipparchus.stat.ranking.TiesStrategy;

/**
 * The AUROC of telling positives from negatives by a score: the probability that a random positive
 * scores above a random negative, ties counting 1/2. Computed as the Mann-Whitney U of the
 * positives over {@code n1 * n0} (EXPERIMENTS.md section 6; Hanley & McNeil 1982), which is what
 * {@code sklearn.metrics.roc_auc_score} gives with ties.
 */
public final class Auroc {
  // Hipparchus' ranking gives tied values their mean rank (midranks), the tie rule of the U
  // statistic; NaN cannot occur (KeyedSample holds finite values), FAILED says so if it did.
  private static final NaturalRanking MIDRANKS =
      new NaturalRanking(NaNStrategy.FAILED, TiesStrategy.AVERAGE);

  private Auroc() {}

  /** AUROC = U1 / (n1 n0); NaN while either class is empty. */
  public static double of(KeyedSample positives, KeyedSample negatives) {
    return mannWhitneyU(positives, negatives) / ((double) positives.size() * negatives.size());
  }

  /**
   * U1 = R1 - n1 (n1 + 1) / 2 with R1 the sum of the positives' midranks in the pooled sample: the
   * number of (positive, negative) pairs with the positive higher, plus half the tied pairs. Ranks
   * are multiples of 1/2, so the sum is exact and does not depend on order. NaN while either class
   * is empty.
   */
  public static double mannWhitneyU(KeyedSample positives, KeyedSample negatives) {
    int n1 = positives.size();
    if (n1 == 0 || negatives.size() == 0) {
      return Double.NaN;
    }
    double[] pooled = new double[n1 + negatives.size()];
    for (int i = 0; i < n1; i++) {
      pooled[i] = positives.value(i);
    }
    for (int j = 0; j < negatives.size(); j++) {
      pooled[n1 + j] = negatives.value(j);
    }
    double[] ranks = MIDRANKS.rank(pooled);
    double r1 = 0;
    for (int i = 0; i < n1; i++) {
      r1 += ranks[i];
    }
    return r1 - n1 * (n1 + 1.0) / 2;
  }

  /**
   * The pooled sample sorted once by score, for the AUROC under many sets of bootstrap weights in
   * O(n) each: a sweep over groups of tied scores in ascending order, where each positive of a
   * group beats the negatives below it and ties half of those in it.
   */
  static final class Sweep {
    private final double[] score; // [n1 + n0] ascending
    private final boolean[] positive; // [n1 + n0] whether score[i] is a positive's
    private final int[] index; // [n1 + n0] the index in its class's KeyedSample

    Sweep(KeyedSample positives, KeyedSample negatives) {
      int n1 = positives.size();
      int n = n1 + negatives.size();
      double[] pooled = new double[n];
      for (int i = 0; i < n; i++) {
        pooled[i] = i < n1 ? positives.value(i) : negatives.value(i - n1);
      }
      Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
      Arrays.sort(order, Comparator.comparingDouble(i -> pooled[i]));
      score = new double[n];
      positive = new boolean[n];
      index = new int[n];
      for (int r = 0; r < n; r++) {
        int i = order[r];
        score[r] = pooled[i];
        positive[r] = i < n1;
        index[r] = i < n1 ? i : i - n1;
      }
    }

    /**
     * The AUROC when positive i occurs {@code wPos[i]} times and negative j {@code wNeg[j]} times.
     * With integer weights every partial sum is a multiple of 1/2, so the result is exact.
     */
    double auroc(double[] wPos, double[] wNeg) {
      double u = 0;
      double negBelow = 0;
      double totalPos = 0;
      int r = 0;
      while (r < score.length) {
        double groupPos = 0;
        double groupNeg = 0;
        int end = r;
        while (end < score.length && score[end] == score[r]) {
          if (positive[end]) {
            groupPos += wPos[index[end]];
          } else {
            groupNeg += wNeg[index[end]];
          }
          end++;
        }
        u += groupPos * (negBelow + groupNeg / 2);
        negBelow += groupNeg;
        totalPos += groupPos;
        r = end;
      }
      return totalPos == 0 || negBelow == 0 ? Double.NaN : u / (totalPos * negBelow);
    }
  }
}
