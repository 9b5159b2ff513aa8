package dev.saescope.schemas.serde;

import dev.saescope.schemas.ArchivedMessage;
import dev.saescope.schemas.TopicKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * A run as one Avro data file (an object container file, readable by any Avro tool): one record per
 * message, {@code {kind, key, value}}, where {@code value} is the message's single-object encoding
 * as it was on its topic. {@code ./saescope export} writes it; {@code ./saescope analyze} reads it
 * and computes the same report as the streaming aggregator.
 */
public final class RunArchive {
  /** The container's record schema. */
  public static final Schema SCHEMA =
      SchemaBuilder.record("ArchivedMessage")
          .namespace("dev.saescope.archive")
          .doc("One message of a saescope run, with its topic kind and key.")
          .fields()
          .requiredString("kind")
          .optionalString("key")
          .requiredBytes("value")
          .endRecord();

  private RunArchive() {}

  /** Writes the messages {@code source} hands to the sink it is given; returns how many. */
  public static long write(Path file, Consumer<Consumer<ArchivedMessage>> source)
      throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    long[] n = {0};
    try (DataFileWriter<GenericRecord> w = new DataFileWriter<>(new GenericDatumWriter<>(SCHEMA))) {
      w.setCodec(org.apache.avro.file.CodecFactory.deflateCodec(6));
      w.create(SCHEMA, tmp.toFile());
      IOException[] failed = {null};
      source.accept(
          m -> {
            if (failed[0] != null) {
              return;
            }
            GenericRecord r = new GenericData.Record(SCHEMA);
            r.put("kind", m.kind().name());
            r.put("key", m.key());
            r.put("value", ByteBuffer.wrap(m.value()));
            try {
              w.append(r);
              n[0]++;
            } catch (IOException e) {
              failed[0] = e;
            }
          });
      if (failed[0] != null) {
        throw failed[0];
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return n[0];
  }

  /**
   * Every message of an archive, in file order.
   *
   * @throws IOException naming the file when it is not an Avro data file of this schema
   */
  public static List<ArchivedMessage> read(Path file) throws IOException {
    List<ArchivedMessage> out = new ArrayList<>();
    try (DataFileReader<GenericRecord> r =
        new DataFileReader<>(file.toFile(), new GenericDatumReader<>(SCHEMA))) {
      long i = 0;
      for (GenericRecord g : r) {
        TopicKind kind;
        try {
          kind = TopicKind.valueOf(g.get("kind").toString());
        } catch (IllegalArgumentException e) {
          throw new IOException(
              file + ": record " + i + " has unknown kind '" + g.get("kind") + "'");
        }
        ByteBuffer b = (ByteBuffer) g.get("value");
        byte[] value = new byte[b.remaining()];
        b.get(value);
        Object key = g.get("key");
        out.add(new ArchivedMessage(kind, key == null ? null : key.toString(), value));
        i++;
      }
    } catch (IOException | org.apache.avro.AvroRuntimeException e) {
      throw new IOException(file + ": not a saescope run archive (" + e.getMessage() + ")", e);
    }
    return out;
  }
}
