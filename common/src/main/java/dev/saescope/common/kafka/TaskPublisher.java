package dev.saescope.common.kafka;

import dev.saescope.schemas.Task;
import dev.saescope.schemas.serde.Codecs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes {@link Task}s to the tasks topic, keyed by item id (so every variant of one item lands
 * in one partition and one aggregator), with an idempotent producer. Sends are asynchronous; the
 * first failed send is rethrown by the next {@link #publish} or {@link #flush}. Not thread-safe for
 * concurrent {@code publish} calls from several threads (the counters are, the order is not).
 */
public final class TaskPublisher implements AutoCloseable {
  private final Producer<String, byte[]> producer;
  private final String topic;
  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicReference<PublishException> failure = new AtomicReference<>();

  private TaskPublisher(Producer<String, byte[]> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
  }

  /**
   * A publisher to {@code settings.topics().tasks()}. Does not contact the broker yet; call {@link
   * TopicAdmin#ensureTopics} first for a bounded "is a broker there" check.
   *
   * @throws KafkaConfigException when the client properties are rejected by the Kafka producer
   */
  public static TaskPublisher open(KafkaSettings settings) throws KafkaConfigException {
    try {
      return new TaskPublisher(
          new KafkaProducer<>(
              producerSettings(settings), new StringSerializer(), new ByteArraySerializer()),
          settings.topics().tasks());
    } catch (KafkaException e) {
      throw new KafkaConfigException(
          "Kafka producer rejected the client properties: " + e.getMessage(), e);
    }
  }

  /** The producer properties: the user's client properties plus ours where the user set none. */
  public static Properties producerSettings(KafkaSettings settings) {
    Properties p = settings.client();
    // A task counts as sent only once every in-sync replica has it (default since 3.0; we rely on
    // it).
    p.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
    // Retries after a lost ack must not duplicate or reorder tasks (default since 3.0; we rely on
    // it).
    p.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    // Tasks come in bursts of thousands: wait a little longer than the 5 ms default to fill
    // batches.
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "20");
    // Task texts repeat templates heavily; lz4 shrinks them for little CPU.
    p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // send() may block on metadata: bound that by the broker timeout, so "no broker" is an error,
    // not a 60 s hang.
    p.putIfAbsent(
        ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(settings.brokerTimeout().toMillis()));
    return p;
  }

  /** The topic this publisher writes. */
  public String topic() {
    return topic;
  }

  /**
   * Hands one task to the producer (asynchronous).
   *
   * @throws PublishException when an earlier send failed or this one cannot be queued (e.g. no
   *     broker metadata within the broker timeout)
   */
  public void publish(Task task) throws PublishException {
    rethrowFailure();
    byte[] value = Codecs.task().encode(task);
    String key = task.itemId();
    long size = value.length + key.getBytes(StandardCharsets.UTF_8).length;
    try {
      producer.send(
          new ProducerRecord<>(topic, key, value),
          (metadata, error) -> {
            if (error == null) {
              acknowledged.incrementAndGet();
              bytes.addAndGet(size);
            } else {
              failure.compareAndSet(
                  null,
                  new PublishException(
                      "publishing task "
                          + task.taskId()
                          + " (item "
                          + key
                          + ") to topic "
                          + topic
                          + " failed: "
                          + error,
                      error));
            }
          });
      submitted.incrementAndGet();
    } catch (KafkaException e) {
      throw new PublishException(
          "cannot send task " + task.taskId() + " to topic " + topic + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits until every submitted task is acknowledged or failed.
   *
   * @return the counts after the flush
   * @throws PublishException when any send failed
   */
  public PublishStats flush() throws PublishException {
    try {
      producer.flush();
    } catch (KafkaException e) {
      throw new PublishException(
          "flushing tasks to topic " + topic + " failed: " + e.getMessage(), e);
    }
    rethrowFailure();
    return stats();
  }

  /** Counts so far (acknowledged lags submitted until a flush). */
  public PublishStats stats() {
    return new PublishStats(submitted.get(), acknowledged.get(), bytes.get());
  }

  /** Flushes what it can within the broker timeout and releases the producer. */
  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }

  private void rethrowFailure() throws PublishException {
    PublishException e = failure.get();
    if (e != null) {
      throw e;
    }
  }
}
