package dev.saescope.worker.service;

import dev.saescope.avro.DeadLetter;
import dev.saescope.avro.DeadLetterReason;
import dev.saescope.avro.PromptTask;
import dev.saescope.avro.TaskResult;
import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Topics;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.DecodeException;
import dev.saescope.schemas.serde.DecodeFailure;
import dev.saescope.schemas.serde.MessageCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * poll tasks, check each one, take a micro-batch by token budget, compute, then publish the
 * results, the dead letters and the batch's offsets in one transaction.
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
  private static final Logger LOG = LoggerFactory.getLogger(WorkerLoop.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final KafkaSettings kafka;
  private final WorkerSettings settings;
  private final TaskProcessor processor;
  private final WorkerMetrics metrics;
  private final MessageCodec<Task> taskCodec = Codecs.task();
  private final MessageCodec<PromptTask> promptCodec = Codecs.promptTask();
  private final MessageCodec<DeadLetter> deadLetterCodec = Codecs.deadLetter();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final CountDownLatch finished = new CountDownLatch(1);
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private volatile KafkaConsumer<String, byte[]> consumer;
  private AutoCloseable clientMetrics;
  private volatile boolean assigned;

  /** A polled record, checked once: accepted, rejected as poison, or undecodable. */
  private record Pending(ConsumerRecord<String, byte[]> record, TaskProcessor.Checked checked) {
    TopicPartition partition() {
      return new TopicPartition(record.topic(), record.partition());
    }

    int tokens() {
      return checked instanceof TaskProcessor.Accepted a ? a.tokens() : 0;
    }
  }

  public WorkerLoop(
      KafkaSettings kafka,
      WorkerSettings settings,
      TaskProcessor processor,
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
    Topics topics = kafka.topics();
    try (KafkaConsumer<String, byte[]> c =
            new KafkaConsumer<>(
                consumerProperties(), new StringDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                producerProperties(), new StringSerializer(), new ByteArraySerializer())) {
      consumer = c;
      clientMetrics = metrics.bindClients(c, producer);
      producer.initTransactions();
      c.subscribe(List.of(topics.tasks()), new DropPendingOnRevoke());
      LOG.info(
          "worker {} joined group {} on {} ({})",
          settings.workerId(),
          settings.groupId(),
          topics.tasks(),
          processor.describe());
      Duration backoff = Duration.ofMillis(100);
      while (running.get()) {
        try {
          pollInto(c);
        } catch (WakeupException e) {
          continue; // stop() woke us; the loop condition decides
        }
        List<Pending> batch = takeBatch();
        if (batch.isEmpty()) {
          continue;
        }
        try {
          runBatch(c, producer, batch);
          backoff = Duration.ofMillis(100);
        } catch (ProducerFencedException
            | OutOfOrderSequenceException
            | InvalidPidMappingException
            | AuthorizationException
            | AuthenticationException
            | UnsupportedVersionException e) {
          throw new WorkerFatalException(
              "worker " + settings.workerId() + " cannot continue: " + e.getMessage(), e);
        } catch (KafkaException e) {
          LOG.warn(
              "batch of {} tasks failed, aborting and retrying in {} ms: {}",
              batch.size(),
              backoff.toMillis(),
              e.toString());
          abortQuietly(producer);
          metrics.aborted();
          rewind(c, batch);
          sleep(backoff);
          backoff =
              backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                  ? MAX_BACKOFF
                  : backoff.multipliedBy(2);
        }
      }
      LOG.info("worker {} stopping: no batch in flight", settings.workerId());
    } finally {
      consumer = null;
      closeQuietly(clientMetrics);
      finished.countDown();
    }
  }

  private void pollInto(KafkaConsumer<String, byte[]> c) {
    var records = c.poll(pending.isEmpty() ? POLL : Duration.ZERO);
    for (ConsumerRecord<String, byte[]> r : records) {
      pending.add(new Pending(r, check(r)));
    }
    metrics.pending(pending.size());
  }

  private TaskProcessor.Checked check(ConsumerRecord<String, byte[]> record) {
    Task task;
    try {
      task = taskCodec.decode(record);
    } catch (DecodeException e) {
      return new TaskProcessor.Rejected(reasonOf(e, record), e.getMessage());
    }
    return processor.check(task);
  }

  /** An invalid task whose text is empty is reported as such: the most common poison. */
  private DeadLetterReason reasonOf(DecodeException e, ConsumerRecord<String, byte[]> record) {
    if (e.failure() == DecodeFailure.INVALID) {
      try {
        PromptTask raw = promptCodec.decode(record);
        if (raw.getText() == null || raw.getText().isBlank()) {
          return DeadLetterReason.EMPTY_TEXT;
        }
      } catch (DecodeException again) {
        // not even a raw PromptTask: keep the first reason
      }
    }
    return e.failure().deadLetterReason();
  }

  /** Takes tasks while their tokens fit the budget; poison rides along at no cost. */
  private List<Pending> takeBatch() {
    List<Pending> batch = new ArrayList<>();
    int tokens = 0;
    int tasks = 0;
    while (!pending.isEmpty()) {
      Pending next = pending.peek();
      int t = next.tokens();
      boolean isTask = t > 0;
      if (isTask
          && tasks > 0
          && (tokens + t > settings.batchTokens() || tasks >= settings.maxBatchTasks())) {
        break;
      }
      batch.add(pending.poll());
      tokens += t;
      tasks += isTask ? 1 : 0;
    }
    metrics.pending(pending.size());
    return batch;
  }

  private void runBatch(
      KafkaConsumer<String, byte[]> c,
      KafkaProducer<String, byte[]> producer,
      List<Pending> batch) {
    long start = System.nanoTime();
    List<TaskProcessor.Accepted> accepted = new ArrayList<>();
    List<Pending> rejected = new ArrayList<>();
    for (Pending p : batch) {
      if (p.checked() instanceof TaskProcessor.Accepted a) {
        accepted.add(a);
      } else {
        rejected.add(p);
      }
    }
    // Compute before the transaction opens: a long batch then never holds back read_committed
    // readers of the results topic.
    List<TaskResult> results = compute(accepted, batch, rejected);
    long computed = System.nanoTime();

    Topics topics = kafka.topics();
    producer.beginTransaction();
    int messages = 0;
    for (TaskResult result : results) {
      for (byte[] part : ResultSplitter.split(result, settings.maxMessageBytes())) {
        producer.send(new ProducerRecord<>(topics.results(), result.getItemId(), part));
        messages++;
      }
    }
    for (Pending p : rejected) {
      TaskProcessor.Rejected r = (TaskProcessor.Rejected) p.checked();
      producer.send(
          new ProducerRecord<>(topics.deadLetter(), p.record().key(), deadLetter(p.record(), r)));
    }
    producer.sendOffsetsToTransaction(nextOffsets(batch), c.groupMetadata());
    producer.commitTransaction();

    long now = System.currentTimeMillis();
    int tokens = accepted.stream().mapToInt(TaskProcessor.Accepted::tokens).sum();
    metrics.batch(
        accepted.size(),
        tokens,
        Duration.ofNanos(System.nanoTime() - start),
        Duration.ofNanos(computed - start));
    metrics.resultsCommitted(messages);
    for (TaskProcessor.Accepted a : accepted) {
      metrics.taskDone(a.task().createdAtMs(), now);
    }
    for (Pending p : rejected) {
      metrics.deadLetter(((TaskProcessor.Rejected) p.checked()).reason());
    }
  }

  /**
   * Runs the processor; if the batch as a whole fails, each task is retried alone so that one bad
   * task cannot block the partition: a task that fails alone becomes a dead letter.
   */
  private List<TaskResult> compute(
      List<TaskProcessor.Accepted> accepted, List<Pending> batch, List<Pending> rejected) {
    if (accepted.isEmpty()) {
      return List.of();
    }
    try {
      return processor.process(accepted);
    } catch (Exception batchFailure) {
      if (accepted.size() == 1) {
        LOG.error(
            "task {} failed: {}",
            accepted.get(0).task().taskId(),
            batchFailure.toString(),
            batchFailure);
        markFailed(accepted.get(0), batch, rejected, batchFailure);
        accepted.clear();
        return List.of();
      }
      LOG.warn(
          "batch of {} tasks failed ({}); retrying them one by one",
          accepted.size(),
          batchFailure.toString());
    }
    List<TaskResult> results = new ArrayList<>();
    for (TaskProcessor.Accepted a : new ArrayList<>(accepted)) {
      try {
        results.addAll(processor.process(List.of(a)));
      } catch (Exception e) {
        LOG.error("task {} failed: {}", a.task().taskId(), e.toString(), e);
        markFailed(a, batch, rejected, e);
        accepted.remove(a);
      }
    }
    return results;
  }

  private static void markFailed(
      TaskProcessor.Accepted a, List<Pending> batch, List<Pending> rejected, Exception e) {
    for (Pending p : batch) {
      if (p.checked() == a) {
        rejected.add(
            new Pending(
                p.record(),
                new TaskProcessor.Rejected(DeadLetterReason.OTHER, "processing failed: " + e)));
      }
    }
  }

  private byte[] deadLetter(ConsumerRecord<String, byte[]> record, TaskProcessor.Rejected r) {
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setReason(r.reason())
            .setDetail(r.detail())
            .setTopic(record.topic())
            .setPartition(record.partition())
            .setOffset(record.offset())
            .setKey(
                record.key() == null
                    ? null
                    : ByteBuffer.wrap(record.key().getBytes(StandardCharsets.UTF_8)))
            .setValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
            .setRole("worker")
            .setInstanceId(settings.workerId())
            .setFailedAtMs(System.currentTimeMillis())
            .build();
    return deadLetterCodec.encode(letter);
  }

  private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(List<Pending> batch) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (Pending p : batch) {
      offsets.merge(
          p.partition(),
          new OffsetAndMetadata(p.record().offset() + 1),
          (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }

  /**
   * After an abort: re-read the batch (and drop what was polled after it) from its first offsets.
   */
  private void rewind(KafkaConsumer<String, byte[]> c, List<Pending> batch) {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (Pending p : batch) {
      first.merge(p.partition(), p.record().offset(), Math::min);
    }
    pending.removeIf(p -> first.containsKey(p.partition()));
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
      Set<TopicPartition> gone = new HashSet<>(partitions);
      int before = pending.size();
      pending.removeIf(p -> gone.contains(p.partition()));
      if (!partitions.isEmpty()) {
        LOG.info(
            "worker {} revoked {} ({} polled tasks left for the new owner)",
            settings.workerId(),
            partitions,
            before - pending.size());
      }
      metrics.pending(pending.size());
    }
  }
}
