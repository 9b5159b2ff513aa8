package dev.saescope.worker.service;

import dev.saescope.schemas.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The worker's meters. Names are the contract with {@code monitoring/}: the Grafana dashboard's
 * queries name them (Prometheus adds {@code _total}, {@code _seconds} and the like), and a test
 * checks every query against what this registry exports. Tags: role and worker id, never per item.
 */
public final class WorkerMetrics {
  private final Counter tasks;
  private final Counter tokens;
  private final Counter results;
  private final Counter transactionsAborted;
  private final Map<DeadLetterReason, Counter> deadLetters = new EnumMap<>(DeadLetterReason.class);
  private final DistributionSummary batchTasks;
  private final DistributionSummary batchTokens;
  private final Timer batchLatency;
  private final Timer computeLatency;
  private final Timer taskLatency;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger stuck = new AtomicInteger();
  private final MeterRegistry registry;

  public WorkerMetrics(MeterRegistry registry, String workerId) {
    this.registry = registry;
    Tags tags = Tags.of("role", "worker", "worker", workerId);
    io.micrometer.core.instrument.Gauge.builder("saescope.worker.stuck", stuck, AtomicInteger::get)
        .description("1 while the worker retries a batch that keeps failing (no progress)")
        .tags(tags)
        .register(registry);
    tasks =
        Counter.builder("saescope.worker.tasks")
            .description("Tasks computed")
            .tags(tags)
            .register(registry);
    tokens =
        Counter.builder("saescope.worker.tokens")
            .description("Tokens run through the model")
            .tags(tags)
            .register(registry);
    results =
        Counter.builder("saescope.worker.results")
            .description("Result messages committed")
            .tags(tags)
            .register(registry);
    transactionsAborted =
        Counter.builder("saescope.worker.transactions.aborted")
            .description("Transactions aborted and retried")
            .tags(tags)
            .register(registry);
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      deadLetters.put(
          reason,
          Counter.builder("saescope.worker.dead.letters")
              .description("Messages sent to the dead-letter topic")
              .tags(tags.and("reason", reason.name()))
              .register(registry));
    }
    batchTasks =
        DistributionSummary.builder("saescope.worker.batch.tasks")
            .description("Tasks per micro-batch")
            .publishPercentileHistogram()
            .minimumExpectedValue(1.0)
            .maximumExpectedValue(
                1024.0) // bounds the histogram's buckets; --max-batch-tasks is far below
            .tags(tags)
            .register(registry);
    batchTokens =
        DistributionSummary.builder("saescope.worker.batch.tokens")
            .description("Tokens per micro-batch")
            .publishPercentileHistogram()
            .minimumExpectedValue(1.0)
            .maximumExpectedValue(65536.0)
            .tags(tags)
            .register(registry);
    batchLatency =
        timer(registry, "saescope.worker.batch.latency", "Micro-batch time, poll to commit", tags);
    computeLatency =
        timer(registry, "saescope.worker.compute.latency", "Model and SAE time per batch", tags);
    taskLatency =
        timer(registry, "saescope.worker.task.latency", "Task creation to result commit", tags);
    Gauge.builder("saescope.worker.pending.tasks", pending, AtomicInteger::get)
        .description("Tasks polled and waiting for a batch")
        .tags(tags)
        .register(registry);
    Gauge.builder("saescope.process.resident.memory", WorkerMetrics::residentBytes)
        .description("Resident set size: JVM heap plus native (PyTorch) memory")
        .baseUnit("bytes")
        .tags(tags)
        .register(registry);
  }

  private static Timer timer(MeterRegistry registry, String name, String description, Tags tags) {
    return Timer.builder(name)
        .description(description)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(5))
        .tags(tags)
        .register(registry);
  }

  /**
   * Exports the Kafka clients' own metrics (consumer lag as {@code
   * kafka_consumer_fetch_manager_records_lag_max}, request rates, ...) until the returned handle is
   * closed.
   */
  AutoCloseable bindClients(Consumer<?, ?> consumer, Producer<?, ?> producer) {
    KafkaClientMetrics c = new KafkaClientMetrics(consumer);
    KafkaClientMetrics p = new KafkaClientMetrics(producer);
    c.bindTo(registry);
    p.bindTo(registry);
    return () -> {
      c.close();
      p.close();
    };
  }

  void batch(int taskCount, int tokenCount, Duration total, Duration compute) {
    tasks.increment(taskCount);
    tokens.increment(tokenCount);
    batchTasks.record(taskCount);
    batchTokens.record(tokenCount);
    batchLatency.record(total);
    computeLatency.record(compute);
  }

  void resultsCommitted(int count) {
    results.increment(count);
  }

  void taskDone(long createdAtMs, long nowMs) {
    if (createdAtMs > 0 && nowMs >= createdAtMs) {
      taskLatency.record(Duration.ofMillis(nowMs - createdAtMs));
    }
  }

  void deadLetter(DeadLetterReason reason) {
    deadLetters.get(reason).increment();
  }

  /** 1 while the batch in flight keeps failing (see WorkerLoop#stuck), else 0. */
  void stuck(boolean yes) {
    stuck.set(yes ? 1 : 0);
  }

  void aborted() {
    transactionsAborted.increment();
  }

  void pending(int count) {
    pending.set(count);
  }

  /** VmRSS from /proc/self/status, or NaN where there is no procfs. */
  static double residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: report nothing rather than a wrong number
    }
    return Double.NaN;
  }
}
