package dev.saescope.aggregator.observe;

/**
 * E1a drift of one task at one layer (EXPERIMENTS.md §3): cosines of the residual {@code h_l} with
 * the next layer's and with the final layer's, at {@code q_end} and for the pooled answer (the mean
 * of {@code h_l} over the answer's tokens). NaN where a vector is missing or zero: no result at
 * {@code l + 1} (layers reported sparsely are not bridged), no final layer, no answer.
 *
 * @param nextQEnd {@code cos(h_l(q_end), h_{l+1}(q_end))}
 * @param finalQEnd {@code cos(h_l(q_end), h_L(q_end))}
 * @param nextAnswer {@code cos(mean_ans h_l, mean_ans h_{l+1})}
 * @param finalAnswer {@code cos(mean_ans h_l, mean_ans h_L)}
 */
public record Drift(double nextQEnd, double finalQEnd, double nextAnswer, double finalAnswer) {
  /** No dense rows at this layer and site. */
  public static final Drift NONE = new Drift(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
}
