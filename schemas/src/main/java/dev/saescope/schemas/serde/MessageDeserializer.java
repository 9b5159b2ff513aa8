package dev.saescope.schemas.serde;

import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer over a {@link MessageCodec} that never throws: failures come back as {@link
 * Decoded.Failed} with the original bytes (see {@link Decoded} for why).
 */
public final class MessageDeserializer<R> implements Deserializer<Decoded<R>> {
  private final MessageCodec<R> codec;

  public MessageDeserializer(MessageCodec<R> codec) {
    this.codec = codec;
  }

  @Override
  public Decoded<R> deserialize(String topic, byte[] data) {
    try {
      return new Decoded.Ok<>(
          codec.decode(data, topic, DecodeException.UNKNOWN, DecodeException.UNKNOWN));
    } catch (DecodeException e) {
      return new Decoded.Failed<>(topic, e.failure(), e.detail(), data, e.getCause());
    }
  }
}
