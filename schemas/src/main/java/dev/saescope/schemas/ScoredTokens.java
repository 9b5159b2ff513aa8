package dev.saescope.schemas;

import java.util.Arrays;
import java.util.List;

/**
 * Tokens with one value each, most extreme first (a latent's most promoted or most suppressed
 * tokens).
 *
 * <p>The record owns its arrays: callers hand them over and must not change them afterwards.
 *
 * @param ids token ids // [k]
 * @param texts their text, untrusted (escape it wherever it is shown) // [k]
 * @param values one value per token // [k]
 */
public record ScoredTokens(int[] ids, List<String> texts, float[] values) {

  public ScoredTokens {
    Require.nonNull(ids, "ids", "scored tokens");
    Require.nonNull(values, "values", "scored tokens");
    texts = Require.listOf(texts, "texts", "scored tokens");
    if (ids.length != texts.size() || ids.length != values.length) {
      throw new IllegalArgumentException(
          "scored tokens: "
              + ids.length
              + " ids, "
              + texts.size()
              + " texts and "
              + values.length
              + " values (need as many of each)");
    }
  }

  /** Number of tokens. */
  public int size() {
    return ids.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScoredTokens s
        && Arrays.equals(ids, s.ids)
        && texts.equals(s.texts)
        && Arrays.equals(values, s.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids);
  }

  @Override
  public String toString() {
    return "ScoredTokens" + texts;
  }
}
