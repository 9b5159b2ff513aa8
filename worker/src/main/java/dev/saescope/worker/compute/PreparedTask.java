package dev.saescope.worker.compute;

import dev.saescope.runtime.tokenizer.Tokens;
import dev.saescope.schemas.ScoreRole;

/**
 * What {@link ExperimentProcessor#check} keeps of an accepted task for {@link
 * ExperimentProcessor#process}: its tokens and the positions EXPERIMENTS.md §2 names.
 *
 * @param tokens the text's tokens, BOS included
 * @param qEnd {@code q_end}: the last token before the answer
 * @param ansStart the answer's first token; {@code tokens.size()} for cloze
 * @param ansEnd one past the answer's last token
 * @param gold0 the first token of the first gold object (as a word after a space), -1 if none
 */
public record PreparedTask(Tokens tokens, int qEnd, int ansStart, int ansEnd, int gold0) {

  /** Roles of {@link #targetsAtQEnd()}, in order. */
  static final ScoreRole[] TARGET_ROLES = {ScoreRole.ANS0, ScoreRole.GOLD0};

  /** The answer's first token (-1 without an answer) and the gold object's first token. */
  int[] targetsAtQEnd() {
    int ans0 = ansStart < ansEnd ? tokens.ids()[ansStart] : -1;
    return new int[] {ans0, gold0};
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
