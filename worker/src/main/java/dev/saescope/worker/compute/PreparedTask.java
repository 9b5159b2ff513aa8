package dev.saescope.worker.compute;

import dev.saescope.runtime.tokenizer.Tokens;
import dev.saescope.schemas.ScoreRole;

/**
 * What {@link ExperimentProcessor#check} keeps of an accepted task for {@link
 * ExperimentProcessor#process}: its tokens and the positions EXPERIMENTS.md §2 names.
 *
 * <p>The full-vocabulary lens reads {@link #lensPositions()}: {@code q_end} for every task, and for
 * direct answers (E2c) also the first answer positions that have a next token, up to {@value
 * #MAX_LENS_POSITIONS} positions in all. At each it scores {@value #TARGETS} tokens, in the columns
 * {@link #roleAt} names: the next token, the tokens 2, 3 and 4 ahead (direct answers only) and, at
 * {@code q_end}, the gold object's first token. A column without a token holds -1.
 *
 * @param tokens the text's tokens, BOS included
 * @param qEnd {@code q_end}: the last token before the answer
 * @param ansStart the answer's first token; {@code tokens.size()} for cloze
 * @param ansEnd one past the answer's last token
 * @param gold0 the first token of the first gold object (as a word after a space), -1 if none
 * @param direct whether the task is a direct answer (E2c and E3b's gold token read it)
 */
public record PreparedTask(
    Tokens tokens, int qEnd, int ansStart, int ansEnd, int gold0, boolean direct) {

  /** Lens positions per task: {@code q_end} and 3 answer positions cover E2c's 4 horizons once. */
  public static final int MAX_LENS_POSITIONS = 4;

  /** Scored tokens per lens position: next, 3 future tokens, gold0. */
  static final int TARGETS = 5;

  private static final int GOLD_COLUMN = 4;

  /** {@code q_end}, then (direct answers) answer positions {@code t < ansEnd - 1}, in order. */
  int[] lensPositions() {
    int last = direct ? Math.min(ansEnd - 1, qEnd + MAX_LENS_POSITIONS) : qEnd + 1;
    int[] out = new int[Math.max(1, last - qEnd)];
    for (int i = 0; i < out.length; i++) {
      out[i] = qEnd + i;
    }
    return out;
  }

  /** The {@value #TARGETS} tokens scored at lens position {@code t}; -1 where there is none. */
  int[] lensTargets(int t) {
    int[] ids = tokens.ids();
    int[] out = new int[TARGETS];
    for (int n = 0; n < GOLD_COLUMN; n++) {
      int at = t + 1 + n;
      boolean inAnswer = at >= ansStart && at < ansEnd;
      out[n] = inAnswer && (n == 0 || direct) ? ids[at] : -1;
    }
    out[GOLD_COLUMN] = t == qEnd ? gold0 : -1;
    return out;
  }

  /** What column {@code column} of {@link #lensTargets} scores at {@code t}. */
  ScoreRole roleAt(int t, int column) {
    return switch (column) {
      case 0 -> t == qEnd ? ScoreRole.ANS0 : ScoreRole.NEXT;
      case 1 -> ScoreRole.FUTURE1;
      case 2 -> ScoreRole.FUTURE2;
      case 3 -> ScoreRole.FUTURE3;
      case GOLD_COLUMN -> ScoreRole.GOLD0;
      default -> throw new IllegalArgumentException("no lens column " + column);
    };
  }

  /**
   * Where E3b reads the latents for the gold object: {@code q_end} and, in a direct answer, the
   * first answer position holding {@code gold0}; empty without a gold token.
   */
  int[] goldPoints() {
    if (gold0 < 0) {
      return new int[0];
    }
    if (direct) {
      for (int t = ansStart; t < ansEnd; t++) {
        if (tokens.ids()[t] == gold0) {
          return new int[] {qEnd, t};
        }
      }
    }
    return new int[] {qEnd};
  }

  /** The positions whose dense rows results carry: {@code q_end}, then every answer token. */
  int[] densePositions() {
    int[] out = new int[1 + ansEnd - ansStart];
    out[0] = qEnd;
    for (int t = ansStart; t < ansEnd; t++) {
      out[1 + t - ansStart] = t;
    }
    return out;
  }

  /** Targets with "none" (-1) replaced by token 0, for calls that need a valid id. */
  static int[] validTargets(int[] targets) {
    int[] out = new int[targets.length];
    for (int i = 0; i < targets.length; i++) {
      out[i] = Math.max(0, targets[i]);
    }
    return out;
  }
}
