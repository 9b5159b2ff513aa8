package dev.saescope.schemas.serde;

import dev.saescope.avro.DeadLetter;
import dev.saescope.avro.DeadLetterReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Builds {@link DeadLetter} messages that keep the poison message's bytes and where it was. */
public final class DeadLetters {
  private DeadLetters() {}

  /**
   * The dead letter for a consumed record whose value did not decode.
   *
   * @param record the consumed record (its {@link Decoded.Failed} value holds the original bytes)
   * @param error the failure from {@link Decoded#get}
   * @param role which role gives up on it, e.g. "worker"
   * @param instanceId which instance, e.g. the worker id
   * @param failedAtMs wall-clock time, epoch milliseconds
   */
  public static <R> DeadLetter forRecord(
      ConsumerRecord<String, Decoded<R>> record,
      DecodeException error,
      String role,
      String instanceId,
      long failedAtMs) {
    byte[] value = record.value() instanceof Decoded.Failed<R> f ? f.bytes() : null;
    byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
    return of(
        error.failure().deadLetterReason(),
        error.getMessage(),
        record.topic(),
        record.partition(),
        record.offset(),
        key,
        value,
        role,
        instanceId,
        failedAtMs);
  }

  /** A dead letter for any other reason (empty text, too long, unknown SAE ...). */
  public static DeadLetter of(
      DeadLetterReason reason,
      String detail,
      String topic,
      int partition,
      long offset,
      byte[] key,
      byte[] value,
      String role,
      String instanceId,
      long failedAtMs) {
    return DeadLetter.newBuilder()
        .setReason(reason)
        .setDetail(detail)
        .setTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setKey(key == null ? null : ByteBuffer.wrap(key))
        .setValue(value == null ? null : ByteBuffer.wrap(value))
        .setRole(role)
        .setInstanceId(instanceId)
        .setFailedAtMs(failedAtMs)
        .build();
  }
}
