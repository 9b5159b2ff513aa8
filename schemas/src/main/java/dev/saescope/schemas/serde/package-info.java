/**
 * The only package that sees the generated Avro classes: codecs between them and our records
 * ({@code TaskCodec}, {@code ResultCodec}, {@code LatentInfoCodec}, dead letters), Avro
 * single-object encoding resolved against every released schema version (kept as resources under
 * {@code saescope/schemas/<Name>/v<N>.avsc}), and the Kafka serializers and deserializers built on
 * it. Decoding never throws unchecked: failures become a {@link
 * dev.saescope.schemas.serde.DecodeException} that names topic, partition and offset.
 */
package dev.saescope.schemas.serde;
