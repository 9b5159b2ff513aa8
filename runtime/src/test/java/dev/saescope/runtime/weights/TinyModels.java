package dev.saescope.runtime.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Tiny Gemma configurations and a raw safetensors writer for building bad files in tests. */
public final class TinyModels {
  static final ObjectMapper JSON = new ObjectMapper();

  private TinyModels() {}

  /** Gemma 2 shape family: dModel 8, 2 heads of 4, 1 kv head, MLP 16, vocab 32, 2 layers. */
  public static ModelConfig gemma2() {
    return new ModelConfig(
        "gemma2",
        32,
        8,
        16,
        2,
        2,
        1,
        4,
        1e-6,
        4,
        50.0,
        30.0,
        3,
        List.of(AttentionKind.SLIDING, AttentionKind.FULL),
        10000.0,
        10000.0,
        false,
        64,
        2,
        1,
        0);
  }

  /** Gemma 3 shape family with q/k norms, 3 layers, pattern 3. */
  public static ModelConfig gemma3() {
    return new ModelConfig(
        "gemma3_text",
        32,
        8,
        16,
        3,
        2,
        1,
        4,
        1e-6,
        4,
        0.0,
        0.0,
        3,
        List.of(AttentionKind.SLIDING, AttentionKind.SLIDING, AttentionKind.FULL),
        1_000_000.0,
        10000.0,
        true,
        64,
        2,
        1,
        0);
  }

  /** {@code c} with another vocabulary size. */
  public static ModelConfig withVocab(ModelConfig c, int vocab) {
    return new ModelConfig(
        c.architecture(),
        vocab,
        c.dModel(),
        c.dMlp(),
        c.nLayers(),
        c.nHeads(),
        c.nKvHeads(),
        c.headDim(),
        c.rmsNormEps(),
        c.queryPreAttnScalar(),
        c.attnLogitSoftcap(),
        c.finalLogitSoftcap(),
        c.slidingWindow(),
        c.layerKinds(),
        c.ropeThetaGlobal(),
        c.ropeThetaLocal(),
        c.qkNorm(),
        c.maxPositions(),
        c.bosId(),
        c.eosId(),
        c.padId());
  }

  /** One raw tensor for {@link #writeSafetensors}. */
  record Raw(String name, String dtype, long[] shape, byte[] data) {
    static Raw f32(String name, long[] shape, float... values) {
      ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) {
        b.putFloat(v);
      }
      return new Raw(name, "F32", shape, b.array());
    }

    static Raw filled(String name, String dtype, long[] shape, float value) {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      int bytes = dtype.equals("F32") ? 4 : 2;
      ByteBuffer b = ByteBuffer.allocate((int) n * bytes).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        switch (dtype) {
          case "F32" -> b.putFloat(value);
          case "F16" -> b.putShort(Float.floatToFloat16(value));
          case "BF16" -> b.putShort((short) (Float.floatToRawIntBits(value) >>> 16));
          default -> b.putShort((short) 0);
        }
      }
      return new Raw(name, dtype, shape, b.array());
    }
  }

  /** Writes a safetensors file exactly as given (any dtype string, any shape). */
  static void writeSafetensors(Path file, List<Raw> tensors) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    long offset = 0;
    for (Raw t : tensors) {
      ObjectNode e = header.putObject(t.name());
      e.put("dtype", t.dtype());
      var shape = e.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      e.putArray("data_offsets").add(offset).add(offset + t.data().length);
      offset += t.data().length;
    }
    byte[] h = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    ByteBuffer out =
        ByteBuffer.allocate((int) (8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(h.length).put(h);
    for (Raw t : tensors) {
      out.put(t.data());
    }
    Files.write(file, out.array());
  }

  /** All expected tensors of {@code c} filled with {@code value} in {@code dtype}. */
  static List<Raw> allTensors(ModelConfig c, String dtype, float value) {
    List<Raw> out = new ArrayList<>();
    for (GemmaTensors.Spec s : GemmaTensors.expected(c)) {
      out.add(Raw.filled(s.name(), dtype, s.shape(), value));
    }
    return out;
  }

  /** A folder with config.json and one model.safetensors holding {@code tensors}. */
  static Path folder(Path dir, ModelConfig c, List<Raw> tensors) throws IOException {
    Files.createDirectories(dir);
    HfConfigJson.write(c, dir.resolve("config.json"));
    writeSafetensors(dir.resolve("model.safetensors"), tensors);
    return dir;
  }

  /** Rewrites fields of a folder's config.json: null removes a field, a JsonNode is set as is. */
  static void editConfig(Path dir, Map<String, Object> changes) throws IOException {
    Path f = dir.resolve("config.json");
    ObjectNode o = (ObjectNode) JSON.readTree(f.toFile());
    changes.forEach(
        (k, v) -> {
          if (v == null) {
            o.remove(k);
          } else {
            o.set(k, v instanceof JsonNode n ? n : JSON.valueToTree(v));
          }
        });
    JSON.writeValue(f.toFile(), o);
  }
}
