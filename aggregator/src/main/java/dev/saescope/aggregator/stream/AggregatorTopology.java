package dev.saescope.aggregator.stream;

import dev.saescope.schemas.Topics;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The aggregator's Kafka Streams topology. Three stages, each scaled by its own partitions:
 *
 * <ol>
 *   <li>by item ({@code results} is keyed by item id): {@link TaskIntake} joins parts, waits for a
 *       task's layers, remembers finished tasks and reduces each to an observation and latent
 *       batches ({@link TaskFinisher});
 *   <li>by run ({@code observations-by-run}): {@link RunCollector} keeps each run's observations in
 *       item-key order, which is the order the analyses read them in;
 *   <li>by run and SAE ({@code latents-by-sae}): {@link CardCollector} merges latent cards.
 * </ol>
 *
 * Latent logit effects ({@code latent-info}) and run announcements are global tables: small, read
 * by every instance. Every store has a changelog topic, so a restarted or moved instance restores
 * its state from Kafka; the application runs with exactly-once processing ({@code
 * AggregatorService}). Stores that are rewritten often sit behind Kafka Streams' record cache,
 * which is flushed to RocksDB and the changelog at every commit, inside the commit's transaction.
 */
public final class AggregatorTopology {
  public static final String PARTS = "result-parts";
  public static final String ACTIVE = "tasks-active";
  public static final String DONE = "tasks-done";
  public static final String OBSERVATIONS = "run-observations";
  public static final String RUN_TASKS = "run-tasks";
  public static final String CARDS = "latent-cards";
  public static final String SAES = "run-saes";

  /** The stores whose size the aggregator reports (the global tables are inputs). */
  public static final List<String> STORES =
      List.of(PARTS, ACTIVE, DONE, OBSERVATIONS, RUN_TASKS, CARDS, SAES);

  public static final String LATENT_INFO = "latent-info";
  public static final String ANNOUNCEMENTS = "run-announcements";

  private AggregatorTopology() {}

  /**
   * The topology.
   *
   * @param idle how long a task waits without new parts before it counts as complete
   * @param announcements the topic of run announcements, or null when the producer sends none
   */
  public static Topology build(
      Topics topics,
      TaskFinisher finisher,
      AggregatorMetrics metrics,
      Duration idle,
      String announcements) {
    StreamsBuilder b = new StreamsBuilder();
    // Cached: a part is deleted moments after it is put and a task's timestamp rewritten per part,
    // so most never reach RocksDB or the changelog; only what is left at a commit is written.
    b.addStateStore(store(PARTS, Serdes.ByteArray()).withCachingEnabled());
    b.addStateStore(store(ACTIVE, Serdes.Long()).withCachingEnabled());
    b.addStateStore(store(DONE, Serdes.Long()).withCachingEnabled());
    // Not cached: each observation is written once, and large; caching it would only push cards
    // out of the cache.
    b.addStateStore(store(OBSERVATIONS, Serdes.ByteArray()));
    b.addStateStore(store(RUN_TASKS, Serdes.Long()).withCachingEnabled());
    // Cached: every result rewrites one card per active latent; between two commits a card is
    // read from and written to memory, and its changelog gets the last version only.
    b.addStateStore(store(CARDS, Serdes.ByteArray()).withCachingEnabled());
    b.addStateStore(store(SAES, Serdes.String()).withCachingEnabled());

    KStream<String, byte[]> finished =
        b.stream(
                topics.results(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("results"))
            .process(
                () -> new TaskIntake(finisher, metrics, idle),
                Named.as("task-intake"),
                PARTS,
                ACTIVE,
                DONE);
    finished
        .filter((k, v) -> Envelope.kindOf(v) == Envelope.OBSERVATION, Named.as("observations"))
        .repartition(repartitioned("observations-by-run"))
        .process(
            () -> new RunCollector(metrics), Named.as("run-collector"), OBSERVATIONS, RUN_TASKS);
    finished
        .filter((k, v) -> Envelope.kindOf(v) == Envelope.LATENTS, Named.as("latent-batches"))
        .repartition(repartitioned("latents-by-sae"))
        .process(CardCollector::new, Named.as("card-collector"), CARDS, SAES);

    b.globalTable(
        topics.latentInfo(),
        Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("latent-info-source"),
        Materialized.<String, byte[], KeyValueStore<Bytes, byte[]>>as(LATENT_INFO)
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.ByteArray()));
    if (announcements != null) {
      b.globalTable(
          announcements,
          Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("announcements-source"),
          Materialized.<String, byte[], KeyValueStore<Bytes, byte[]>>as(ANNOUNCEMENTS)
              .withKeySerde(Serdes.String())
              .withValueSerde(Serdes.ByteArray()));
    }
    return b.build();
  }

  private static <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<V> values) {
    return Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(name), Serdes.String(), values);
  }

  private static Repartitioned<String, byte[]> repartitioned(String name) {
    return Repartitioned.<String, byte[]>as(name)
        .withKeySerde(Serdes.String())
        .withValueSerde(Serdes.ByteArray());
  }
}
