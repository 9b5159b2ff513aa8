package dev.saescope.aggregator.stream;

import dev.saescope.aggregator.cards.CardBytes;
import dev.saescope.aggregator.cards.CardCodec;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The latent-card stage, partitioned by run and SAE (one batch per result: partitioning by latent
 * would send one record per active latent, hundreds per result): merges each batch into the cards
 * of its latents and counts the positions the SAE read. Cards are merged as bytes ({@link
 * CardBytes}); the stores are cached ({@link AggregatorTopology}), so a card read and rewritten by
 * many results between two commits costs one changelog record, not one per result.
 */
final class CardCollector implements Processor<String, byte[], Void, Void> {
  private KeyValueStore<String, byte[]> cards;
  private KeyValueStore<String, String> saes;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    cards = context.getStateStore(AggregatorTopology.CARDS);
    saes = context.getStateStore(AggregatorTopology.SAES);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    CardCodec.BatchBytes b = CardCodec.batchBytes(Envelope.read(record.value()).payload());
    String prefix = StoreKeys.latentPrefix(b.runId(), b.saeId());
    for (byte[] c : b.cards()) {
      String key = prefix + StoreKeys.latentIndex(CardBytes.latent(c));
      byte[] old = cards.get(key);
      cards.put(key, old == null ? c : CardBytes.merge(old, c));
    }
    SaeTotals t = SaeTotals.parse(saes.get(prefix));
    saes.put(prefix, new SaeTotals(b.layer(), t.positions() + b.positions()).toString());
  }

  /** Per SAE in a run: its layer and the positions it encoded, as {@code "layer positions"}. */
  record SaeTotals(int layer, long positions) {
    static SaeTotals parse(String s) {
      if (s == null) {
        return new SaeTotals(-1, 0);
      }
      String[] f = s.split(" ");
      return new SaeTotals(Integer.parseInt(f[0]), Long.parseLong(f[1]));
    }

    @Override
    public String toString() {
      return layer + " " + positions;
    }
  }
}
