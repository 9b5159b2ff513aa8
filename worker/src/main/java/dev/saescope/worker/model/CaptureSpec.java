package dev.saescope.worker.model;

import java.util.Set;
import java.util.TreeSet;

/**
 * What one forward pass returns.
 *
 * @param hooks activations to capture; the pass stops after the deepest of their layers unless
 *     logits are asked for
 * @param positions positions at which the hooks are captured
 * @param logits positions at which the final logits (after the final soft-cap) are returned; {@link
 *     Positions.None} to skip the unembedding
 */
public record CaptureSpec(Set<HookPoint> hooks, Positions positions, Positions logits) {
  public CaptureSpec {
    hooks = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(hooks));
    java.util.Objects.requireNonNull(positions, "positions");
    java.util.Objects.requireNonNull(logits, "logits");
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

  /** The same hooks with logits at {@code logits}. */
  public CaptureSpec withLogits(Positions logits) {
    return new CaptureSpec(hooks, positions, logits);
  }

  /** Whether the final logits are wanted. */
  public boolean wantsLogits() {
    return !(logits instanceof Positions.None);
  }

  /** Number of decoder layers the pass must run: all of them for logits, else up to the deepest hook. */
  public int layersToRun(int nLayers) {
    if (wantsLogits()) {
      return nLayers;
    }
    int deepest = -1;
    for (HookPoint h : hooks) {
      deepest = Math.max(deepest, h.layer());
    }
    return deepest + 1;
  }
}
