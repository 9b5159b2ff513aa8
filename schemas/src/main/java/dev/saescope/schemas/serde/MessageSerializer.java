package dev.saescope.schemas.serde;

import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer over a {@link MessageCodec}: single-object Avro with the current schema. */
public final class MessageSerializer<R> implements Serializer<R> {
  private final MessageCodec<R> codec;

  public MessageSerializer(MessageCodec<R> codec) {
    this.codec = codec;
  }

  @Override
  public byte[] serialize(String topic, R data) {
    return data == null ? null : codec.encode(data);
  }
}
