/**
 * Avro single-object encoding of every saescope message, resolved against every released schema
 * version (kept as resources under {@code saescope/schemas/<Name>/v<N>.avsc}), plus the Kafka
 * serializers and deserializers built on it. Decoding never throws unchecked: failures become a
 * {@link dev.saescope.schemas.serde.DecodeException} that names topic, partition and offset.
 */
package dev.saescope.schemas.serde;
