package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.stats.Estimate;
import java.util.List;

/**
 * The tables of E2b (EXPERIMENTS.md §4): scores of a token at {@code q_end}, before the answer is
 * seen. Scorers: {@code model}, the model's own next-token distribution (the final layer's lens,
 * one row); {@code lens}, the logit lens of {@code h_l}; {@code attribution}, the latents' direct
 * logit attribution {@code sum_i z_i (W_dec[i] · W_U)[token]} (only where the results carry it).
 *
 * @param auroc telling direct from evasive by the score of the answer's first token
 * @param gold top-1/top-10 accuracy for the gold object's first token, on direct and cloze tasks
 */
public record E2bTables(List<AurocRow> auroc, List<GoldRow> gold) {
  public E2bTables {
    auroc = List.copyOf(auroc);
    gold = List.copyOf(gold);
  }

  /**
   * @param scorer {@code model}, {@code lens} or {@code attribution}
   * @param auroc {@code P(score_direct > score_evasive)} over items (ties 1/2); the score is the
   *     item's mean over its tasks (lens log-probability in nats, or attribution)
   * @param meanDirect the mean score of direct answers over items
   * @param meanEvasive the mean score of evasive answers over items
   */
  public record AurocRow(
      String scorer,
      int layer,
      String site,
      Estimate auroc,
      Estimate meanDirect,
      Estimate meanEvasive) {}

  /**
   * @param variant {@code direct} or {@code cloze}
   * @param scorer {@code model} or {@code lens}
   * @param top1 share of tasks whose gold first token has lens rank 0 (mean over items)
   * @param top10 share with rank below 10
   */
  public record GoldRow(String variant, String scorer, int layer, Estimate top1, Estimate top10) {}
}
