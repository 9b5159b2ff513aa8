package dev.saescope.schemas;

import java.util.List;

/**
 * Metadata of a run of one SAE's latents (their logit effects), one message on the compacted
 * latent-info topic, keyed by {@code <saeId>/<firstLatent>}. Mirrors {@code LatentInfo.avsc};
 * {@link dev.saescope.schemas.serde.LatentInfoCodec} maps it at the edge.
 *
 * @param saeId the SAE, as results name it
 * @param modelId the model it reads
 * @param layer the layer it reads
 * @param site the site it reads
 * @param dSae its number of latents
 * @param firstLatent the first latent of this chunk
 * @param latents the latents of this chunk, each inside {@code [0, dSae)}
 */
public record LatentInfo(
    String saeId,
    String modelId,
    int layer,
    String site,
    int dSae,
    int firstLatent,
    List<LatentEffects> latents) {

  public LatentInfo {
    Require.nonBlank(saeId, "saeId", "latent info");
    String at = "latent info of " + saeId;
    Require.nonBlank(modelId, "modelId", at);
    Require.nonNegative(layer, "layer", at);
    Require.nonBlank(site, "site", at);
    Require.nonNegative(firstLatent, "firstLatent", at);
    latents = Require.listOf(latents, "latents", at);
    if (dSae <= 0) {
      throw new IllegalArgumentException(at + ": dSae must be positive, got " + dSae);
    }
    for (LatentEffects e : latents) {
      if (e.latent() >= dSae) {
        throw new IllegalArgumentException(
            at + ": latent " + e.latent() + " is outside its " + dSae + " latents");
      }
    }
  }

  /** The key this chunk is published under. */
  public String key() {
    return saeId + "/" + firstLatent;
  }
}
