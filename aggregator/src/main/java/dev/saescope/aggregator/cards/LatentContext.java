package dev.saescope.aggregator.cards;

import java.util.Comparator;
import java.util.List;

/**
 * One activating context of a latent (EXPERIMENTS.md E3a): the token, up to {@link #WINDOW} tokens
 * each side, and the activation.
 *
 * @param value the latent's activation at the token
 * @param taskId where it fired
 * @param itemId the task's item
 * @param position token position in the task's text
 * @param tokens the window's token strings (untrusted text: escape wherever shown)
 * @param at index of the activating token within {@code tokens}
 */
public record LatentContext(
    float value, String taskId, String itemId, int position, List<String> tokens, int at) {
  /** Tokens kept on each side of the activating one. */
  public static final int WINDOW = 8;

  /**
   * Strongest first; ties by task id and position, so the kept set is a function of the contexts
   * seen, never of their order.
   */
  public static final Comparator<LatentContext> STRONGEST_FIRST =
      Comparator.comparingDouble((LatentContext c) -> -c.value)
          .thenComparing(LatentContext::taskId)
          .thenComparingInt(LatentContext::position);

  public LatentContext {
    tokens = List.copyOf(tokens);
    if (at < 0 || at >= tokens.size()) {
      throw new IllegalArgumentException("context of task " + taskId + ": token index " + at);
    }
  }
}
