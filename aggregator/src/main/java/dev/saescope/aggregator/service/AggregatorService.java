package dev.saescope.aggregator.service;

import dev.saescope.aggregator.stream.AggregatorMetrics;
import dev.saescope.aggregator.stream.AggregatorTopology;
import dev.saescope.aggregator.stream.TaskFinisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One aggregator instance: the {@link AggregatorTopology} run by Kafka Streams with exactly-once
 * processing, its metrics, and the interactive queries the HTTP API answers from ({@link
 * RunQueries}). Instances with the same application id share the partitions; each restores the
 * stores of the partitions it is given from their changelog topics.
 */
public final class AggregatorService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AggregatorService.class);

  /** Largest value a store or internal topic must carry: a task observation with its vectors. */
  private static final int MAX_MESSAGE_BYTES = 8 << 20;

  private final AggregatorConfig config;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics streamsMetrics;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final CountDownLatch running = new CountDownLatch(1);

  private AggregatorService(AggregatorConfig config, KafkaStreams streams, KafkaStreamsMetrics m) {
    this.config = config;
    this.streams = streams;
    this.streamsMetrics = m;
  }

  /** Builds the topology and starts it; returns once Kafka Streams is running or has failed. */
  public static AggregatorService start(
      AggregatorConfig config,
      TaskFinisher.Observer observer,
      AggregatorMetrics metrics,
      MeterRegistry registry,
      String announcementsTopic,
      Duration startTimeout) {
    Topology topology =
        AggregatorTopology.build(
            config.kafka().topics(),
            new TaskFinisher(observer, metrics),
            metrics,
            config.idle(),
            announcementsTopic);
    KafkaStreams streams = new KafkaStreams(topology, properties(config));
    KafkaStreamsMetrics m = new KafkaStreamsMetrics(streams);
    m.bindTo(registry);
    AggregatorService s = new AggregatorService(config, streams, m);
    streams.setGlobalStateRestoreListener(restoreTimer(registry));
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error("aggregator stream thread failed; shutting down", e);
          s.failure.set(e);
          return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
              .StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.setStateListener(
        (now, before) -> {
          LOG.info("aggregator state {} -> {}", before, now);
          if (now == KafkaStreams.State.RUNNING || now == KafkaStreams.State.ERROR) {
            s.running.countDown();
          }
        });
    streams.start();
    try {
      if (!s.running.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "aggregator not running after {} s (still restoring or rebalancing)",
            startTimeout.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (streams.state() == KafkaStreams.State.ERROR) {
      s.close();
      throw new IllegalStateException("the aggregator failed to start: " + s.failure.get());
    }
    return s;
  }

  static Properties properties(AggregatorConfig config) {
    Properties p = config.kafka().client();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    // Each result counts once, even across crashes: state, outputs and offsets commit together.
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    // Interactive queries: other instances learn where a run's state lives from this address.
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.advertised());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
    // Cards are rewritten by every result that activates them: keep the hot ones in memory
    // between commits (the cache is flushed into the commit's transaction, so nothing is lost).
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, config.cacheBytes());
    // Under exactly-once a commit is a transaction and flushes the caches: every 100 ms (the EOS
    // default) is ten transactions a second, each writing every card rewritten since the last.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
    // What the topology writes (card changelogs above all: a hot card is rewritten every commit,
    // and its contexts repeat task and item ids; the latent batches between the stages) is lz4
    // compressed: measured 1.1-1.4x the results/s with the broker on the same two cores
    // (BENCHMARKS.md), and less for the brokers to store and replicate. Consumers decompress.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    // Observations keep float16 vectors; a task of a large model exceeds the 1 MiB defaults.
    p.put(StreamsConfig.topicPrefix(TopicConfig.MAX_MESSAGE_BYTES_CONFIG), MAX_MESSAGE_BYTES);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), MAX_MESSAGE_BYTES);
    // A whole result message is up to ~256 KiB; fetch several per partition per request.
    p.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG),
        MAX_MESSAGE_BYTES);
    // Read the results topic from its beginning the first time an application id starts.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    return p;
  }

  private static StateRestoreListener restoreTimer(MeterRegistry registry) {
    Timer restore =
        Timer.builder("saescope.aggregator.restore")
            .description("Time to restore one state store partition from its changelog")
            .register(registry);
    return new StateRestoreListener() {
      private final java.util.Map<TopicPartition, Long> started =
          new java.util.concurrent.ConcurrentHashMap<>();

      @Override
      public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
        started.put(tp, System.nanoTime());
      }

      @Override
      public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long n) {}

      @Override
      public void onRestoreEnd(TopicPartition tp, String store, long total) {
        Long t0 = started.remove(tp);
        if (t0 != null) {
          restore.record(Duration.ofNanos(System.nanoTime() - t0));
          LOG.info("restored {} ({} records) from {}", store, total, tp);
        }
      }
    };
  }

  /** The running Kafka Streams client (interactive queries). */
  public KafkaStreams streams() {
    return streams;
  }

  public AggregatorConfig config() {
    return config;
  }

  /**
   * Whether processing runs (false while starting, rebalancing only briefly, or after a failure).
   */
  public boolean healthy() {
    KafkaStreams.State s = streams.state();
    return s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING;
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    streamsMetrics.close();
  }
}
