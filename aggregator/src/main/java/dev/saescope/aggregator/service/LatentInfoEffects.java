package dev.saescope.aggregator.service;

import dev.saescope.aggregator.e3.LatentEffects;
import dev.saescope.schemas.LatentInfo;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DecodeException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logit effects from the latent-info messages workers publish (each latent's most promoted tokens,
 * EXPERIMENTS.md E3a), indexed once per report.
 */
public final class LatentInfoEffects implements LatentEffects {
  private static final Logger LOG = LoggerFactory.getLogger(LatentInfoEffects.class);

  private final Map<String, int[]> top = new HashMap<>();

  /** Indexes the given latent-info message bytes; undecodable ones are logged and skipped. */
  public static LatentInfoEffects of(List<byte[]> messages) {
    LatentInfoEffects e = new LatentInfoEffects();
    for (byte[] m : messages) {
      try {
        LatentInfo info =
            Codecs.latentInfo()
                .decode(m, "latent-info", DecodeException.UNKNOWN, DecodeException.UNKNOWN);
        for (var l : info.latents()) {
          e.top.put(info.saeId() + '\u0000' + l.latent(), l.top().ids());
        }
      } catch (DecodeException | IllegalArgumentException ex) {
        LOG.warn("skipped a latent-info message: {}", ex.getMessage());
      }
    }
    return e;
  }

  @Override
  public int[] topTokenIds(String saeId, int latent) {
    return top.getOrDefault(saeId + '\u0000' + latent, new int[0]);
  }

  @Override
  public int rankOf(String saeId, int latent, int tokenId) {
    int[] ids = topTokenIds(saeId, latent);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] == tokenId) {
        return i;
      }
    }
    return -1;
  }
}
