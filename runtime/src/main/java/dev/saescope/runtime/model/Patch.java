package dev.saescope.runtime.model;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Replaces the activation at one hook, at chosen positions, during a forward pass (activation
 * patching, SAE splicing, ablation). Later layers see the replacement; a capture at the patched
 * hook itself returns the clean value.
 *
 * @param hook where to patch; every {@link Site} can be patched
 * @param positions rows to replace, per sequence
 * @param editor computes the replacement rows from the clean ones
 */
public record Patch(HookPoint hook, Positions positions, Editor editor) {
  /** Computes replacement rows for one sequence. */
  @FunctionalInterface
  public interface Editor {
    /**
     * @param sequence index in the batch
     * @param clean the clean rows at the patched positions, {@code [count, width]}
     * @return the replacement, exactly {@code clean.values().length} floats, row-major
     */
    float[] edit(int sequence, Rows clean);
  }

  public Patch {
    Objects.requireNonNull(hook, "hook");
    Objects.requireNonNull(positions, "positions");
    Objects.requireNonNull(editor, "editor");
  }

  /** Zero-ablation at {@code positions}. */
  public static Patch zero(HookPoint hook, Positions positions) {
    return new Patch(hook, positions, (s, clean) -> new float[clean.values().length]);
  }

  /** The same function of the clean rows for every sequence, e.g. an SAE's reconstruction. */
  public static Patch replace(HookPoint hook, Positions positions, UnaryOperator<float[]> f) {
    return new Patch(hook, positions, (s, clean) -> f.apply(clean.values()));
  }
}
