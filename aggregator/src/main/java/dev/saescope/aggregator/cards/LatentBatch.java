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
    Map<Integer, Partial> byLatent = new TreeMap<>();
    for (LatentRow row : r.latents().rows()) {
      for (int j = 0; j < row.indices().length; j++) {
        float v = row.values()[j];
        if (v > 0) { // stored zeros are not firings
          byLatent
              .computeIfAbsent(row.indices()[j], k -> new Partial())
              .add(new LatentContext(v, r.taskId(), r.itemId(), row.position()));
        }
      }
    }
    List<LatentCard> cards = new ArrayList<>(byLatent.size());
    byLatent.forEach((latent, p) -> cards.add(p.card(latent)));
    String sae = r.saeId() == null ? "" : r.saeId();
    return new LatentBatch(r.runId(), sae, r.layer(), r.latents().rows().size(), cards);
  }

  /** One latent's firings in one result. */
  private static final class Partial {
    private final List<LatentContext> contexts = new ArrayList<>();
    private final long[] histogram = new long[Histogram.BINS];
    private float max;

    void add(LatentContext c) {
      contexts.add(c);
      histogram[Histogram.bin(c.value())]++;
      max = Math.max(max, c.value());
    }

    LatentCard card(int latent) {
      contexts.sort(LatentContext.STRONGEST_FIRST);
      List<LatentContext> top = contexts.subList(0, Math.min(LatentCard.TOP, contexts.size()));
      return new LatentCard(latent, contexts.size(), max, top, histogram);
    }
  }
}
