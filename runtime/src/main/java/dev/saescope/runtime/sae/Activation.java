package dev.saescope.runtime.sae;

/**
 * How an SAE turns pre-activations {@code pre = x W_enc + b_enc} into latents. Chosen by exhaustive
 * switch wherever the kinds differ.
 */
public sealed interface Activation permits Activation.JumpRelu, Activation.TopK, Activation.Relu {

  /** The SAELens {@code architecture} string. */
  String architecture();

  /**
   * Gemma Scope's JumpReLU: {@code z = pre * (pre > threshold)} with a learned per-latent threshold
   * (arXiv 2408.05147 eq. 2). SAELens computes {@code relu(pre) * (pre > threshold)}
   * (sae_lens/saes/jumprelu_sae.py {@code JumpReLUSAE.encode}); the two agree for the non-negative
   * thresholds JumpReLU training produces, and we follow SAELens for negative ones by comparing
   * against {@code max(threshold, 0)}.
   */
  record JumpRelu() implements Activation {
    @Override
    public String architecture() {
      return "jumprelu";
    }
  }

  /**
   * Keeps the {@code k} largest pre-activations per position, then ReLU (Gao et al. 2024; SAELens
   * {@code TopK.forward}). Ties at the k-th value are broken by the lower latent index.
   */
  record TopK(int k) implements Activation {
    public TopK {
      if (k <= 0) {
        throw new IllegalArgumentException("TopK k must be positive, got " + k);
      }
    }

    @Override
    public String architecture() {
      return "topk";
    }
  }

  /** Plain ReLU SAE (SAELens {@code standard}). */
  record Relu() implements Activation {
    @Override
    public String architecture() {
      return "standard";
    }
  }
}
