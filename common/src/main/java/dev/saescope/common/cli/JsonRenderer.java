package dev.saescope.common.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

/**
 * Avro data → JSON tree, following the schema: records become objects keyed by field name, unions
 * show the value of their branch (not Avro-JSON's {@code {"type": value}} wrapper, which is noise
 * for reading), bytes become base64 (or a size summary when longer than {@code maxInlineBytes}),
 * non-finite floats become strings because JSON has no NaN.
 */
public final class JsonRenderer {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final int maxInlineBytes;

  /**
   * @param maxInlineBytes bytes values up to this size print as base64; longer ones as a summary
   */
  public JsonRenderer(int maxInlineBytes) {
    this.maxInlineBytes = maxInlineBytes;
  }

  /** The JSON form of an Avro record (generated or generic). */
  public JsonNode render(IndexedRecord record) {
    return render(record.getSchema(), record);
  }

  JsonNode render(Schema schema, Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    return switch (schema.getType()) {
      case RECORD -> {
        IndexedRecord r = (IndexedRecord) value;
        ObjectNode o = NODES.objectNode();
        for (Schema.Field f : schema.getFields()) {
          o.set(f.name(), render(f.schema(), r.get(f.pos())));
        }
        yield o;
      }
      case UNION ->
          render(schema.getTypes().get(GenericData.get().resolveUnion(schema, value)), value);
      case ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        for (Object item : (Collection<?>) value) {
          a.add(render(schema.getElementType(), item));
        }
        yield a;
      }
      case MAP -> {
        ObjectNode o = NODES.objectNode();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
          o.set(e.getKey().toString(), render(schema.getValueType(), e.getValue()));
        }
        yield o;
      }
      case STRING, ENUM -> NODES.textNode(value.toString());
      case BYTES -> bytes(toArray((ByteBuffer) value));
      case FIXED -> bytes(((GenericFixed) value).bytes());
      case INT -> NODES.numberNode(((Number) value).intValue());
      case LONG -> NODES.numberNode(((Number) value).longValue());
      case FLOAT -> {
        float f = ((Number) value).floatValue();
        yield Float.isFinite(f) ? NODES.numberNode(f) : NODES.textNode(Float.toString(f));
      }
      case DOUBLE -> {
        double d = ((Number) value).doubleValue();
        yield Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(Double.toString(d));
      }
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case NULL -> NODES.nullNode();
    };
  }

  private JsonNode bytes(byte[] b) {
    if (b.length <= maxInlineBytes) {
      return NODES.textNode(Base64.getEncoder().encodeToString(b));
    }
    return NODES.textNode("<" + b.length + " bytes>");
  }

  private static byte[] toArray(ByteBuffer buf) {
    ByteBuffer dup = buf.duplicate();
    byte[] out = new byte[dup.remaining()];
    dup.get(out);
    return out;
  }
}
