package dev.saescope.runtime.weights.gguf;

import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated header of a GGUF file: everything before the tensor data. {@link
 * GgufFile} documents the layout; this class does the reading and the checks.
 */
record GgufHeader(
    int version,
    long fileSize,
    long alignment,
    long dataStart,
    Map<String, GgufValue> metadata,
    Map<String, GgufTensorInfo> tensors) {
  private static final int MAX_DIMS = 4; // GGML_MAX_DIMS
  private static final long MAX_COUNT = 1L << 24;

  /** A tensor info as written, before its position in the file is known. */
  private record Raw(String name, long[] ne, GgmlType type, long relOffset) {}

  static GgufHeader read(Path file, FileChannel channel) throws WeightsException {
    long fileSize;
    try {
      fileSize = channel.size();
    } catch (IOException e) {
      throw new WeightsException(file, "cannot read the file size: " + e, e);
    }
    if (fileSize < 24) {
      throw new WeightsException(file, "not a GGUF file: only " + fileSize + " bytes");
    }
    Reader in = new Reader(file, channel, fileSize);
    int version = readPreamble(file, in);
    long tensorCount = in.count("tensor count");
    long kvCount = in.count("metadata count");
    Map<String, GgufValue> metadata = readMetadata(file, in, kvCount);
    long alignment = alignment(file, metadata);
    List<Raw> raws = readTensorInfos(file, in, tensorCount, alignment);
    long dataStart = (in.position() + alignment - 1) / alignment * alignment;
    Map<String, GgufTensorInfo> tensors = place(file, raws, dataStart, fileSize);
    return new GgufHeader(
        version,
        fileSize,
        alignment,
        dataStart,
        Collections.unmodifiableMap(metadata),
        Collections.unmodifiableMap(tensors));
  }

  private static int readPreamble(Path file, Reader in) throws WeightsException {
    int magic = in.u32("magic");
    if (magic != GgufFile.MAGIC) {
      throw new WeightsException(
          file,
          String.format(
              "not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")",
              magic, GgufFile.MAGIC));
    }
    int version = in.u32("version");
    if (version != 2 && version != 3) {
      String hint =
          Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
              ? " (a big-endian GGUF; only little-endian files are supported)"
              : " (supported: 2 and 3)";
      throw new WeightsException(file, "unsupported GGUF version " + version + hint);
    }
    return version;
  }

  private static Map<String, GgufValue> readMetadata(Path file, Reader in, long kvCount)
      throws WeightsException {
    Map<String, GgufValue> metadata = new LinkedHashMap<>();
    for (long i = 0; i < kvCount; i++) {
      String key = in.string("metadata key #" + i);
      int typeId = in.u32("type of metadata '" + key + "'");
      GgufValue.Type type = GgufValue.Type.byId(typeId);
      if (type == null) {
        throw new WeightsException(file, "metadata '" + key + "': unknown value type " + typeId);
      }
      GgufValue value = in.value(key, type, 0);
      if (metadata.put(key, value) != null) {
        throw new WeightsException(file, "metadata key '" + key + "' appears twice");
      }
    }
    return metadata;
  }

  private static long alignment(Path file, Map<String, GgufValue> metadata)
      throws WeightsException {
    GgufValue v = metadata.get("general.alignment");
    if (v == null) {
      return GgufFile.DEFAULT_ALIGNMENT;
    }
    if (!v.type().isInteger() || (long) v.value() <= 0 || Long.bitCount((long) v.value()) != 1) {
      throw new WeightsException(
          file, "general.alignment must be a positive power of two, got " + v);
    }
    return (long) v.value();
  }

  private static List<Raw> readTensorInfos(Path file, Reader in, long count, long alignment)
      throws WeightsException {
    List<Raw> raws = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      String name = in.string("name of tensor #" + i);
      int nDims = in.u32("dims of tensor '" + name + "'");
      if (nDims < 0 || nDims > MAX_DIMS) {
        throw new WeightsException(file, name, "has " + nDims + " dimensions (at most 4)");
      }
      long[] ne = new long[nDims];
      for (int d = 0; d < nDims; d++) {
        ne[d] = in.u64("dimension " + d + " of tensor '" + name + "'");
        if (ne[d] < 0 || ne[d] > (1L << 40)) {
          throw new WeightsException(file, name, "bad dimension ne[" + d + "] = " + ne[d]);
        }
      }
      int typeId = in.u32("type of tensor '" + name + "'");
      GgmlType type = GgmlType.byId(typeId);
      if (type == null) {
        throw new WeightsException(file, name, "unknown ggml type id " + typeId);
      }
      long relOffset = in.u64("offset of tensor '" + name + "'");
      if (ne.length > 0 && ne[0] % type.blockSize != 0) {
        throw new WeightsException(
            file,
            name,
            "row length ne[0] = "
                + ne[0]
                + " is not a multiple of the "
                + type
                + " block size "
                + type.blockSize);
      }
      if (relOffset < 0 || relOffset % alignment != 0) {
        throw new WeightsException(
            file, name, "data offset " + relOffset + " is not aligned to " + alignment);
      }
      raws.add(new Raw(name, ne, type, relOffset));
    }
    return raws;
  }

  /**
   * Absolute positions, with every tensor's bytes checked to lie inside the file and to overlap no
   * other tensor's. (llama.cpp's {@code gguf_init_from_file_impl} is stricter still: each offset
   * must be the padded end of the previous tensor. Gaps are harmless, overlaps make one tensor's
   * bytes another's.)
   */
  private static Map<String, GgufTensorInfo> place(
      Path file, List<Raw> raws, long dataStart, long fileSize) throws WeightsException {
    Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
    long dataSize = fileSize - dataStart;
    for (Raw r : raws) {
      long bytes = byteSize(file, r);
      if (r.relOffset() > dataSize || bytes > dataSize - r.relOffset()) {
        throw new WeightsException(
            file,
            r.name(),
            "truncated file or bad offset: the tensor's data runs from offset "
                + r.relOffset()
                + " for "
                + bytes
                + " bytes but the data section has "
                + Math.max(0, dataSize)
                + " bytes (the file has "
                + fileSize
                + ")");
      }
      long begin = dataStart + r.relOffset();
      GgufTensorInfo info = new GgufTensorInfo(r.name(), r.ne(), r.type(), begin, bytes);
      if (tensors.put(r.name(), info) != null) {
        throw new WeightsException(file, r.name(), "appears twice in the tensor list");
      }
    }
    checkNoOverlap(file, tensors.values(), dataStart);
    return tensors;
  }

  private static long byteSize(Path file, Raw r) throws WeightsException {
    try {
      long elements = 1;
      for (long d : r.ne()) {
        elements = Math.multiplyExact(elements, d);
      }
      return r.type().bytesFor(elements);
    } catch (ArithmeticException e) {
      throw new WeightsException(
          file, r.name(), "dimensions " + Arrays.toString(r.ne()) + " overflow a 64-bit size");
    }
  }

  private static void checkNoOverlap(Path file, Collection<GgufTensorInfo> tensors, long dataStart)
      throws WeightsException {
    List<GgufTensorInfo> byOffset = new ArrayList<>(tensors);
    byOffset.removeIf(t -> t.byteSize() == 0); // an empty tensor covers no byte
    byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
    GgufTensorInfo last = null; // the tensor that ends furthest so far
    for (GgufTensorInfo t : byOffset) {
      if (last != null && t.offset() < last.offset() + last.byteSize()) {
        throw new WeightsException(
            file,
            t.name(),
            "data at offsets "
                + range(t, dataStart)
                + " overlaps tensor '"
                + last.name()
                + "' at "
                + range(last, dataStart));
      }
      if (last == null || t.offset() + t.byteSize() > last.offset() + last.byteSize()) {
        last = t;
      }
    }
  }

  private static String range(GgufTensorInfo t, long dataStart) {
    long rel = t.offset() - dataStart;
    return "[" + rel + ", " + (rel + t.byteSize()) + ")";
  }

  /** Sequential little-endian reader over the header, with bounds checked against the file. */
  private static final class Reader {
    private final Path file;
    private final FileChannel channel;
    private final long fileSize;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long bufStart; // file position of buf[0]

    Reader(Path file, FileChannel channel, long fileSize) {
      this.file = file;
      this.channel = channel;
      this.fileSize = fileSize;
      buf.limit(0);
    }

    long position() {
      return bufStart + buf.position();
    }

    private void need(int n, String what) throws WeightsException {
      if (buf.remaining() >= n) {
        return;
      }
      long pos = position();
      if (pos + n > fileSize) {
        throw new WeightsException(
            file,
            "truncated in the header: "
                + what
                + " needs bytes up to "
                + (pos + n)
                + " but the file has "
                + fileSize);
      }
      buf.compact();
      bufStart = pos; // after compact, buf[0] is the byte at pos
      try {
        while (buf.position() < n) {
          int r = channel.read(buf, pos + buf.position());
          if (r < 0) {
            throw new WeightsException(file, "unexpected end of file reading " + what);
          }
        }
      } catch (IOException e) {
        if (e instanceof WeightsException we) {
          throw we;
        }
        throw new WeightsException(file, "read failed at " + pos + ": " + e, e);
      }
      buf.flip();
    }

    int u32(String what) throws WeightsException {
      need(4, what);
      return buf.getInt();
    }

    long u64(String what) throws WeightsException {
      need(8, what);
      return buf.getLong();
    }

    long count(String what) throws WeightsException {
      long n = u64(what);
      if (n < 0 || n > MAX_COUNT) {
        throw new WeightsException(file, "implausible " + what + " " + n + " (corrupt header?)");
      }
      return n;
    }

    String string(String what) throws WeightsException {
      long len = u64("length of " + what);
      if (len < 0 || position() + len > fileSize) {
        throw new WeightsException(
            file,
            "truncated or corrupt header: "
                + what
                + " claims "
                + len
                + " bytes at position "
                + position()
                + " of "
                + fileSize);
      }
      byte[] b = new byte[(int) len];
      int done = 0;
      while (done < len) {
        int step = (int) Math.min(len - done, buf.capacity());
        need(step, what);
        buf.get(b, done, step);
        done += step;
      }
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b))
            .toString();
      } catch (CharacterCodingException e) {
        throw new WeightsException(file, what + " is not valid UTF-8");
      }
    }

    GgufValue value(String key, GgufValue.Type type, int depth) throws WeightsException {
      String what = "value of '" + key + "'";
      return switch (type) {
        case UINT8 -> new GgufValue(type, null, (long) (u8(what)));
        case INT8 -> new GgufValue(type, null, (long) (byte) u8(what));
        case UINT16 -> new GgufValue(type, null, (long) (u16(what)));
        case INT16 -> new GgufValue(type, null, (long) (short) u16(what));
        case UINT32 -> new GgufValue(type, null, u32(what) & 0xffffffffL);
        case INT32 -> new GgufValue(type, null, (long) u32(what));
        case UINT64, INT64 -> new GgufValue(type, null, u64(what));
        case FLOAT32 -> new GgufValue(type, null, (double) Float.intBitsToFloat(u32(what)));
        case FLOAT64 -> new GgufValue(type, null, Double.longBitsToDouble(u64(what)));
        case BOOL -> new GgufValue(type, null, bool(what));
        case STRING -> new GgufValue(type, null, string(what));
        case ARRAY -> array(key, depth);
      };
    }

    private int u8(String what) throws WeightsException {
      need(1, what);
      return buf.get() & 0xff;
    }

    private int u16(String what) throws WeightsException {
      need(2, what);
      return buf.getShort() & 0xffff;
    }

    private boolean bool(String what) throws WeightsException {
      int b = u8(what);
      if (b > 1) {
        throw new WeightsException(file, what + ": bool byte is " + b);
      }
      return b == 1;
    }

    private GgufValue array(String key, int depth) throws WeightsException {
      if (depth > 4) {
        throw new WeightsException(file, "metadata '" + key + "': arrays nested too deeply");
      }
      int elemId = u32("array type of '" + key + "'");
      GgufValue.Type elem = GgufValue.Type.byId(elemId);
      if (elem == null) {
        throw new WeightsException(file, "metadata '" + key + "': unknown array type " + elemId);
      }
      long n = count("length of array '" + key + "'");
      int len = (int) n;
      Object values;
      if (elem.isInteger()) {
        long[] a = new long[len];
        for (int i = 0; i < len; i++) {
          a[i] = (Long) value(key, elem, depth + 1).value();
        }
        values = a;
      } else if (elem.isFloat()) {
        double[] a = new double[len];
        for (int i = 0; i < len; i++) {
          a[i] = (Double) value(key, elem, depth + 1).value();
        }
        values = a;
      } else {
        values =
            switch (elem) {
              case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) {
                  a[i] = bool("value of '" + key + "'");
                }
                yield a;
              }
              case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) {
                  a[i] = string("element " + i + " of '" + key + "'");
                }
                yield a;
              }
              default -> {
                GgufValue[] a = new GgufValue[len];
                for (int i = 0; i < len; i++) {
                  a[i] = value(key, elem, depth + 1);
                }
                yield a;
              }
            };
      }
      return new GgufValue(GgufValue.Type.ARRAY, elem, values);
    }
  }
}
