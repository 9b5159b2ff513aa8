package dev.saescope.aggregator.cards;

import java.util.Comparator;
import java.util.List;

/**
 * One activating context of a latent (EXPERIMENTS.md E3a): where it fired and how strongly. The
 * context's tokens are not kept here: they are the task's, which its observation holds, so a card
 * stays small however long the texts are, and a view reads them with {@link #window}.
 *
 * @param value the latent's activation at the token
 * @param taskId where it fired
 * @param itemId the task's item
 * @param position token position in the task's text
 */
public record LatentContext(float value, String taskId, String itemId, int position) {
  /** Tokens shown on each side of the activating one. */
  public static final int WINDOW = 8;

  /**
   * Strongest first; ties by task id and position, so the kept set is a function of the contexts
   * seen, never of their order.
   */
  public static final Comparator<LatentContext> STRONGEST_FIRST =
      Comparator.comparingDouble((LatentContext c) -> -c.value)
          .thenComparing(LatentContext::taskId)
          .thenComparingInt(LatentContext::position);

  /**
   * The tokens around this context in its task's text: up to {@link #WINDOW} each side.
   *
   * @param texts the task's token strings (untrusted text: escape wherever shown)
   * @throws IllegalArgumentException when the position is not in {@code texts}
   */
  public Window window(List<String> texts) {
    if (position < 0 || position >= texts.size()) {
      throw new IllegalArgumentException(
          "context of task " + taskId + ": position " + position + " of " + texts.size());
    }
    int from = Math.max(0, position - WINDOW);
    int to = Math.min(texts.size(), position + WINDOW + 1);
    return new Window(List.copyOf(texts.subList(from, to)), position - from);
  }

  /**
   * A context's tokens.
   *
   * @param tokens the window's token strings
   * @param at index of the activating token within {@code tokens}
   */
  public record Window(List<String> tokens, int at) {}
}
