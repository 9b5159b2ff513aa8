package dev.saescope.schemas.serde;

import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.ResultParts;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a result as few messages as keep each under a byte budget (DESIGN.md: results stay under
 * 256 KiB), splitting it with {@link ResultParts#split}.
 */
public final class ResultMessages {
  private ResultMessages() {}

  /**
   * The encoded parts of one whole result, each at most {@code maxBytes} where that is possible:
   * one row per part is as small as a split gets.
   */
  public static List<byte[]> encode(LayerResult result, int maxBytes) {
    MessageCodec<LayerResult> codec = Codecs.layerResult();
    byte[] whole = codec.encode(result);
    if (whole.length <= maxBytes) {
      return List.of(whole);
    }
    int rows = Math.max(result.dense().rows(), result.latents().rows().size());
    for (int parts = 2; ; parts++) {
      List<byte[]> encoded = new ArrayList<>(parts);
      boolean fits = true;
      for (LayerResult part : ResultParts.split(result, parts)) {
        byte[] bytes = codec.encode(part);
        fits &= bytes.length <= maxBytes;
        encoded.add(bytes);
      }
      if (fits || parts >= rows) {
        return encoded;
      }
    }
  }
}
