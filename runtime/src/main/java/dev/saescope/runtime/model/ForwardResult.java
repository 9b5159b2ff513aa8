package dev.saescope.runtime.model;

import java.util.List;
import java.util.Map;

/**
 * The output of one batch: captured activations and final logits, in Java memory.
 *
 * @param captures per hook, one {@link Rows} per sequence in batch order
 * @param logits one {@link Rows} of width vocab per sequence, or an empty list when not asked for
 * @param nextTokenLogprobs one {@link Rows} of width 1 per sequence: at position t, {@code log
 *     p(token[t+1] | tokens[..t])}; an empty list when not asked for
 */
public record ForwardResult(
    Map<HookPoint, List<Rows>> captures, List<Rows> logits, List<Rows> nextTokenLogprobs) {
  public ForwardResult {
    captures = Map.copyOf(captures);
    logits = List.copyOf(logits);
    nextTokenLogprobs = List.copyOf(nextTokenLogprobs);
  }

  /** The rows captured at {@code hook} for sequence {@code sequence}. */
  public Rows capture(HookPoint hook, int sequence) {
    List<Rows> rows = captures.get(hook);
    if (rows == null) {
      throw new IllegalArgumentException(
          hook + " was not captured; captured: " + captures.keySet());
    }
    return rows.get(sequence);
  }

  /** The rows captured at layer {@code layer}, site {@code site}, for sequence {@code sequence}. */
  public Rows capture(int layer, Site site, int sequence) {
    return capture(new HookPoint(layer, site), sequence);
  }

  /** The final logits of sequence {@code sequence}. */
  public Rows logits(int sequence) {
    if (logits.isEmpty()) {
      throw new IllegalStateException("logits were not asked for in the CaptureSpec");
    }
    return logits.get(sequence);
  }

  /** Next-token log-probabilities of sequence {@code sequence}, one value per chosen position. */
  public Rows nextTokenLogprobs(int sequence) {
    if (nextTokenLogprobs.isEmpty()) {
      throw new IllegalStateException(
          "next-token log-probabilities were not asked for in the CaptureSpec");
    }
    return nextTokenLogprobs.get(sequence);
  }
}
