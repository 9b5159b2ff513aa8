package dev.saescope.aggregator.bench;

import dev.saescope.aggregator.observe.ObservationOptions;
import dev.saescope.aggregator.observe.TaskObservations;
import dev.saescope.aggregator.service.AggregatorConfig;
import dev.saescope.aggregator.service.AggregatorService;
import dev.saescope.aggregator.stream.AggregatorMetrics;
import dev.saescope.aggregator.stream.AggregatorTopology;
import dev.saescope.aggregator.stream.StoreKeys;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.Topics;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.ResultMessages;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * One size of {@code bench aggregate}: the run's results pre-loaded into the results topic, then
 * one aggregator instance (the real topology, exactly-once, one stream thread) timed from its first
 * consumed result until it has observed every task and merged every result's latents into the
 * cards; and the same tasks reduced in-process by {@link TaskObservations} on one thread, the cost
 * the topology adds Kafka, state and (de)serialization to.
 */
public final class AggregatorBench {
  private static final List<String> STORES = AggregatorTopology.STORES;

  /** Results are written whole when under this, as the worker does (it splits larger ones). */
  private static final int MAX_MESSAGE_BYTES = 1 << 20;

  private static final long SEED = 17;
  private static final int PARTITIONS = 4;
  private static final Duration BENCH_IDLE = Duration.ofSeconds(60);

  private final KafkaSettings kafka;
  private final Path stateRoot;
  private final Duration timeout;
  private final long cacheBytes;
  private final Duration commitInterval;

  /**
   * @param kafka the broker (its topic prefix is replaced per size)
   * @param stateRoot where each size's aggregator keeps its stores
   * @param timeout longest wait for one size's run to be observed
   * @param cacheBytes the aggregator's record cache
   * @param commitInterval the aggregator's commit interval
   */
  public AggregatorBench(
      KafkaSettings kafka,
      Path stateRoot,
      Duration timeout,
      long cacheBytes,
      Duration commitInterval) {
    this.kafka = kafka;
    this.stateRoot = stateRoot;
    this.timeout = timeout;
    this.cacheBytes = cacheBytes;
    this.commitInterval = commitInterval;
  }

  /**
   * Measures one size; {@code label} names its topics and state.
   *
   * @throws TimeoutException when the aggregator has not observed every task within the timeout
   */
  public BenchFigures measure(String label, BenchShape shape) throws Exception {
    String run = "bench-" + label;
    List<List<LayerResult>> tasks = SyntheticResults.tasks(run, shape, SEED);
    double nsPerResult = observeInProcess(tasks, shape.results());
    KafkaSettings sized = kafka.withTopics(new Topics("bench-aggregate-" + label + "."));
    TopicAdmin.ensureTopics(
        sized, TopicSpec.standard(sized.topics(), PARTITIONS, TopicSpec.BROKER_DEFAULT));
    long bytes = publish(sized, run, shape, tasks);
    tasks = null; // the run's results can be large; the stream phase needs only their count
    // Results v3 complete a task without the idle fallback (for workers before v3, and parts that
    // never come), so it is set out of the way: under load a commit or a slow record can pause the
    // stream thread between two layers of a task for longer than a short idle time, which then
    // finishes the task early and drops its late layers as duplicates.
    AggregatorConfig config =
        new AggregatorConfig(
            sized,
            stateRoot.resolve(label),
            "127.0.0.1:1",
            BENCH_IDLE,
            1,
            cacheBytes,
            commitInterval);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AggregatorMetrics metrics = new AggregatorMetrics(registry);
    try (AggregatorService service =
        AggregatorService.start(
            config,
            results -> TaskObservations.of(results, ObservationOptions.DEFAULT).toBytes(),
            metrics,
            registry,
            sized.topics().runs(),
            timeout)) {
      metrics.bindStores(service.streams(), STORES);
      Counter consumed = registry.find("saescope.aggregator.results").counter();
      long deadline = System.nanoTime() + timeout.toNanos();
      long first = 0;
      long positions = shape.saeResults() * shape.positions();
      while (runTasks(service.streams(), run) < shape.tasks()
          || saePositions(service.streams(), run) < positions) {
        long now = System.nanoTime();
        if (first == 0 && consumed != null && consumed.count() > 0) {
          first = now;
        }
        if (now > deadline) {
          throw new TimeoutException(
              "aggregator collected "
                  + runTasks(service.streams(), run)
                  + " of "
                  + shape.tasks()
                  + " tasks and merged "
                  + saePositions(service.streams(), run)
                  + " of "
                  + positions
                  + " positions' latents of size "
                  + label
                  + " within "
                  + timeout.toSeconds()
                  + " s (state "
                  + service.streams().state()
                  + ")");
        }
        Thread.sleep(2);
      }
      long streamMs = (System.nanoTime() - first) / 1_000_000;
      long[] state = settledStateSize(service.streams());
      return new BenchFigures(
          shape,
          shape.results(),
          bytes,
          nsPerResult,
          streamMs,
          state[0],
          state[1],
          Runtime.getRuntime().availableProcessors());
    }
  }

  /**
   * Best pass of at least three and at least a second in all (the first ones warm the JIT), ns per
   * result on this thread.
   */
  static double observeInProcess(List<List<LayerResult>> tasks, long results) {
    long best = Long.MAX_VALUE;
    long sink = 0;
    long until = System.nanoTime() + 1_000_000_000L;
    for (int pass = 0; pass < 3 || System.nanoTime() < until; pass++) {
      long t0 = System.nanoTime();
      for (List<LayerResult> task : tasks) {
        sink += TaskObservations.of(task, ObservationOptions.DEFAULT).toBytes().length;
      }
      best = Math.min(best, System.nanoTime() - t0);
    }
    if (sink == 0) {
      throw new IllegalStateException("the reduction produced no observation bytes");
    }
    return (double) best / results;
  }

  /** The announcement and every result, whole or in parts as the worker writes them; the bytes. */
  private static long publish(
      KafkaSettings kafka, String run, BenchShape shape, List<List<LayerResult>> tasks) {
    Properties p = kafka.client();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // Whole results up to 1 MiB go in one record, as the worker's do.
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * MAX_MESSAGE_BYTES);
    // Loading is not what is measured: batch generously.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
    long bytes = 0;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      producer.send(
          new ProducerRecord<>(
              kafka.topics().runs(),
              run,
              Codecs.runAnnouncement()
                  .encode(
                      new RunAnnouncement(
                          run, "synthetic", SEED, shape.items(), shape.tasks(), false, 1L))));
      for (List<LayerResult> task : tasks) {
        for (LayerResult r : task) {
          for (byte[] part : ResultMessages.encode(r, MAX_MESSAGE_BYTES)) {
            bytes += part.length;
            producer.send(new ProducerRecord<>(kafka.topics().results(), r.itemId(), part));
          }
        }
      }
      producer.flush();
    }
    return bytes;
  }

  /** Tasks the run collector has counted for {@code run}, 0 while its store is not queryable. */
  private static long runTasks(KafkaStreams streams, String run) {
    try {
      ReadOnlyKeyValueStore<String, Long> store =
          streams.store(
              StoreQueryParameters.fromNameAndType(
                  AggregatorTopology.RUN_TASKS, QueryableStoreTypes.keyValueStore()));
      Long n = store.get(run);
      return n == null ? 0 : n;
    } catch (InvalidStateStoreException e) {
      return 0;
    }
  }

  /** Positions whose latents the card stage has merged for {@code run}, over all its SAEs. */
  private static long saePositions(KafkaStreams streams, String run) {
    try {
      ReadOnlyKeyValueStore<String, String> store =
          streams.store(
              StoreQueryParameters.fromNameAndType(
                  AggregatorTopology.SAES, QueryableStoreTypes.keyValueStore()));
      long n = 0;
      try (KeyValueIterator<String, String> it =
          store.prefixScan(StoreKeys.runPrefix(run), new StringSerializer())) {
        while (it.hasNext()) {
          n += Long.parseLong(it.next().value.split(" ")[1]); // "layer positions"
        }
      }
      return n;
    } catch (InvalidStateStoreException e) {
      return 0;
    }
  }

  /**
   * The state's size once two scans 300 ms apart agree: the card collector reads its own
   * repartition topic and may finish after the run collector.
   */
  private static long[] settledStateSize(KafkaStreams streams) throws InterruptedException {
    long[] before = stateSize(streams);
    for (int i = 0; i < 20; i++) {
      Thread.sleep(300);
      long[] now = stateSize(streams);
      if (now[0] == before[0] && now[1] == before[1]) {
        return now;
      }
      before = now;
    }
    return before;
  }

  /** Entries and bytes of the topology's stores on this instance, counted by a full scan. */
  private static long[] stateSize(KafkaStreams streams) {
    long entries = 0;
    long bytes = 0;
    for (String name : STORES) {
      ReadOnlyKeyValueStore<String, Object> store =
          streams.store(
              StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()));
      try (KeyValueIterator<String, Object> it = store.all()) {
        while (it.hasNext()) {
          KeyValue<String, Object> kv = it.next();
          entries++;
          bytes += kv.key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + size(kv.value);
        }
      }
    }
    return new long[] {entries, bytes};
  }

  private static long size(Object value) {
    return switch (value) {
      case byte[] b -> b.length;
      case Bytes b -> b.get().length;
      case String s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      case Long l -> Long.BYTES;
      default -> 0;
    };
  }
}
