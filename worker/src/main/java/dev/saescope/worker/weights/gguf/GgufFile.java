package dev.saescope.worker.weights.gguf;

import dev.saescope.worker.weights.WeightsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (versions 2 and 3, little-endian): header, metadata, tensor infos, and fp32
 * dequantization of any tensor or range of rows.
 *
 * <p>Layout (llama.cpp {@code gguf-py/gguf/gguf_writer.py}, {@code ggml/src/gguf.cpp}): magic
 * {@code GGUF}, u32 version, u64 tensor count, u64 metadata count, metadata (string key, u32 value
 * type, value), tensor infos (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset
 * relative to the data section), padding to {@code general.alignment} (default 32), data.
 *
 * <p>{@link #open} checks everything that can be checked without decoding: known value and tensor
 * types, rows made of whole blocks, aligned offsets, and that every tensor's bytes lie inside the
 * file, so a truncated download fails at open and names the first tensor it cuts. Reads are
 * positional and the object is safe to share between threads.
 */
public final class GgufFile implements AutoCloseable {
  /** "GGUF" read as a little-endian u32. */
  static final int MAGIC = 0x46554747;

  static final int DEFAULT_ALIGNMENT = 32;
  private static final int MAX_DIMS = 4; // GGML_MAX_DIMS
  private static final long MAX_COUNT = 1L << 24;
  private static final int CHUNK_BYTES = 8 << 20;

  private final Path file;
  private final FileChannel channel;
  private final int version;
  private final long fileSize;
  private final long alignment;
  private final long dataStart;
  private final Map<String, GgufValue> metadata;
  private final Map<String, GgufTensorInfo> tensors;

  private GgufFile(
      Path file,
      FileChannel channel,
      int version,
      long fileSize,
      long alignment,
      long dataStart,
      Map<String, GgufValue> metadata,
      Map<String, GgufTensorInfo> tensors) {
    this.file = file;
    this.channel = channel;
    this.version = version;
    this.fileSize = fileSize;
    this.alignment = alignment;
    this.dataStart = dataStart;
    this.metadata = metadata;
    this.tensors = tensors;
  }

  /**
   * Opens and validates a GGUF file.
   *
   * @throws WeightsException naming the file (and tensor or key) if it is not a valid GGUF file
   */
  public static GgufFile open(Path file) throws WeightsException {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new WeightsException(file, "cannot open GGUF file: " + e, e);
    }
    try {
      return read(file, channel);
    } catch (WeightsException | RuntimeException e) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // the open already failed; report that
      }
      throw e;
    }
  }

  private static GgufFile read(Path file, FileChannel channel) throws WeightsException {
    long fileSize;
    try {
      fileSize = channel.size();
    } catch (IOException e) {
      throw new WeightsException(file, "cannot read the file size: " + e, e);
    }
    Reader in = new Reader(file, channel, fileSize);
    if (fileSize < 24) {
      throw new WeightsException(file, "not a GGUF file: only " + fileSize + " bytes");
    }
    int magic = in.u32("magic");
    if (magic != MAGIC) {
      throw new WeightsException(
          file,
          String.format(
              "not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
    }
    int version = in.u32("version");
    if (version != 2 && version != 3) {
      String hint =
          Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
              ? " (a big-endian GGUF; only little-endian files are supported)"
              : " (supported: 2 and 3)";
      throw new WeightsException(file, "unsupported GGUF version " + version + hint);
    }
    long tensorCount = in.count("tensor count");
    long kvCount = in.count("metadata count");

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

    long alignment = DEFAULT_ALIGNMENT;
    GgufValue alignValue = metadata.get("general.alignment");
    if (alignValue != null) {
      if (!alignValue.type().isInteger()
          || (long) alignValue.value() <= 0
          || Long.bitCount((long) alignValue.value()) != 1) {
        throw new WeightsException(
            file, "general.alignment must be a positive power of two, got " + alignValue);
      }
      alignment = (long) alignValue.value();
    }

    record Raw(String name, long[] ne, GgmlType type, long relOffset) {}
    List<Raw> raws = new ArrayList<>();
    for (long i = 0; i < tensorCount; i++) {
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
    long dataStart = (in.position() + alignment - 1) / alignment * alignment;

    Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
    for (Raw r : raws) {
      long elements = 1;
      for (long d : r.ne()) {
        elements = Math.multiplyExact(elements, d);
      }
      long bytes = r.type().bytesFor(elements);
      long begin = dataStart + r.relOffset();
      if (begin + bytes > fileSize) {
        throw new WeightsException(
            file,
            r.name(),
            "truncated file: the tensor's data ends at byte "
                + (begin + bytes)
                + " but the file has "
                + fileSize
                + " bytes");
      }
      GgufTensorInfo info = new GgufTensorInfo(r.name(), r.ne(), r.type(), begin, bytes);
      if (tensors.put(r.name(), info) != null) {
        throw new WeightsException(file, r.name(), "appears twice in the tensor list");
      }
    }
    return new GgufFile(
        file,
        channel,
        version,
        fileSize,
        alignment,
        dataStart,
        Collections.unmodifiableMap(metadata),
        Collections.unmodifiableMap(tensors));
  }

  public Path file() {
    return file;
  }

  public int version() {
    return version;
  }

  public long fileSize() {
    return fileSize;
  }

  public long alignment() {
    return alignment;
  }

  /** Absolute file position of the data section. */
  public long dataStart() {
    return dataStart;
  }

  /** All metadata in file order. */
  public Map<String, GgufValue> metadata() {
    return metadata;
  }

  /** Tensor infos by GGUF name, in file order. */
  public Map<String, GgufTensorInfo> tensors() {
    return tensors;
  }

  public Optional<GgufValue> value(String key) {
    return Optional.ofNullable(metadata.get(key));
  }

  /** A required string value. */
  public String string(String key) throws WeightsException {
    GgufValue v = required(key);
    if (v.type() != GgufValue.Type.STRING) {
      throw new WeightsException(file, "metadata '" + key + "' should be a string, is " + v.type());
    }
    return (String) v.value();
  }

  /** A required integer value. */
  public long integer(String key) throws WeightsException {
    return integer(key, required(key));
  }

  /** An optional integer value. */
  public Optional<Long> optInteger(String key) throws WeightsException {
    GgufValue v = metadata.get(key);
    return v == null ? Optional.empty() : Optional.of(integer(key, v));
  }

  /** An optional number (integer or float) as a double. */
  public Optional<Double> optNumber(String key) throws WeightsException {
    GgufValue v = metadata.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v.type().isFloat()) {
      return Optional.of((Double) v.value());
    }
    return Optional.of((double) integer(key, v));
  }

  private long integer(String key, GgufValue v) throws WeightsException {
    if (!v.type().isInteger()) {
      throw new WeightsException(file, "metadata '" + key + "' should be an integer, is " + v);
    }
    return (Long) v.value();
  }

  private GgufValue required(String key) throws WeightsException {
    GgufValue v = metadata.get(key);
    if (v == null) {
      throw new WeightsException(file, "metadata key '" + key + "' is missing");
    }
    return v;
  }

  /** Info of a tensor by GGUF name. */
  public GgufTensorInfo tensor(String name) throws WeightsException {
    GgufTensorInfo t = tensors.get(name);
    if (t == null) {
      throw new WeightsException(file, name, "not in this GGUF file");
    }
    return t;
  }

  /**
   * Dequantizes a whole tensor to fp32 in ggml order (row-major over the reversed {@code ne}).
   *
   * @throws WeightsException naming the tensor if its type cannot be decoded, it has more than 2^31
   *     elements, or reading fails
   */
  public float[] dequantize(GgufTensorInfo t) throws WeightsException {
    return dequantizeRows(t, 0, Math.toIntExact(Math.min(t.rows(), Integer.MAX_VALUE)));
  }

  /** Dequantizes {@code count} rows ({@code ne[0]} values each) starting at row {@code first}. */
  public float[] dequantizeRows(GgufTensorInfo t, long first, int count) throws WeightsException {
    if (!t.type().dequantizable()) {
      throw new WeightsException(
          file,
          t.name(),
          "ggml type "
              + t.type()
              + " is not supported (saescope decodes "
              + GgmlType.supportedList()
              + ")");
    }
    if (first < 0 || count < 0 || first + count > t.rows()) {
      throw new WeightsException(
          file, t.name(), "rows " + first + ".." + (first + count) + " out of 0.." + t.rows());
    }
    long rowLen = t.rowLength();
    long total = rowLen * count;
    if (total > Integer.MAX_VALUE - 8) {
      throw new WeightsException(file, t.name(), "too large for one Java array: " + total);
    }
    float[] out = new float[(int) total];
    long rowBytes = t.type().bytesFor(rowLen);
    int blocksPerRow = (int) (rowLen / t.type().blockSize);
    int rowsPerChunk = (int) Math.max(1, Math.min(count, CHUNK_BYTES / Math.max(1, rowBytes)));
    byte[] buf = new byte[(int) (rowsPerChunk * rowBytes)];
    for (int r = 0; r < count; r += rowsPerChunk) {
      int rows = Math.min(rowsPerChunk, count - r);
      int bytes = (int) (rows * rowBytes);
      readAt(t, t.offset() + (first + r) * rowBytes, buf, bytes);
      Dequantize.blocks(t.type(), buf, 0, rows * blocksPerRow, out, (int) (r * rowLen));
    }
    return out;
  }

  /** Raw bytes of a tensor (for tests and tools). */
  public byte[] rawBytes(GgufTensorInfo t) throws WeightsException {
    byte[] b = new byte[Math.toIntExact(t.byteSize())];
    readAt(t, t.offset(), b, b.length);
    return b;
  }

  private void readAt(GgufTensorInfo t, long pos, byte[] buf, int len) throws WeightsException {
    ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
    try {
      while (bb.hasRemaining()) {
        int n = channel.read(bb, pos + bb.position());
        if (n < 0) {
          throw new WeightsException(
              file, t.name(), "file ended at byte " + (pos + bb.position()) + " (truncated?)");
        }
      }
    } catch (IOException e) {
      if (e instanceof WeightsException we) {
        throw we;
      }
      throw new WeightsException(file, t.name() + ": read failed: " + e, e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing a read-only channel: nothing to recover
    }
  }

  @Override
  public String toString() {
    return "GGUF v" + version + " " + file + " (" + tensors.size() + " tensors)";
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
