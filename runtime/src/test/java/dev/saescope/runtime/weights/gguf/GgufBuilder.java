package dev.saescope.runtime.weights.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes small GGUF files for tests, following llama.cpp's {@code gguf_writer.py} byte for byte
 * (header, KV, tensor infos, padding to the alignment, data), with knobs to break each part.
 */
final class GgufBuilder {
  private record Kv(String key, byte[] encoded) {}

  private record Tensor(String name, long[] ne, int typeId, byte[] data) {}

  private int magic = GgufFile.MAGIC;
  private int version = 3;
  private int alignment = 32;
  private final List<Kv> kvs = new ArrayList<>();
  private final List<Tensor> tensors = new ArrayList<>();
  private final Map<String, Long> offsets = new HashMap<>();
  private int extraData = 0;

  GgufBuilder magic(int m) {
    this.magic = m;
    return this;
  }

  GgufBuilder version(int v) {
    this.version = v;
    return this;
  }

  GgufBuilder string(String key, String value) {
    Buf b = new Buf();
    b.u32(8).str(value);
    kvs.add(new Kv(key, b.bytes()));
    return this;
  }

  GgufBuilder u32(String key, long value) {
    Buf b = new Buf();
    b.u32(4).u32((int) value);
    kvs.add(new Kv(key, b.bytes()));
    return this;
  }

  GgufBuilder f32(String key, float value) {
    Buf b = new Buf();
    b.u32(6).u32(Float.floatToIntBits(value));
    kvs.add(new Kv(key, b.bytes()));
    return this;
  }

  GgufBuilder bool(String key, boolean value) {
    Buf b = new Buf();
    b.u32(7).u8(value ? 1 : 0);
    kvs.add(new Kv(key, b.bytes()));
    return this;
  }

  GgufBuilder strings(String key, List<String> values) {
    Buf b = new Buf();
    b.u32(9).u32(8).u64(values.size());
    values.forEach(b::str);
    kvs.add(new Kv(key, b.bytes()));
    return this;
  }

  /** A key with a raw value type id and raw value bytes (for corrupt files). */
  GgufBuilder rawKv(String key, int typeId, byte[] value) {
    Buf b = new Buf();
    b.u32(typeId).raw(value);
    kvs.add(new Kv(key, b.bytes()));
    return this;
  }

  GgufBuilder tensor(String name, long[] ne, GgmlType type, byte[] data) {
    return tensor(name, ne, type.id, data);
  }

  GgufBuilder tensor(String name, long[] ne, int typeId, byte[] data) {
    tensors.add(new Tensor(name, ne.clone(), typeId, data));
    return this;
  }

  /** Appends {@code bytes} zero bytes after the last tensor's data (room for moved offsets). */
  GgufBuilder extraData(int bytes) {
    this.extraData = bytes;
    return this;
  }

  /** Writes {@code relOffset} as the tensor's data offset instead of where its data really is. */
  GgufBuilder offset(String name, long relOffset) {
    offsets.put(name, relOffset);
    return this;
  }

  /** An F32 tensor of HF shape {@code shape} (written as reversed ne). */
  GgufBuilder f32Tensor(String name, long[] shape, float[] values) {
    long[] ne = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      ne[i] = shape[shape.length - 1 - i];
    }
    return tensor(name, ne, GgmlType.F32, f32Bytes(values));
  }

  static byte[] f32Bytes(float[] values) {
    ByteBuffer bb = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      bb.putFloat(v);
    }
    return bb.array();
  }

  byte[] build() {
    Buf b = new Buf();
    b.u32(magic).u32(version).u64(tensors.size()).u64(kvs.size());
    for (Kv kv : kvs) {
      b.str(kv.key()).raw(kv.encoded());
    }
    long offset = 0;
    for (Tensor t : tensors) {
      b.str(t.name()).u32(t.ne().length);
      for (long d : t.ne()) {
        b.u64(d);
      }
      b.u32(t.typeId()).u64(offsets.getOrDefault(t.name(), offset));
      offset += pad(t.data().length);
    }
    b.padTo(alignment);
    for (Tensor t : tensors) {
      b.raw(t.data());
      b.padTo(alignment);
    }
    b.raw(new byte[extraData]);
    return b.bytes();
  }

  Path write(Path file) throws IOException {
    Files.write(file, build());
    return file;
  }

  private long pad(long n) {
    return (n + alignment - 1) / alignment * alignment;
  }

  /** Little-endian byte sink. */
  static final class Buf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Buf u8(int v) {
      out.write(v);
      return this;
    }

    Buf u16(int v) {
      out.write(v & 0xff);
      out.write((v >> 8) & 0xff);
      return this;
    }

    Buf u32(int v) {
      for (int i = 0; i < 4; i++) {
        out.write((v >> (8 * i)) & 0xff);
      }
      return this;
    }

    Buf u64(long v) {
      for (int i = 0; i < 8; i++) {
        out.write((int) (v >> (8 * i)) & 0xff);
      }
      return this;
    }

    Buf f16(float v) {
      return u16(Float.floatToFloat16(v));
    }

    Buf str(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u64(b.length);
      out.writeBytes(b);
      return this;
    }

    Buf raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    Buf padTo(int alignment) {
      while (out.size() % alignment != 0) {
        out.write(0);
      }
      return this;
    }

    int size() {
      return out.size();
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
