package dev.saescope.aggregator.stream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * The aggregator's own meters (Kafka Streams' client metrics are bound beside them): results
 * consumed, tasks completed, skipped input by reason, processing latency, the observations kept and
 * the entries of each state store ({@link #bindStores}).
 */
public final class AggregatorMetrics {
  private final MeterRegistry registry;
  private final Counter results;
  private final Counter resultBytes;
  private final Counter duplicates;
  private final Counter observations;
  private final Counter tasksCompleted;
  private final Timer latency;
  private final ConcurrentMap<String, Counter> skipped = new ConcurrentHashMap<>();

  public AggregatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.results =
        Counter.builder("saescope.aggregator.results")
            .description("Result messages consumed (parts count one each)")
            .register(registry);
    this.resultBytes =
        Counter.builder("saescope.aggregator.result.bytes")
            .description("Bytes of result messages consumed")
            .baseUnit("bytes")
            .register(registry);
    this.duplicates =
        Counter.builder("saescope.aggregator.duplicates")
            .description(
                "Whole results seen before (same run, task, layer, site), not counted again")
            .register(registry);
    this.observations =
        Counter.builder("saescope.aggregator.observations")
            .description("Task observations written to the per-run state")
            .register(registry);
    this.tasksCompleted =
        Counter.builder("saescope.aggregator.tasks.completed")
            .description("Tasks whose results were all joined (or that went idle) and finished")
            .register(registry);
    this.latency =
        Timer.builder("saescope.aggregator.latency")
            .description("From a result's production by the worker to its processing here")
            .publishPercentiles(0.5, 0.95, 0.99)
            .register(registry);
  }

  /** A registry that keeps nothing (offline analysis, tests). */
  public static AggregatorMetrics none() {
    return new AggregatorMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  void result(int bytes, long producedAtMs) {
    results.increment();
    resultBytes.increment(bytes);
    long ms = System.currentTimeMillis() - producedAtMs;
    if (producedAtMs > 0 && ms >= 0) {
      latency.record(java.time.Duration.ofMillis(ms));
    }
  }

  void duplicate() {
    duplicates.increment();
  }

  void observation() {
    observations.increment();
  }

  void taskCompleted() {
    tasksCompleted.increment();
  }

  /** Input skipped for {@code reason} (undecodable, inconsistent, incomplete, unknown run ...). */
  public void skipped(String reason) {
    skipped
        .computeIfAbsent(
            reason,
            r ->
                Counter.builder("saescope.aggregator.skipped")
                    .description("Input the aggregator skipped, by reason")
                    .tag("reason", r)
                    .register(registry))
        .increment();
  }

  /**
   * Gauges of the entries each named store holds on this instance ({@code
   * saescope.aggregator.store.entries}, tag {@code store}); RocksDB's estimate, NaN while the store
   * is not queryable (starting, rebalancing, restoring).
   */
  public void bindStores(KafkaStreams streams, Collection<String> stores) {
    for (String name : stores) {
      Gauge.builder("saescope.aggregator.store.entries", () -> entries(streams, name))
          .description("Entries of a state store on this instance (estimate)")
          .tag("store", name)
          .register(registry);
    }
  }

  /** The value of the entries gauge of {@code store}, NaN when not bound or not queryable. */
  public double storeEntries(String store) {
    Gauge g = registry.find("saescope.aggregator.store.entries").tag("store", store).gauge();
    return g == null ? Double.NaN : g.value();
  }

  private static double entries(KafkaStreams streams, String name) {
    try {
      return streams
          .store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()))
          .approximateNumEntries();
    } catch (InvalidStateStoreException e) {
      return Double.NaN;
    }
  }

  /** Count of input skipped for {@code reason} so far. */
  public double skippedCount(String reason) {
    Counter c = skipped.get(reason);
    return c == null ? 0 : c.count();
  }
}
