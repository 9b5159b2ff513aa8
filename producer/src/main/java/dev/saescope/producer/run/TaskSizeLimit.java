package dev.saescope.producer.run;

import dev.saescope.schemas.Task;
import dev.saescope.schemas.serde.Codecs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The largest Kafka record a task may become, checked before a task is sent: the Kafka producer
 * refuses a larger one ({@code RecordTooLargeException}), half-way through a run.
 *
 * @param maxBytes the producer's {@code max.request.size}
 */
public record TaskSizeLimit(int maxBytes) {
  /** The producer property that bounds one record. */
  public static final String PROPERTY = "max.request.size";

  /**
   * Kafka's default {@code max.request.size}, 1 MiB: also the broker's {@code message.max.bytes} in
   * docker-compose.yml (Kafka's own default is 1 MiB + 12), which saescope's topics keep.
   */
  public static final TaskSizeLimit KAFKA_DEFAULT = new TaskSizeLimit(1 << 20);

  /**
   * What Kafka adds to key and value before comparing with {@code max.request.size}: batch header
   * (61), record header (at most 21), length varints; at most 93 bytes without record headers
   * ({@code AbstractRecords.estimateSizeInBytesUpperBound}, kafka-clients 4.3).
   */
  static final int RECORD_OVERHEAD_BYTES = 93;

  /** A task over the limit, and the size of its record. */
  public record Oversize(Task task, long recordBytes) {}

  public TaskSizeLimit {
    if (maxBytes <= RECORD_OVERHEAD_BYTES) {
      throw new IllegalArgumentException(
          PROPERTY + " must be more than " + RECORD_OVERHEAD_BYTES + " bytes, got " + maxBytes);
    }
  }

  /**
   * The limit set by producer properties, Kafka's default when they set none.
   *
   * @throws IllegalArgumentException naming {@code max.request.size} when it is not a size
   */
  public static TaskSizeLimit of(Properties producer) {
    String v = producer.getProperty(PROPERTY);
    if (v == null) {
      return KAFKA_DEFAULT;
    }
    try {
      return new TaskSizeLimit(Integer.parseInt(v.strip()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PROPERTY + " must be a number of bytes, got " + v, e);
    }
  }

  /**
   * The size of a task as a Kafka record, the way {@code TaskPublisher} sends it: the item id as
   * key, the Avro single-object encoding as value, plus Kafka's overhead.
   */
  public static long recordBytes(Task task) {
    return Codecs.task().encode(task).length
        + task.itemId().getBytes(StandardCharsets.UTF_8).length
        + RECORD_OVERHEAD_BYTES;
  }

  /** The first task over the limit, or empty when every task fits. */
  public Optional<Oversize> firstOver(List<Task> tasks) {
    for (Task t : tasks) {
      long bytes = recordBytes(t);
      if (bytes > maxBytes) {
        return Optional.of(new Oversize(t, bytes));
      }
    }
    return Optional.empty();
  }

  /** Why a task does not fit, without any of its text. */
  public String describe(Oversize o) {
    return "its "
        + o.task().variant().wireName()
        + " task would be a "
        + o.recordBytes()
        + "-byte Kafka record, over the "
        + maxBytes
        + "-byte "
        + PROPERTY;
  }
}
