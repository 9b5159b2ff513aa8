package dev.saescope.schemas;

import java.util.Arrays;
import java.util.List;

/**
 * The task's text as the model read it, and where the question ends and the answer lies
 * (EXPERIMENTS.md §2). Positions index {@code ids}; position 0 is BOS.
 *
 * <p>The record owns {@code ids}: callers hand the array over and must not change it afterwards.
 *
 * @param ids token ids, BOS included // [tokens]
 * @param texts each token's text, untrusted (escape it wherever it is shown) // [tokens]
 * @param qEnd {@code q_end}: the last token before the answer
 * @param ansStart the answer's first token; {@code ids.length} when there is no answer (cloze)
 * @param ansEnd one past the answer's last token; equals {@code ansStart} when there is no answer
 */
public record PromptTokens(int[] ids, List<String> texts, int qEnd, int ansStart, int ansEnd) {

  public PromptTokens {
    Require.nonNull(ids, "ids", "tokens");
    texts = Require.listOf(texts, "texts", "tokens");
    if (ids.length == 0 || ids.length != texts.size()) {
      throw new IllegalArgumentException(
          "tokens: " + ids.length + " ids and " + texts.size() + " texts (need as many, >= 1)");
    }
    if (qEnd < 0 || qEnd >= ansStart || ansStart > ansEnd || ansEnd > ids.length) {
      throw new IllegalArgumentException(
          "tokens: need 0 <= q_end < ans_start <= ans_end <= "
              + ids.length
              + ", got q_end="
              + qEnd
              + " ans_start="
              + ansStart
              + " ans_end="
              + ansEnd);
    }
  }

  /** Number of tokens, BOS included. */
  public int size() {
    return ids.length;
  }

  /** Whether the text has an answer (every variant but cloze). */
  public boolean hasAnswer() {
    return ansStart < ansEnd;
  }

  /** Whether {@code position} is one of the answer's tokens. */
  public boolean inAnswer(int position) {
    return position >= ansStart && position < ansEnd;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PromptTokens t
        && Arrays.equals(ids, t.ids)
        && texts.equals(t.texts)
        && qEnd == t.qEnd
        && ansStart == t.ansStart
        && ansEnd == t.ansEnd;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(ids) + 7 * qEnd + ansStart;
  }

  @Override
  public String toString() {
    return "PromptTokens["
        + ids.length
        + " tokens, q_end="
        + qEnd
        + ", ans="
        + ansStart
        + ".."
        + ansEnd
        + "]";
  }
}
