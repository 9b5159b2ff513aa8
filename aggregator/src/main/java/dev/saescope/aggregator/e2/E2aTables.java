package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.stats.Estimate;
import java.util.List;

/**
 * The tables of E2a (EXPERIMENTS.md §4): {@code d_l = 1 - cos(x(q_end), mean_ans x)} compared
 * between two conditions on the same items. An item's {@code d} for a condition is the mean over
 * its tasks of that condition; the item is the unit of resampling.
 *
 * @param rows one row per comparison, representation and layer
 * @param lexical the lexical baseline, one row per comparison it applies to
 * @param verdicts one plain sentence per representation: which layer of direct vs evasive wins
 *     under the max-over-layers correction, or that none does at 0.05
 */
public record E2aTables(List<E2aRow> rows, List<LexicalRow> lexical, List<String> verdicts) {
  /** The main comparison's name. */
  public static final String MAIN = "direct_vs_evasive";

  public E2aTables {
    rows = List.copyOf(rows);
    lexical = List.copyOf(lexical);
    verdicts = List.copyOf(verdicts);
  }

  /**
   * One comparison at one layer: condition A (direct answers) against condition B.
   *
   * @param comparison {@code direct_vs_evasive}, {@code direct_vs_counterfactual}, {@code
   *     direct_vs_other_item}, or a split {@code direct_vs_evasive[family=...]}, {@code
   *     [mentions_subject=...]}, {@code [relation=...]}
   * @param representation {@code h} (residual stream) or {@code z} (SAE latents)
   * @param delta {@code mean over items of d(A) - d(B)} with its 95% bootstrap interval; p is the
   *     sign-flip p adjusted over this comparison's layers (Westfall-Young maxT)
   * @param pUnadjusted the layer's own sign-flip p
   * @param t the one-sample t of the paired differences
   * @param meanA mean {@code d} of condition A over items
   * @param meanB mean {@code d} of condition B over items
   * @param auroc {@code P(d_A > d_B)} over items of either condition (ties 1/2); above 0.5 when A's
   *     answers lie farther from the question, like a positive delta
   * @param cohensDz Cohen's {@code d_z} of the paired differences
   */
  public record E2aRow(
      String comparison,
      String representation,
      int layer,
      String site,
      Estimate delta,
      double pUnadjusted,
      double t,
      Estimate meanA,
      Estimate meanB,
      Estimate auroc,
      Estimate cohensDz) {}

  /**
   * The lexical baseline: {@code 1 - cos} of the bag-of-token-id count vectors of the question
   * (positions {@code [1, ansStart)}) and the answer; one number per comparison, not per layer.
   *
   * @param delta mean paired difference A - B with its interval and sign-flip p
   */
  public record LexicalRow(
      String comparison,
      Estimate delta,
      Estimate meanA,
      Estimate meanB,
      Estimate auroc,
      Estimate cohensDz) {}
}
