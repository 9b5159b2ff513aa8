package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.analysis.Cell;
import java.util.List;

/**
 * The table of E2c (EXPERIMENTS.md §4): along direct answers, predicting the token {@code 1 + N}
 * ahead of position {@code t} (N = 0..3) with the logit lens of {@code h_l(t)}, the latents'
 * attribution, and a bigram baseline. Accuracy is on the evaluation split's direct tasks only, at
 * the positions whose lens score the results carry; each item's value is its share of correct
 * (task, position) pairs.
 *
 * @param rows one row per horizon, predictor and layer (layer -1 for predictors without one)
 * @param split the training/evaluation rule, in words
 */
public record E2cTables(List<E2cRow> rows, String split) {
  public E2cTables {
    rows = List.copyOf(rows);
  }

  /**
   * @param horizon N: the target is the token at {@code t + 1 + N}
   * @param predictor {@code lens}, {@code attribution} or {@code bigram}
   * @param layer the lens's layer; -1 for the bigram and attribution rows
   * @param top1 share of targets ranked first, or absent with the reason
   * @param top5 share of targets in the top 5, or absent with the reason
   */
  public record E2cRow(int horizon, String predictor, int layer, Cell top1, Cell top5) {}
}
