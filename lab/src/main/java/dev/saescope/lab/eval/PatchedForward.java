package dev.saescope.lab.eval;

import dev.saescope.runtime.model.HookPoint;

/**
 * A model that can run one sequence with the activation at one hook patched, and report the
 * next-token losses. The forward-pass runtime implements this; the metrics only call it.
 *
 * <p>Contract: position 0 (BOS) is never patched. {@code captured} is the clean activation at
 * {@code hook} for positions 1..n-1, before any patch. {@code nextTokenLoss[t-1]} is the
 * cross-entropy (natural log) of predicting token {@code t+1} from position {@code t}, for t =
 * 1..n-2: only predictions the patch can influence.
 */
public interface PatchedForward {
  /**
   * @param tokens one sequence, BOS first, at least 3 tokens
   */
  Result run(int[] tokens, HookPoint hook, ActivationPatch patch);

  /**
   * @param captured {@code [n-1, width]} clean activations at the hook for positions 1..n-1
   * @param nextTokenLoss {@code [n-2]} losses for positions 1..n-2
   */
  record Result(float[] captured, double[] nextTokenLoss) {}
}
