package dev.saescope.worker.service;

import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Topics;
import dev.saescope.schemas.serde.ResultMessages;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consume-transform-produce loop (after Kafka's {@code examples/ExactlyOnceMessageProcessor}):
 * poll tasks into a {@link TaskQueue} (each checked once), take a micro-batch by token budget,
 * compute it with a {@link BatchRunner}, then publish the results, the dead letters and the batch's
 * offsets in one transaction.
 *
 * <p>Failures are sorted three ways. Poison (undecodable bytes, empty or over-long text, an unknown
 * SAE) goes to the dead-letter topic inside the same transaction, so it is skipped exactly once.
 * Transient (a broker gone for a while, a rebalance during commit) aborts the transaction, rewinds
 * the consumer to the batch's first offsets and retries with backoff. Fatal (fenced by another
 * producer with our transactional id, authorization) ends {@link #run()} with an exception.
 *
 * <p>Everything runs on one thread. Rebalance callbacks run inside {@code poll()}, never during a
 * batch, so a revoked partition's batch is always finished and committed first; tasks polled but
 * not yet batched from a revoked partition are dropped, and the new owner re-reads them from the
 * committed offset.
 */
public final class WorkerLoop implements Runnable {
  /** Failed attempts in a row after which the worker reports that it makes no progress. */
  static final int STUCK_AFTER = 3;

  private volatile int failedAttempts;

  private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final KafkaSettings kafka;
  private final WorkerSettings settings;
  private final TaskProcessor<?> processor;
  private final WorkerMetrics metrics;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile KafkaConsumer<String, byte[]> consumer;
  private AutoCloseable clientMetrics;
  private volatile boolean assigned;

  public WorkerLoop(
      KafkaSettings kafka,
      WorkerSettings settings,
      TaskProcessor<?> processor,
      WorkerMetrics metrics) {
    this.kafka = kafka;
    this.settings = settings;
    this.processor = processor;
    this.metrics = metrics;
  }

  /** Consumer settings of the worker pool (see {@link Consumers#groupSettings}). */
  Properties consumerProperties() {
    Properties overrides = new Properties();
    // Tasks of one poll must fit one loop iteration well inside max.poll.interval.ms; the token
    // budget decides the batch, so a few dozen records per poll are plenty.
    overrides.setProperty(
        "max.poll.records", String.valueOf(Math.max(16, settings.maxBatchTasks())));
    // A static member id would delay reassignment of a killed worker's partitions until its session
    // times out; dynamic membership plus a short session lets others take over within seconds.
    overrides.setProperty("session.timeout.ms", "10000");
    overrides.setProperty("heartbeat.interval.ms", "2000");
    // One batch of a big model on CPU can take minutes; rebalances must not evict a busy worker.
    overrides.setProperty("max.poll.interval.ms", "600000");
    return Consumers.groupSettings(kafka, settings.groupId(), overrides);
  }

  /** Producer settings: transactional, idempotent, with our id so a restart fences a zombie. */
  Properties producerProperties() {
    Properties p = kafka.client();
    p.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
    // Required by transactions; stated so that a user's properties file cannot turn it off.
    p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
    // A killed worker's open transaction blocks read_committed readers until it times out; keep
    // that window short, but longer than the slowest batch plus commit.
    p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
    // Results are up to 256 KiB each: batch them, and compress the float bytes a little.
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(1024 * 1024));
    return p;
  }

  @Override
  public void run() {
    try {
      runWith(processor);
    } finally {
      consumer = null;
      closeQuietly(clientMetrics);
      finished.countDown();
    }
  }

  /** The loop, typed by what the processor keeps of its tasks. */
  private <P> void runWith(TaskProcessor<P> processor) {
    Topics topics = kafka.topics();
    TaskQueue<P> queue = new TaskQueue<>(processor, metrics);
    BatchRunner<P> runner = new BatchRunner<>(processor);
    try (KafkaConsumer<String, byte[]> c =
            new KafkaConsumer<>(
                consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                producerProperties(), new StringSerializer(), new ByteArraySerializer())) {
      consumer = c;
      clientMetrics = metrics.bindClients(c, producer);
      producer.initTransactions();
      c.subscribe(List.of(topics.tasks()), new DropPendingOnRevoke(queue));
      LOG.info(
          "worker {} joined group {} on {} ({})",
          settings.workerId(),
          settings.groupId(),
          topics.tasks(),
          processor.describe());
      Duration backoff = Duration.ofMillis(100);
      while (running.get()) {
        try {
          queue.addAll(c.poll(queue.isEmpty() ? POLL : Duration.ZERO));
        } catch (WakeupException e) {
          continue; // stop() woke us; the loop condition decides
        }
        List<PolledTask<P>> batch =
            queue.takeBatch(settings.batchTokens(), settings.maxBatchTasks());
        if (batch.isEmpty()) {
          continue;
        }
        // Compute before the transaction opens: a long batch then never holds back read_committed
        // readers of the results topic.
        backoff = publishOrRewind(c, producer, queue, runner.run(batch), backoff);
      }
      LOG.info("worker {} stopping: no batch in flight", settings.workerId());
    }
  }

  /**
   * Publishes a computed batch, sorting failures: fatal ones end the loop; transient ones abort the
   * transaction, rewind the consumer to the batch and wait.
   *
   * @return the backoff before the next retry: reset after a success, doubled (up to {@link
   *     #MAX_BACKOFF}) after a transient failure
   * @throws WorkerFatalException when this worker cannot go on (fenced, not authorized ...)
   */
  private Duration publishOrRewind(
      KafkaConsumer<String, byte[]> c,
      KafkaProducer<String, byte[]> producer,
      TaskQueue<?> queue,
      ComputedBatch computed,
      Duration backoff) {
    try {
      publish(c, producer, computed);
      failedAttempts = 0;
      metrics.stuck(false);
      return Duration.ofMillis(100);
    } catch (ProducerFencedException
        | OutOfOrderSequenceException
        | InvalidPidMappingException
        | AuthorizationException
        | AuthenticationException
        | UnsupportedVersionException e) {
      throw new WorkerFatalException(
          "worker " + settings.workerId() + " cannot continue: " + e.getMessage(), e);
    } catch (KafkaException e) {
      failedAttempts++;
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      LOG.warn(
          "batch of {} tasks failed ({} attempts in a row), aborting and retrying in {} ms: {} (root"
              + " cause: {})",
          computed.records().size(),
          failedAttempts,
          backoff.toMillis(),
          e.toString(),
          root.toString());
      if (failedAttempts >= STUCK_AFTER) {
        metrics.stuck(true);
      }
      abortQuietly(producer);
      metrics.aborted();
      rewind(c, queue, computed);
      sleep(backoff);
      return backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
          ? MAX_BACKOFF
          : backoff.multipliedBy(2);
    }
  }

  /**
   * Whether the last {@link #STUCK_AFTER} or more attempts at the batch in flight all failed: the
   * worker is not making progress ({@code /health} says so, and a gauge).
   */
  public boolean stuck() {
    return failedAttempts >= STUCK_AFTER;
  }

  /** One transaction: every result (in parts if large), every dead letter, the batch's offsets. */
  private void publish(
      KafkaConsumer<String, byte[]> c, KafkaProducer<String, byte[]> producer, ComputedBatch b) {
    Topics topics = kafka.topics();
    producer.beginTransaction();
    int messages = 0;
    for (LayerResult result : b.results()) {
      for (byte[] part : ResultMessages.encode(result, settings.maxMessageBytes())) {
        producer.send(new ProducerRecord<>(topics.results(), result.itemId(), part));
        messages++;
      }
    }
    long now = System.currentTimeMillis();
    for (Poison p : b.poison()) {
      producer.send(
          new ProducerRecord<>(
              topics.deadLetter(), p.record().key(), p.encode(settings.workerId(), now)));
    }
    producer.sendOffsetsToTransaction(b.nextOffsets(), c.groupMetadata());
    producer.commitTransaction();

    long done = System.currentTimeMillis();
    metrics.batch(
        b.computed().size(),
        b.tokens(),
        Duration.ofNanos(System.nanoTime() - b.startNanos()),
        b.compute());
    metrics.resultsCommitted(messages);
    for (Task t : b.computed()) {
      metrics.taskDone(t.createdAtMs(), done);
    }
    for (Poison p : b.poison()) {
      metrics.deadLetter(p.reason());
    }
  }

  /**
   * After an abort: re-read the batch (and drop what was polled after it) from its first offsets.
   */
  private static void rewind(
      KafkaConsumer<String, byte[]> c, TaskQueue<?> queue, ComputedBatch batch) {
    Map<TopicPartition, Long> first = batch.firstOffsets();
    queue.drop(first.keySet());
    Set<TopicPartition> assigned = c.assignment();
    first.forEach(
        (tp, offset) -> {
          if (assigned.contains(tp)) {
            c.seek(tp, offset);
          }
        });
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("unbinding Kafka client metrics: {}", e.toString());
    }
  }

  private static void abortQuietly(KafkaProducer<String, byte[]> producer) {
    try {
      producer.abortTransaction();
    } catch (KafkaException e) {
      LOG.debug("abort after a failed batch also failed (no transaction open?): {}", e.toString());
    }
  }

  private void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }

  /**
   * Asks the loop to stop after the batch in flight; safe from any thread (e.g. a SIGTERM hook).
   */
  public void stop() {
    running.set(false);
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
  }

  /** Whether the group has given this worker partitions yet (benchmarks wait for it). */
  public boolean hasJoined() {
    return assigned;
  }

  /** Waits for {@link #run()} to return; false if it did not within the timeout. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Drops tasks polled but not batched from partitions that move to another worker. */
  private final class DropPendingOnRevoke implements ConsumerRebalanceListener {
    private final TaskQueue<?> queue;

    DropPendingOnRevoke(TaskQueue<?> queue) {
      this.queue = queue;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      drop(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      assigned |= !partitions.isEmpty();
      if (!partitions.isEmpty()) {
        LOG.info("worker {} assigned {}", settings.workerId(), partitions);
      }
    }

    private void drop(Collection<TopicPartition> partitions) {
      int dropped = queue.drop(partitions);
      if (!partitions.isEmpty()) {
        LOG.info(
            "worker {} revoked {} ({} polled tasks left for the new owner)",
            settings.workerId(),
            partitions,
            dropped);
      }
    }
  }
}
