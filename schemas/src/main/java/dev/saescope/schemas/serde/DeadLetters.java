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
   * Largest original value a dead letter carries whole. A bigger one (a poison message can be as
   * large as the topic allows, and the dead letter adds its own fields) is cut to {@link #PREFIX}
   * bytes and its size and SHA-256 are written into the detail, so the dead letter always fits the
   * producer's request size and the worker never wedges on it.
   */
  public static final int MAX_WHOLE_VALUE = 256 * 1024;

  /** Bytes of an over-large original value that a dead letter keeps. */
  public static final int PREFIX = 64 * 1024;

  /** Longest detail kept (an exception message can quote a whole input). */
  static final int MAX_DETAIL = 4000;

  /**
   * The encoded dead letter of a consumed record, keeping its key and value bytes whole up to
   * {@link #MAX_WHOLE_VALUE}, and a prefix with the original's size and SHA-256 beyond.
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
    if (key != null && key.length > PREFIX) {
      key = java.util.Arrays.copyOf(key, PREFIX);
    }
    byte[] value = source.value();
    String d = detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) + "..." : detail;
    if (value != null && value.length > MAX_WHOLE_VALUE) {
      d +=
          "; original value "
              + value.length
              + " bytes, sha256 "
              + sha256(value)
              + ", first "
              + PREFIX
              + " bytes kept";
      value = java.util.Arrays.copyOf(value, PREFIX);
    }
    return Codecs.deadLetter()
        .encode(
            of(
                reason,
                d,
                source.topic(),
                source.partition(),
                source.offset(),
                key,
                value,
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

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
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
