package dev.saescope.schemas.serde;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding of one generated message class: writes the current schema, reads any
 * released version (the schema store holds them all). Thread-safe: Avro's message encoder and
 * decoder keep per-thread buffers.
 *
 * <p>Wire format (Avro spec, "Single-object encoding"): {@code C3 01}, the 8-byte little-endian
 * CRC-64-AVRO fingerprint of the writer schema's parsing canonical form, then the binary body.
 *
 * @param <A> the generated Avro class
 */
public final class AvroFormat<A extends SpecificRecord> {
  /** Header bytes plus fingerprint: the shortest possible message. */
  static final int HEADER_LENGTH = 10;

  static {
    // A corrupt length prefix must not make Avro allocate gigabytes before it notices: cap
    // strings/bytes at 64 MiB and arrays/maps at 16 M items, far above any saescope message
    // (results stay under 256 KiB) but far below the JVM limits Avro defaults to
    // (org.apache.avro.SystemLimitException; read once, when that class loads).
    setIfAbsent("org.apache.avro.limits.bytes.maxLength", Integer.toString(64 << 20));
    setIfAbsent("org.apache.avro.limits.string.maxLength", Integer.toString(64 << 20));
    setIfAbsent("org.apache.avro.limits.collectionItems.maxLength", Integer.toString(16 << 20));
  }

  private final Class<A> type;
  private final String name;
  private final Schema current;
  private final List<Schema> known;
  private final BinaryMessageEncoder<A> encoder;
  private final BinaryMessageDecoder<A> decoder;

  private AvroFormat(Class<A> type, List<Schema> known) {
    this.type = type;
    SpecificData model = SpecificData.getForClass(type);
    this.current = model.getSchema(type);
    this.name = current.getName();
    this.known = List.copyOf(known);
    this.encoder = new BinaryMessageEncoder<>(model, current);
    SchemaStore.Cache store = new SchemaStore.Cache();
    for (Schema s : known) {
      store.addSchema(s);
    }
    // The reader schema is added by the decoder itself, so the current version always resolves.
    this.decoder = new BinaryMessageDecoder<>(model, current, store);
  }

  /** The format of {@code type}, knowing every released version of its schema. */
  public static <A extends SpecificRecord> AvroFormat<A> of(Class<A> type) {
    String simpleName = SpecificData.getForClass(type).getSchema(type).getName();
    return new AvroFormat<>(type, ReleasedSchemas.load(simpleName));
  }

  /** The format of {@code type} knowing exactly {@code known} writer schemas (plus the current). */
  public static <A extends SpecificRecord> AvroFormat<A> of(Class<A> type, List<Schema> known) {
    return new AvroFormat<>(type, known);
  }

  /** The generated class. */
  public Class<A> type() {
    return type;
  }

  /** The schema's simple name, e.g. {@code PromptTask}. */
  public String name() {
    return name;
  }

  /** The schema this code writes and reads into. */
  public Schema currentSchema() {
    return current;
  }

  /** The writer schemas this format can read, oldest first (the current one is always readable). */
  public List<Schema> knownSchemas() {
    return known;
  }

  /** Encodes with the current schema. */
  public byte[] encode(A value) {
    try {
      ByteBuffer buf = encoder.encode(value);
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    } catch (IOException e) {
      // Encoding into memory does no I/O; an IOException here is a bug, not input.
      throw new UncheckedIOException("cannot encode " + name, e);
    } catch (RuntimeException e) {
      // Avro reports a null in a non-null field this way: say which message type.
      throw new IllegalArgumentException("cannot encode " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Decodes a message written with any known version of the schema.
   *
   * @param topic partition offset where the bytes came from; only used in the error message
   * @throws DecodeException naming topic, partition and offset: bad header, unknown schema or
   *     malformed body
   */
  public A decode(byte[] bytes, String topic, int partition, long offset) throws DecodeException {
    if (bytes == null) {
      throw new DecodeException(
          topic,
          partition,
          offset,
          DecodeFailure.BAD_HEADER,
          "null value (tombstone), expected a " + name + " message",
          null);
    }
    if (bytes.length < HEADER_LENGTH || bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
      throw new DecodeException(
          topic,
          partition,
          offset,
          DecodeFailure.BAD_HEADER,
          "not an Avro single-object message ("
              + bytes.length
              + " bytes, starting "
              + hexPrefix(bytes)
              + "; expected C3 01 + 8-byte schema fingerprint) while reading "
              + name,
          null);
    }
    try {
      return decoder.decode(bytes);
    } catch (MissingSchemaException e) {
      long fp = fingerprint(bytes);
      throw new DecodeException(
          topic,
          partition,
          offset,
          DecodeFailure.UNKNOWN_SCHEMA,
          "unknown schema: fingerprint "
              + String.format("%016x", fp)
              + " is none of the "
              + known.size()
              + " released "
              + name
              + " versions"
              + KnownSchemas.describe(fp)
                  .map(s -> " (it is " + s + ")")
                  .orElse(" (written by a newer saescope?)"),
          e);
    } catch (BadHeaderException e) {
      throw new DecodeException(
          topic,
          partition,
          offset,
          DecodeFailure.BAD_HEADER,
          "bad header while reading " + name + ": " + e.getMessage(),
          e);
    } catch (IOException | RuntimeException e) {
      // Avro's reader reports corrupt input with assorted exceptions (EOF, AvroRuntimeException,
      // index and cast errors): each is a bad message, never a crash.
      throw new DecodeException(
          topic,
          partition,
          offset,
          DecodeFailure.MALFORMED,
          "malformed " + name + " body (" + bytes.length + " bytes): " + e,
          e);
    }
  }

  /** The writer-schema fingerprint in a single-object message (caller checked the header). */
  static long fingerprint(byte[] bytes) {
    return ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  /** CRC-64-AVRO of the parsing canonical form: what single-object headers carry. */
  static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  private static String hexPrefix(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(bytes.length, 12); i++) {
      sb.append(String.format("%02X ", bytes[i]));
    }
    return sb.length() == 0 ? "(empty)" : sb.toString().trim() + (bytes.length > 12 ? " ..." : "");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
