package dev.saescope.aggregator.stream;

import dev.saescope.aggregator.cards.CardCodec;
import dev.saescope.aggregator.cards.LatentBatch;
import dev.saescope.aggregator.stats.ItemKey;
import dev.saescope.schemas.LayerResult;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;

/**
 * Turns one finished task (its whole per-layer results, any order) into what the later stages keep:
 * the task's observation keyed by run id, and one latent batch per SAE result keyed by run and SAE.
 */
public final class TaskFinisher {
  /** Reduces a task's whole results to the observation bytes the analyses read. */
  @FunctionalInterface
  public interface Observer {
    byte[] observe(List<LayerResult> wholeResultsOfOneTask);
  }

  private final Observer observer;
  private final AggregatorMetrics metrics;

  public TaskFinisher(Observer observer, AggregatorMetrics metrics) {
    this.observer = observer;
    this.metrics = metrics;
  }

  /** Records to forward: key and enveloped value. */
  public List<KeyValue<String, byte[]>> finish(List<LayerResult> whole) {
    LayerResult first = whole.get(0);
    List<KeyValue<String, byte[]>> out = new ArrayList<>();
    byte[] obs;
    try {
      obs = observer.observe(whole);
    } catch (IllegalArgumentException e) {
      metrics.skipped("inconsistent");
      org.slf4j.LoggerFactory.getLogger(TaskFinisher.class)
          .warn("skipped task {} of run {}: {}", first.taskId(), first.runId(), e.getMessage());
      return out;
    }
    out.add(
        KeyValue.pair(
            first.runId(), Envelope.observation(ItemKey.of(first.itemId()), first.taskId(), obs)));
    for (LayerResult r : whole) {
      if (r.saeId() != null) {
        out.add(
            KeyValue.pair(
                StoreKeys.latentPrefix(r.runId(), r.saeId()),
                Envelope.latents(CardCodec.batch(LatentBatch.of(r)))));
      }
    }
    return out;
  }
}
