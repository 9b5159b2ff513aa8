package dev.saescope.runtime.tokenizer;

import java.util.Arrays;

/**
 * A tokenized text: ids with the model's single {@code <bos>} at position 0, the vocabulary pieces
 * ({@code ▁Paris}), and each token's character span in the original text as Java {@code String}
 * indices (UTF-16 units, end exclusive). {@code <bos>} has the empty span {@code [0, 0)}.
 *
 * @param ids token ids, {@code [seq]}
 * @param pieces vocabulary strings, {@code [seq]}
 * @param charStart first character of each token, {@code [seq]}
 * @param charEnd one past the last character of each token, {@code [seq]}
 */
public record Tokens(int[] ids, String[] pieces, int[] charStart, int[] charEnd) {
  public Tokens {
    ids = ids.clone();
    pieces = pieces.clone();
    charStart = charStart.clone();
    charEnd = charEnd.clone();
    if (pieces.length != ids.length
        || charStart.length != ids.length
        || charEnd.length != ids.length) {
      throw new IllegalArgumentException("ids, pieces and spans must have the same length");
    }
  }

  /** Number of tokens, {@code <bos>} included. */
  public int size() {
    return ids.length;
  }

  @Override
  public int[] ids() {
    return ids.clone();
  }

  @Override
  public String[] pieces() {
    return pieces.clone();
  }

  @Override
  public int[] charStart() {
    return charStart.clone();
  }

  @Override
  public int[] charEnd() {
    return charEnd.clone();
  }

  /** Ids as longs, the form DJL's NDArrays take. */
  public long[] idsAsLongs() {
    long[] out = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
    }
    return out;
  }

  /**
   * The first token that covers character {@code offset} or starts after it: the token where an
   * answer beginning at {@code offset} begins. A leading space belongs to the following token in
   * Gemma's vocabulary ({@code ▁Paris}), so an offset pointing at "Paris" or at the space before it
   * both give the {@code ▁Paris} token. Returns -1 when no token ends after {@code offset}.
   */
  public int tokenAtChar(int offset) {
    for (int i = 0; i < ids.length; i++) {
      if (charEnd[i] > charStart[i] && charEnd[i] > offset) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tokens t
        && Arrays.equals(ids, t.ids)
        && Arrays.equals(pieces, t.pieces)
        && Arrays.equals(charStart, t.charStart)
        && Arrays.equals(charEnd, t.charEnd);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(ids);
  }

  @Override
  public String toString() {
    return "Tokens" + Arrays.toString(pieces);
  }
}
