package dev.saescope.schemas.serde;

import dev.saescope.avro.LogitEffects;
import dev.saescope.schemas.LatentEffects;
import dev.saescope.schemas.LatentInfo;
import dev.saescope.schemas.ScoredTokens;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps {@link LatentInfo} to and from the generated {@link dev.saescope.avro.LatentInfo}: the only
 * place both meet.
 */
public final class LatentInfoCodec {
  private LatentInfoCodec() {}

  /** The Avro form of one chunk of latent metadata. */
  public static dev.saescope.avro.LatentInfo toAvro(LatentInfo info) {
    List<LogitEffects> latents = new ArrayList<>(info.latents().size());
    for (LatentEffects e : info.latents()) {
      latents.add(
          LogitEffects.newBuilder()
              .setLatent(e.latent())
              .setTopTokenIds(AvroLists.ints(e.top().ids()))
              .setTopTokens(new ArrayList<>(e.top().texts()))
              .setTopValues(AvroLists.floatList(e.top().values()))
              .setBottomTokenIds(AvroLists.ints(e.bottom().ids()))
              .setBottomTokens(new ArrayList<>(e.bottom().texts()))
              .setBottomValues(AvroLists.floatList(e.bottom().values()))
              .build());
    }
    return dev.saescope.avro.LatentInfo.newBuilder()
        .setSaeId(info.saeId())
        .setModelId(info.modelId())
        .setLayer(info.layer())
        .setSite(info.site())
        .setDSae(info.dSae())
        .setFirstLatent(info.firstLatent())
        .setLatents(latents)
        .build();
  }

  /**
   * Our record for a decoded Avro chunk.
   *
   * @throws IllegalArgumentException when the message breaks a {@link LatentInfo} invariant
   */
  public static LatentInfo fromAvro(dev.saescope.avro.LatentInfo a) {
    List<LatentEffects> latents = new ArrayList<>(a.getLatents().size());
    for (LogitEffects e : a.getLatents()) {
      latents.add(
          new LatentEffects(
              e.getLatent(),
              new ScoredTokens(
                  AvroLists.ints(e.getTopTokenIds()),
                  e.getTopTokens(),
                  AvroLists.floats(e.getTopValues())),
              new ScoredTokens(
                  AvroLists.ints(e.getBottomTokenIds()),
                  e.getBottomTokens(),
                  AvroLists.floats(e.getBottomValues()))));
    }
    return new LatentInfo(
        a.getSaeId(),
        a.getModelId(),
        a.getLayer(),
        a.getSite(),
        a.getDSae(),
        a.getFirstLatent(),
        latents);
  }
}
