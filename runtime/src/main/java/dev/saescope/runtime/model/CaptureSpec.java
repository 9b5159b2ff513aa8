package dev.saescope.runtime.model;

import java.util.Set;
import java.util.TreeSet;

/**
 * What one forward pass returns.
 *
 * @param hooks activations to capture; the pass stops after the deepest of their layers unless
 *     logits or log-probabilities are asked for
 * @param positions positions at which the hooks are captured
 * @param logits positions at which the final logits (after the final soft-cap) are returned, {@code
 *     [count, vocab]} each: 1 MB per position for Gemma's 262k vocabulary, so choose positions;
 *     {@link Positions.None} skips the unembedding
 * @param nextTokenLogprobs positions t at which {@code log p(token[t+1] | tokens[..t])} is returned
 *     (cross-entropy without copying the vocabulary out); {@link Positions.All} means every
 *     position but the last of each sequence, chosen positions must be below the last
 */
public record CaptureSpec(
    Set<HookPoint> hooks, Positions positions, Positions logits, Positions nextTokenLogprobs) {
  public CaptureSpec {
    hooks = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(hooks));
    java.util.Objects.requireNonNull(positions, "positions");
    java.util.Objects.requireNonNull(logits, "logits");
    java.util.Objects.requireNonNull(nextTokenLogprobs, "nextTokenLogprobs");
  }

  /** Hooks and logits, no next-token log-probabilities. */
  public CaptureSpec(Set<HookPoint> hooks, Positions positions, Positions logits) {
    this(hooks, positions, logits, Positions.none());
  }

  /** Captures {@code sites} at every layer in {@code layers}, at all positions, no logits. */
  public static CaptureSpec of(Iterable<Integer> layers, Site... sites) {
    Set<HookPoint> hooks = new TreeSet<>();
    for (int l : layers) {
      for (Site s : sites) {
        hooks.add(new HookPoint(l, s));
      }
    }
    return new CaptureSpec(hooks, Positions.all(), Positions.none());
  }

  /** Only the final logits, at the given positions. */
  public static CaptureSpec logitsOnly(Positions logits) {
    return new CaptureSpec(Set.of(), Positions.none(), logits);
  }

  /** The same spec with logits at {@code logits}. */
  public CaptureSpec withLogits(Positions logits) {
    return new CaptureSpec(hooks, positions, logits, nextTokenLogprobs);
  }

  /** The same spec with next-token log-probabilities at {@code positions}. */
  public CaptureSpec withNextTokenLogprobs(Positions nextTokenLogprobs) {
    return new CaptureSpec(hooks, positions, logits, nextTokenLogprobs);
  }

  /** Whether the final logits are wanted. */
  public boolean wantsLogits() {
    return !(logits instanceof Positions.None);
  }

  /** Whether next-token log-probabilities are wanted. */
  public boolean wantsNextTokenLogprobs() {
    return !(nextTokenLogprobs instanceof Positions.None);
  }

  /**
   * Number of decoder layers the pass must run: all of them for logits or log-probabilities, else
   * up to the deepest hook.
   */
  public int layersToRun(int nLayers) {
    if (wantsLogits() || wantsNextTokenLogprobs()) {
      return nLayers;
    }
    int deepest = -1;
    for (HookPoint h : hooks) {
      deepest = Math.max(deepest, h.layer());
    }
    return deepest + 1;
  }
}
