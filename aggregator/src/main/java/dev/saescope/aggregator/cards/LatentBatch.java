package dev.saescope.aggregator.cards;

import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LayerResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The latent cards one whole result contributes: one partial card per latent active anywhere in the
 * task's text (its contexts limited to the {@link LatentCard#TOP} strongest), and the number of
 * positions the SAE read, for firing frequencies.
 *
 * @param runId the result's run
 * @param saeId the SAE
 * @param layer the SAE's layer
 * @param positions positions encoded by the SAE in this result
 * @param cards partial cards, by latent index
 */
public record LatentBatch(
    String runId, String saeId, int layer, long positions, List<LatentCard> cards) {
  public LatentBatch {
    cards = List.copyOf(cards);
  }

  /** The batch of a whole result; empty cards when the result has no SAE. */
  public static LatentBatch of(LayerResult r) {
    Map<Integer, List<LatentContext>> contexts = new TreeMap<>();
    Map<Integer, long[]> histograms = new TreeMap<>();
    Map<Integer, float[]> maxima = new TreeMap<>();
    Map<Integer, long[]> fires = new TreeMap<>();
    List<String> texts = r.tokens().texts();
    for (LatentRow row : r.latents().rows()) {
      int p = row.position();
      int from = Math.max(0, p - LatentContext.WINDOW);
      int to = Math.min(texts.size(), p + LatentContext.WINDOW + 1);
      for (int j = 0; j < row.indices().length; j++) {
        float v = row.values()[j];
        if (!(v > 0)) {
          continue; // stored zeros are not firings
        }
        int latent = row.indices()[j];
        contexts
            .computeIfAbsent(latent, k -> new ArrayList<>())
            .add(
                new LatentContext(v, r.taskId(), r.itemId(), p, texts.subList(from, to), p - from));
        histograms.computeIfAbsent(latent, k -> new long[Histogram.BINS])[Histogram.bin(v)]++;
        float[] m = maxima.computeIfAbsent(latent, k -> new float[1]);
        m[0] = Math.max(m[0], v);
        fires.computeIfAbsent(latent, k -> new long[1])[0]++;
      }
    }
    List<LatentCard> cards = new ArrayList<>(contexts.size());
    for (var e : contexts.entrySet()) {
      List<LatentContext> c = e.getValue();
      c.sort(LatentContext.STRONGEST_FIRST);
      int latent = e.getKey();
      cards.add(
          new LatentCard(
              latent,
              fires.get(latent)[0],
              maxima.get(latent)[0],
              c.subList(0, Math.min(LatentCard.TOP, c.size())),
              histograms.get(latent)));
    }
    String sae = r.saeId() == null ? "" : r.saeId();
    return new LatentBatch(r.runId(), sae, r.layer(), r.latents().rows().size(), cards);
  }
}
