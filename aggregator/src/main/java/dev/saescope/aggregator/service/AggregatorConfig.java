package dev.saescope.aggregator.service;

import dev.saescope.common.kafka.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How one aggregator instance runs.
 *
 * @param kafka cluster, client properties and topic names
 * @param stateDir where Kafka Streams keeps its local stores (restored from changelogs if lost)
 * @param advertised {@code host:port} other instances reach this one's HTTP API at
 * @param idle how long a task waits without new parts before it counts as complete
 * @param threads stream threads of this instance
 * @param cacheBytes Kafka Streams' record cache, shared by the threads: hot latent cards are read
 *     and rewritten there between commits instead of in RocksDB and the changelog
 * @param commitInterval how often state, outputs and offsets commit, one transaction each: every
 *     commit writes each card rewritten since the last to RocksDB and the changelog, and a stage
 *     sees what the one before it forwarded only once that has committed
 */
public record AggregatorConfig(
    KafkaSettings kafka,
    Path stateDir,
    String advertised,
    Duration idle,
    int threads,
    long cacheBytes,
    Duration commitInterval) {
  /**
   * Record cache of one instance: all cards of a run of Gemma 3 270M with an SAE at each of its 18
   * layers (18 x 2,048 latents; {@code bench aggregate} at that shape: 31-56 MB of state, under 1
   * KB a card) with room to spare; Kafka's default of 10 MB holds a fraction of them.
   */
  public static final long DEFAULT_CACHE_BYTES = 128L << 20;

  /**
   * One commit a second: a task reaches the run's summary within about two (intake, then the run
   * stage). Longer intervals write hot cards less often (BENCHMARKS.md, "Aggregator").
   */
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);

  public AggregatorConfig {
    if (cacheBytes < 0) {
      throw new IllegalArgumentException(
          "--cache-mb must be at least 0 (0 turns the record cache off), got "
              + (cacheBytes >> 20));
    }
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
    }
    if (commitInterval.toMillis() < 1) {
      throw new IllegalArgumentException(
          "--commit-interval-ms must be at least 1, got " + commitInterval.toMillis());
    }
    if (idle.isNegative() || idle.isZero()) {
      throw new IllegalArgumentException("the task idle time must be positive, got " + idle);
    }
    if (!advertised.matches("[^:]+:\\d{1,5}")) {
      throw new IllegalArgumentException("advertised address must be host:port, got " + advertised);
    }
  }

  /** With the {@link #DEFAULT_COMMIT_INTERVAL default commit interval}. */
  public AggregatorConfig(
      KafkaSettings kafka,
      Path stateDir,
      String advertised,
      Duration idle,
      int threads,
      long cacheBytes) {
    this(kafka, stateDir, advertised, idle, threads, cacheBytes, DEFAULT_COMMIT_INTERVAL);
  }

  /** With the {@link #DEFAULT_CACHE_BYTES default record cache} and commit interval. */
  public AggregatorConfig(
      KafkaSettings kafka, Path stateDir, String advertised, Duration idle, int threads) {
    this(kafka, stateDir, advertised, idle, threads, DEFAULT_CACHE_BYTES);
  }

  /**
   * The Kafka Streams application id: one per topic prefix, so teams sharing a cluster stay apart.
   */
  public String applicationId() {
    return kafka.topics().prefix() + "aggregator";
  }
}
