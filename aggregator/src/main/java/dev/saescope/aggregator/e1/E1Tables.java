package dev.saescope.aggregator.e1;

import dev.saescope.aggregator.stats.Estimate;
import java.util.List;

/**
 * The tables of Experiment 1 (EXPERIMENTS.md §3). Every estimate is a mean (or median) over items
 * of the item's mean over its tasks, with a 95% bootstrap interval; n counts items.
 *
 * @param drift E1a, one row per {@code resid_post} layer
 * @param context E1b, one row per layer and site with kept vectors of direct answers
 * @param lens E1c, one row per {@code resid_post} layer
 * @param commit E1c commit-layer distribution, one row per {@code resid_post} layer
 */
public record E1Tables(
    List<DriftRow> drift, List<ContextRow> context, List<LensRow> lens, List<CommitRow> commit) {
  public E1Tables {
    drift = List.copyOf(drift);
    context = List.copyOf(context);
    lens = List.copyOf(lens);
    commit = List.copyOf(commit);
  }

  /**
   * E1a at one layer; all tasks with the vectors (the answer ones need an answer).
   *
   * @param nextQEnd {@code cos(h_l(q_end), h_{l+1}(q_end))}
   * @param finalQEnd {@code cos(h_l(q_end), h_L(q_end))}
   * @param nextAnswer the same for the pooled answer
   * @param finalAnswer the same for the pooled answer
   */
  public record DriftRow(
      int layer,
      Estimate nextQEnd,
      Estimate finalQEnd,
      Estimate nextAnswer,
      Estimate finalAnswer) {}

  /**
   * E1b at one layer and site, over the first tokens of direct answers that occur in at least two
   * items (a context is an item; at most {@code maxContextsPerToken} per token, lowest item keys
   * first).
   *
   * @param tokens token ids with at least two contexts
   * @param contexts contexts in those tokens
   * @param sameToken mean cosine of {@code h_l(ans[0])} over pairs of contexts of the same token
   * @param differentToken mean cosine over pairs of contexts of different tokens, same contexts
   * @param jaccard mean Jaccard overlap of the active latent sets of {@code z_l(ans[0])} over pairs
   *     of contexts of the same token (only where an SAE is attached)
   */
  public record ContextRow(
      int layer,
      String site,
      int tokens,
      int contexts,
      Estimate sameToken,
      Estimate differentToken,
      Estimate jaccard) {}

  /**
   * E1c at one layer, at {@code q_end}.
   *
   * @param medianRank median over items of the mean lens rank (0 = top-1) of the actual next token
   *     (the answer's first token; tasks without an answer are left out)
   * @param meanLogRank mean over items of the mean {@code ln(1 + rank)}
   * @param top1Agreement share of tasks whose lens top-1 equals the final layer's
   * @param klBits {@code KL(p_L || p_l)} in bits
   */
  public record LensRow(
      int layer,
      Estimate medianRank,
      Estimate meanLogRank,
      Estimate top1Agreement,
      Estimate klBits) {}

  /**
   * E1c commit layer: the share of tasks whose commit layer (the first reported layer from which
   * every later reported layer's top-1 equals the final top-1) is this layer.
   */
  public record CommitRow(int layer, Estimate fraction) {}
}
