package dev.saescope.runtime.weights.gguf;

import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * file and overlap no other tensor, so a truncated download fails at open and names the first
 * tensor it cuts. Values are checked as they are decoded: a NaN or infinite weight fails {@link
 * #dequantizeRows} naming the tensor. Reads are positional and the object is safe to share between
 * threads.
 */
public final class GgufFile implements AutoCloseable {
  /** "GGUF" read as a little-endian u32. */
  static final int MAGIC = 0x46554747;

  static final int DEFAULT_ALIGNMENT = 32;
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
      GgufHeader h = GgufHeader.read(file, channel);
      return new GgufFile(
          file,
          channel,
          h.version(),
          h.fileSize(),
          h.alignment(),
          h.dataStart(),
          h.metadata(),
          h.tensors());
    } catch (WeightsException | RuntimeException e) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // the open already failed; report that
      }
      throw e;
    }
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

  /** Fails naming file, tensor and the types saescope decodes unless {@code t} is one of them. */
  static void requireDequantizable(Path file, GgufTensorInfo t) throws WeightsException {
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
  }

  /** Dequantizes {@code count} rows ({@code ne[0]} values each) starting at row {@code first}. */
  public float[] dequantizeRows(GgufTensorInfo t, long first, int count) throws WeightsException {
    requireDequantizable(file, t);
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
      int at = (int) (r * rowLen);
      Dequantize.blocks(t.type(), buf, 0, rows * blocksPerRow, out, at);
      requireFinite(t, out, at, (int) (rows * rowLen), first + r, rowLen);
    }
    return out;
  }

  /**
   * Fails naming the tensor and the first bad row if a decoded chunk holds NaN or an infinity (a
   * NaN block scale or float weight), as the safetensors reader does. The chunk was just written
   * and is still in cache, so the scan costs little next to the decoding.
   */
  private void requireFinite(
      GgufTensorInfo t, float[] out, int from, int count, long firstRow, long rowLen)
      throws WeightsException {
    for (int i = from; i < from + count; i++) {
      if (!Float.isFinite(out[i])) {
        long row = firstRow + (i - from) / rowLen;
        throw new WeightsException(
            file,
            t.name(),
            "contains NaN or infinite values ("
                + out[i]
                + " in row "
                + row
                + " of "
                + t.rows()
                + ")");
      }
    }
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
}
