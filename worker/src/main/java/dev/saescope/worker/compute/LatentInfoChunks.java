package dev.saescope.worker.compute;

import dev.saescope.runtime.sae.LatentLogits;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.schemas.LatentEffects;
import dev.saescope.schemas.LatentInfo;
import dev.saescope.schemas.ScoredTokens;
import java.util.ArrayList;
import java.util.List;

/**
 * An SAE's logit effects as latent-info messages: chunks of {@value #CHUNK} latents (about 100 KiB
 * with 10 + 10 tokens per latent) with the tokens' text, so the aggregator needs neither model nor
 * SAE.
 */
public final class LatentInfoChunks {
  /** Latents per message. */
  public static final int CHUNK = 256;

  private LatentInfoChunks() {}

  /**
   * The chunks of {@code effects} (one per latent, in latent order), first latent 0 first.
   *
   * @param modelId the model's id as results carry it
   */
  public static List<LatentInfo> of(
      ExperimentProcessor.AttachedSae sae,
      String modelId,
      List<LatentLogits> effects,
      GemmaTokenizer tokenizer) {
    List<LatentInfo> out = new ArrayList<>();
    for (int from = 0; from == 0 || from < effects.size(); from += CHUNK) {
      List<LatentEffects> latents = new ArrayList<>();
      for (LatentLogits l : effects.subList(from, Math.min(effects.size(), from + CHUNK))) {
        latents.add(
            new LatentEffects(
                l.latent(),
                scored(l.topTokens(), l.topValues(), tokenizer),
                scored(l.bottomTokens(), l.bottomValues(), tokenizer)));
      }
      out.add(
          new LatentInfo(
              sae.id(),
              modelId,
              sae.hook().layer(),
              sae.hook().site().key(),
              sae.sae().dSae(),
              from,
              latents));
    }
    return out;
  }

  private static ScoredTokens scored(int[] ids, float[] values, GemmaTokenizer tokenizer) {
    List<String> texts = new ArrayList<>(ids.length);
    for (int id : ids) {
      texts.add(tokenizer.decode(id));
    }
    return new ScoredTokens(ids.clone(), texts, values.clone());
  }
}
