package dev.saescope.schemas.serde;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What {@link MessageDeserializer} hands the consumer: a value, or the failure as data. A Kafka
 * deserializer that throws stalls {@code poll()} on the poison record; this keeps the stream
 * flowing and lets the caller send the bytes to the dead-letter topic.
 *
 * <p>Kafka's deserializer API does not see partition and offset, so a {@link Failed} becomes a full
 * {@link DecodeException} through {@link #get(ConsumerRecord)}.
 *
 * @param <R> the decoded record type
 */
public sealed interface Decoded<R> {
  /** A successfully decoded value. */
  record Ok<R>(R value) implements Decoded<R> {}

  /**
   * Bytes that did not decode.
   *
   * @param topic where they came from
   * @param failure what kind of failure
   * @param detail what was wrong
   * @param bytes the original value, kept whole for the dead-letter topic (may be null)
   * @param cause the underlying exception, if any
   */
  record Failed<R>(
      String topic, DecodeFailure failure, String detail, byte[] bytes, Throwable cause)
      implements Decoded<R> {
    /** The full exception, now that the consumer record supplies partition and offset. */
    public DecodeException at(int partition, long offset) {
      return new DecodeException(topic, partition, offset, failure, detail, cause);
    }
  }

  /**
   * The value of a consumed record, or the decode failure naming its topic, partition and offset.
   */
  static <R> R get(ConsumerRecord<?, Decoded<R>> record) throws DecodeException {
    Decoded<R> d = record.value();
    if (d == null) {
      // Our deserializer never returns null; a null here means a tombstone on a non-compacted
      // topic or a consumer configured with someone else's deserializer.
      throw new DecodeException(
          record.topic(),
          record.partition(),
          record.offset(),
          DecodeFailure.BAD_HEADER,
          "null value",
          null);
    }
    return switch (d) {
      case Ok<R> ok -> ok.value();
      case Failed<R> f -> throw f.at(record.partition(), record.offset());
    };
  }
}
