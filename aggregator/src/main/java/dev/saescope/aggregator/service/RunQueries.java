package dev.saescope.aggregator.service;

import dev.saescope.aggregator.cards.CardCodec;
import dev.saescope.aggregator.cards.LatentCard;
import dev.saescope.aggregator.stream.AggregatorTopology;
import dev.saescope.aggregator.stream.StoreKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries on this instance's stores. A run's observations and cards live on the
 * instance that owns the run's partition ({@link #owner}); the HTTP layer sends other requests
 * there. Store reads throw {@link org.apache.kafka.streams.errors.InvalidStateStoreException} while
 * a rebalance moves the store: callers answer "try again".
 */
public final class RunQueries {
  private final KafkaStreams streams;

  public RunQueries(KafkaStreams streams) {
    this.streams = streams;
  }

  /** Runs with observations on this instance, and announced runs, sorted by id. */
  public List<String> runs() {
    TreeSet<String> out = new TreeSet<>();
    try (KeyValueIterator<String, Long> it =
        store(AggregatorTopology.RUN_TASKS, Long.class).all()) {
      it.forEachRemaining(kv -> out.add(kv.key));
    }
    announcements().keySet().forEach(out::add);
    return List.copyOf(out);
  }

  /** Tasks observed in {@code run} on this instance (0 when it is not here). */
  public long tasksDone(String run) {
    Long n = store(AggregatorTopology.RUN_TASKS, Long.class).get(run);
    return n == null ? 0 : n;
  }

  /** The run's observation bytes in (item key, task id) order: the analyses' input. */
  public List<byte[]> observations(String run) {
    List<byte[]> out = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it =
        store(AggregatorTopology.OBSERVATIONS, byte[].class)
            .prefixScan(StoreKeys.runPrefix(run), new StringSerializer())) {
      it.forEachRemaining(kv -> out.add(kv.value));
    }
    return out;
  }

  /** The observation bytes of one item of {@code run}, by task id (a prefix scan, not the run). */
  public List<byte[]> itemObservations(String run, String itemId) {
    List<byte[]> out = new ArrayList<>();
    String prefix =
        StoreKeys.observation(run, dev.saescope.aggregator.stats.ItemKey.of(itemId), "");
    try (KeyValueIterator<String, byte[]> it =
        store(AggregatorTopology.OBSERVATIONS, byte[].class)
            .prefixScan(prefix, new StringSerializer())) {
      it.forEachRemaining(kv -> out.add(kv.value));
    }
    return out;
  }

  /** One latent's card, or empty when it never fired in the run. */
  public Optional<LatentCard> card(String run, String saeId, int latent) {
    byte[] b =
        store(AggregatorTopology.CARDS, byte[].class).get(StoreKeys.latent(run, saeId, latent));
    return Optional.ofNullable(b).map(CardCodec::card);
  }

  /** Every card of one SAE in a run, by latent index. */
  public List<LatentCard> cards(String run, String saeId) {
    List<LatentCard> out = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it =
        store(AggregatorTopology.CARDS, byte[].class)
            .prefixScan(StoreKeys.latentPrefix(run, saeId), new StringSerializer())) {
      it.forEachRemaining(kv -> out.add(CardCodec.card(kv.value)));
    }
    return out;
  }

  /**
   * The SAEs seen in a run: id, layer and positions encoded.
   *
   * @return by SAE id
   */
  public TreeMap<String, long[]> saes(String run) {
    TreeMap<String, long[]> out = new TreeMap<>();
    String prefix = StoreKeys.runPrefix(run);
    try (KeyValueIterator<String, String> it =
        store(AggregatorTopology.SAES, String.class).prefixScan(prefix, new StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, String> kv = it.next();
        String sae = kv.key.substring(prefix.length(), kv.key.length() - 1);
        String[] f = kv.value.split(" ");
        out.put(sae, new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
      }
    }
    return out;
  }

  /** Announcement bytes by run id (a global table: every instance has all). */
  public TreeMap<String, byte[]> announcements() {
    TreeMap<String, byte[]> out = new TreeMap<>();
    try {
      try (KeyValueIterator<String, byte[]> it =
          store(AggregatorTopology.ANNOUNCEMENTS, byte[].class).all()) {
        it.forEachRemaining(kv -> out.put(kv.key, kv.value));
      }
    } catch (org.apache.kafka.streams.errors.UnknownStateStoreException e) {
      // started without an announcements topic
    }
    return out;
  }

  /** One run's announcement bytes, or empty when it was never announced (a point read). */
  public Optional<byte[]> announcement(String run) {
    try {
      return Optional.ofNullable(store(AggregatorTopology.ANNOUNCEMENTS, byte[].class).get(run));
    } catch (org.apache.kafka.streams.errors.UnknownStateStoreException e) {
      return Optional.empty(); // started without an announcements topic
    }
  }

  /** Latent-info messages (logit effects) by key (a global table). */
  public List<byte[]> latentInfo() {
    List<byte[]> out = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it =
        store(AggregatorTopology.LATENT_INFO, byte[].class).all()) {
      it.forEachRemaining(kv -> out.add(kv.value));
    }
    return out;
  }

  /** The instance that holds {@code run}'s observations, or empty while unknown. */
  public Optional<HostInfo> owner(String run) {
    KeyQueryMetadata m =
        streams.queryMetadataForKey(
            AggregatorTopology.OBSERVATIONS, run, Serdes.String().serializer());
    if (m == null || m == KeyQueryMetadata.NOT_AVAILABLE) {
      return Optional.empty();
    }
    return Optional.of(m.activeHost());
  }

  @SuppressWarnings("unchecked")
  private <V> ReadOnlyKeyValueStore<String, V> store(String name, Class<V> values) {
    return (ReadOnlyKeyValueStore<String, V>)
        (ReadOnlyKeyValueStore<String, ?>)
            streams.store(
                StoreQueryParameters.fromNameAndType(
                    name, QueryableStoreTypes.<String, Object>keyValueStore()));
  }
}
