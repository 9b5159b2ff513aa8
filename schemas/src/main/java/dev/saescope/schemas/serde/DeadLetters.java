package dev.saescope.schemas.serde;

import dev.saescope.avro.DeadLetter;
import dev.saescope.avro.PromptTask;
import dev.saescope.schemas.DeadLetterReason;
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
        .setReason(toAvro(reason))
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

  /**
   * The encoded dead letter of a consumed record, keeping its key and value bytes whole.
   *
   * @param role which role gives up on it, e.g. "worker"
   * @param instanceId which instance, e.g. the worker id
   * @param failedAtMs wall-clock time, epoch milliseconds
   */
  public static byte[] encode(
      DeadLetterReason reason,
      String detail,
      ConsumerRecord<String, byte[]> source,
      String role,
      String instanceId,
      long failedAtMs) {
    byte[] key = source.key() == null ? null : source.key().getBytes(StandardCharsets.UTF_8);
    return Codecs.deadLetter()
        .encode(
            of(
                reason,
                detail,
                source.topic(),
                source.partition(),
                source.offset(),
                key,
                source.value(),
                role,
                instanceId,
                failedAtMs));
  }

  /**
   * Why a task message that did not decode is poison: an invalid task whose text is empty is
   * reported as {@link DeadLetterReason#EMPTY_TEXT}, the most common poison; otherwise the
   * failure's own reason.
   */
  public static DeadLetterReason reasonForTask(
      DecodeException e, ConsumerRecord<?, byte[]> record) {
    if (e.failure() == DecodeFailure.INVALID) {
      try {
        PromptTask raw = Codecs.promptTask().decode(record);
        if (raw.getText() == null || raw.getText().isBlank()) {
          return DeadLetterReason.EMPTY_TEXT;
        }
      } catch (DecodeException again) {
        // not even a raw PromptTask: keep the first reason
      }
    }
    return e.failure().deadLetterReason();
  }

  private static dev.saescope.avro.DeadLetterReason toAvro(DeadLetterReason reason) {
    return switch (reason) {
      case UNDECODABLE -> dev.saescope.avro.DeadLetterReason.UNDECODABLE;
      case UNKNOWN_SCHEMA -> dev.saescope.avro.DeadLetterReason.UNKNOWN_SCHEMA;
      case EMPTY_TEXT -> dev.saescope.avro.DeadLetterReason.EMPTY_TEXT;
      case TOO_LONG -> dev.saescope.avro.DeadLetterReason.TOO_LONG;
      case UNKNOWN_SAE -> dev.saescope.avro.DeadLetterReason.UNKNOWN_SAE;
      case INVALID -> dev.saescope.avro.DeadLetterReason.INVALID;
      case OTHER -> dev.saescope.avro.DeadLetterReason.OTHER;
    };
  }
}
