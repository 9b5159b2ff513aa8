package dev.saescope.aggregator.e3;

import dev.saescope.aggregator.analysis.Cell;
import java.util.List;

/**
 * The table of E3b (EXPERIMENTS.md §5): does the latent most active at a target token promote that
 * token? The target is the gold object's first token, both at its own position in direct answers
 * ({@code gold_token}) and at {@code q_end} of direct and cloze tasks, where it is what should come
 * next.
 *
 * @param correspondence one row per point, SAE layer and site
 */
public record E3Tables(List<CorrespondenceRow> correspondence) {
  public E3Tables {
    correspondence = List.copyOf(correspondence);
  }

  /**
   * @param point {@code gold_token} or {@code q_end}
   * @param tasks tasks with a most active latent there and a known target
   * @param topLatentMatch share of tasks whose most active latent's most promoted token is the
   *     target (tasks whose latent's effects are unknown are left out)
   * @param topLatentRank median over items of the target's rank in that latent's logit effects (0 =
   *     most promoted), over tasks where the rank is known
   * @param attributionMatch the same share for the latent with the largest attribution
   * @param attributionRank the same rank for that latent
   */
  public record CorrespondenceRow(
      String point,
      int layer,
      String site,
      String saeId,
      int tasks,
      Cell topLatentMatch,
      Cell topLatentRank,
      Cell attributionMatch,
      Cell attributionRank) {}
}
