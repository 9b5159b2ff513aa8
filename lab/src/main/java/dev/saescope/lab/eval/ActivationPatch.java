package dev.saescope.lab.eval;

import java.util.function.UnaryOperator;

/** What a patched forward pass does to the activation at its hook, at every position but BOS. */
public sealed interface ActivationPatch
    permits ActivationPatch.Clean, ActivationPatch.Zero, ActivationPatch.Replace {

  /** Leave the activation alone. */
  record Clean() implements ActivationPatch {}

  /** Zero-ablation: the baseline of "loss recovered". */
  record Zero() implements ActivationPatch {}

  /**
   * Replace the activations of positions 1..n-1 ({@code [n-1, width]} row-major, BOS excluded) by
   * {@code replace(captured)}, e.g. the SAE's reconstruction.
   */
  record Replace(UnaryOperator<float[]> replace) implements ActivationPatch {}
}
