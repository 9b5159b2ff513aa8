package dev.saescope.schemas.serde;

import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Bytes ↔ one of our message records {@code R}, through an Avro class {@code A} at the edge. When
 * {@code R} is the Avro class itself the mappings are identities.
 *
 * @param <R> the record the code works on
 */
public final class MessageCodec<R> {
  private final AvroFormat<? extends SpecificRecord> format;
  private final Function<R, byte[]> encode;
  private final Decoder<R> decode;

  @FunctionalInterface
  private interface Decoder<R> {
    R decode(byte[] bytes, String topic, int partition, long offset) throws DecodeException;
  }

  private MessageCodec(
      AvroFormat<? extends SpecificRecord> format, Function<R, byte[]> encode, Decoder<R> decode) {
    this.format = format;
    this.encode = encode;
    this.decode = decode;
  }

  /** A codec whose record is the generated Avro class. */
  public static <A extends SpecificRecord> MessageCodec<A> ofAvro(AvroFormat<A> format) {
    return new MessageCodec<>(format, format::encode, format::decode);
  }

  /**
   * A codec for our record {@code R}: {@code fromAvro} may throw {@link IllegalArgumentException}
   * for content that breaks {@code R}'s invariants, reported as {@link DecodeFailure#INVALID}.
   */
  public static <A extends SpecificRecord, R> MessageCodec<R> mapped(
      AvroFormat<A> format, Function<R, A> toAvro, Function<A, R> fromAvro) {
    return new MessageCodec<>(
        format,
        r -> format.encode(toAvro.apply(r)),
        (bytes, topic, partition, offset) -> {
          A avro = format.decode(bytes, topic, partition, offset);
          try {
            return fromAvro.apply(avro);
          } catch (RuntimeException e) {
            throw new DecodeException(
                topic,
                partition,
                offset,
                DecodeFailure.INVALID,
                "invalid " + format.name() + ": " + e.getMessage(),
                e);
          }
        });
  }

  /** The Avro format underneath. */
  public AvroFormat<? extends SpecificRecord> format() {
    return format;
  }

  /** Single-object encoded bytes of {@code value} with the current schema. */
  public byte[] encode(R value) {
    return encode.apply(value);
  }

  /** Decodes bytes from the given place; the place only goes into error messages. */
  public R decode(byte[] bytes, String topic, int partition, long offset) throws DecodeException {
    return decode.decode(bytes, topic, partition, offset);
  }

  /** Decodes a record's value, naming its topic, partition and offset on failure. */
  public R decode(ConsumerRecord<?, byte[]> record) throws DecodeException {
    return decode.decode(record.value(), record.topic(), record.partition(), record.offset());
  }
}
