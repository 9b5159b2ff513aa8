package dev.saescope.runtime.sae;

import dev.saescope.runtime.model.HookPoint;
import java.util.Objects;
import java.util.Optional;

/**
 * What an SAE is and where it belongs.
 *
 * @param modelId the model it was trained on as its config names it (e.g. {@code gemma-2-2b});
 *     empty when unknown
 * @param hook layer and site it reads; empty when neither the config nor the command line says
 * @param dIn input width (the model's width at the site)
 * @param dSae number of latents
 * @param activation JumpReLU, TopK or ReLU
 * @param applyBDecToInput whether {@code b_dec} is subtracted from the input before encoding
 *     (SAELens {@code apply_b_dec_to_input}; false for Gemma Scope)
 * @param hash a content hash of the weights and activation (hex), the SAE's version for caches
 * @param source where it was loaded from, for messages
 */
public record SaeMetadata(
    String modelId,
    Optional<HookPoint> hook,
    int dIn,
    int dSae,
    Activation activation,
    boolean applyBDecToInput,
    String hash,
    String source) {
  public SaeMetadata {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(hook, "hook");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(source, "source");
    if (dIn <= 0 || dSae <= 0) {
      throw new IllegalArgumentException(source + ": d_in and d_sae must be positive");
    }
    if (activation instanceof Activation.TopK(int k) && k > dSae) {
      throw new IllegalArgumentException(source + ": TopK k=" + k + " exceeds d_sae=" + dSae);
    }
  }

  /** The same metadata with another hook. */
  public SaeMetadata withHook(HookPoint h) {
    return new SaeMetadata(
        modelId, Optional.of(h), dIn, dSae, activation, applyBDecToInput, hash, source);
  }

  /** The same metadata with another model id. */
  public SaeMetadata withModelId(String id) {
    return new SaeMetadata(id, hook, dIn, dSae, activation, applyBDecToInput, hash, source);
  }

  /** One line for logs: {@code topk k=32 640x4096 gemma-3-270m layer 6 resid_post}. */
  public String describe() {
    String act =
        switch (activation) {
          case Activation.JumpRelu j -> "jumprelu";
          case Activation.TopK t -> "topk k=" + t.k();
          case Activation.Relu r -> "relu";
        };
    return act
        + " "
        + dIn
        + "x"
        + dSae
        + (modelId.isEmpty() ? "" : " " + modelId)
        + hook.map(h -> " " + h).orElse("")
        + " #"
        + hash;
  }
}
