package dev.saescope.runtime.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the raw
 * little-endian data (https://github.com/huggingface/safetensors, "Format").
 *
 * <p>{@link #open} checks the header ({@link SafetensorsHeader}): known dtypes, offsets that hold
 * the shape, and byte ranges that tile the data exactly, so a truncated, overlapping or padded file
 * fails at open naming the tensor. {@link #read} refuses NaN and infinite values.
 *
 * <p>Tensors are read into heap {@code float[]} in chunks, so a tensor larger than 2 GiB (the
 * gemma-2-2b embedding in fp32) is read as well as a small one.
 */
public final class Safetensors implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CHUNK = 1 << 24;

  /** The element types we convert to fp32. */
  public enum Dtype {
    F32(4),
    F16(2),
    BF16(2),
    F64(8);

    final int bytes;

    Dtype(int bytes) {
      this.bytes = bytes;
    }
  }

  /** One tensor's place in the file; offsets are absolute file positions. */
  public record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
    public long size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private Safetensors(
      Path file, FileChannel channel, Map<String, Entry> entries, Map<String, String> metadata) {
    this.file = file;
    this.channel = channel;
    this.entries = entries;
    this.metadata = metadata;
  }

  /** Opens a file and validates its header against the file size. */
  public static Safetensors open(Path file) throws WeightsException {
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new WeightsException(file, "cannot open safetensors file: " + e.getMessage(), e);
    }
    try {
      SafetensorsHeader h = SafetensorsHeader.read(file, channel);
      return new Safetensors(file, channel, h.entries(), h.metadata());
    } catch (WeightsException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  public Path file() {
    return file;
  }

  /** Tensor entries by name, in file order. */
  public Map<String, Entry> entries() {
    return entries;
  }

  /** The optional {@code __metadata__} strings. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Reads one tensor and converts it to fp32. */
  public HostTensor read(String name) throws WeightsException {
    Entry entry = entries.get(name);
    if (entry == null) {
      throw new WeightsException(file, name, "not in this file");
    }
    long n = entry.size();
    if (n > Integer.MAX_VALUE - 8) {
      throw new WeightsException(file, name, "too large for one Java array: " + n + " elements");
    }
    float[] out = new float[(int) n];
    ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    long pos = entry.begin();
    int written = 0;
    while (pos < entry.end()) {
      int want = (int) Math.min(CHUNK - CHUNK % 8, entry.end() - pos);
      buf.clear().limit(want);
      readFully(channel, buf, pos, file);
      buf.flip();
      written += convert(entry.dtype(), buf, out, written);
      pos += want;
    }
    for (float v : out) {
      if (!Float.isFinite(v)) {
        throw new WeightsException(file, name, "contains NaN or infinite values");
      }
    }
    return new HostTensor(name, entry.shape(), FloatBuffer.wrap(out));
  }

  private static int convert(Dtype dtype, ByteBuffer in, float[] out, int at) {
    int count = in.remaining() / dtype.bytes;
    switch (dtype) {
      case F32 -> in.asFloatBuffer().get(out, at, count);
      case F64 -> {
        for (int i = 0; i < count; i++) {
          out[at + i] = (float) in.getDouble();
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          out[at + i] = Float.float16ToFloat(in.getShort());
        }
      }
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          out[at + i] = Float.intBitsToFloat((in.getShort() & 0xffff) << 16);
        }
      }
    }
    return count;
  }

  /** A tensor's entry in a safetensors header: its data follows the previous entry's. */
  record HeaderEntry(String name, String dtype, long[] shape, long bytes) {}

  /**
   * Creates (or truncates) {@code file} and writes a safetensors header for {@code entries}, padded
   * with spaces to 8 bytes as the reference writer does. The caller then writes each entry's data,
   * in order, to the returned channel.
   */
  static FileChannel createWithHeader(
      Path file, List<HeaderEntry> entries, Map<String, String> metadata) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (HeaderEntry t : entries) {
      ObjectNode e = header.putObject(t.name());
      e.put("dtype", t.dtype());
      var shape = e.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      e.putArray("data_offsets").add(offset).add(offset + t.bytes());
      offset += t.bytes();
    }
    byte[] headerBytes = JSON.writeValueAsBytes(header);
    int pad = (8 - headerBytes.length % 8) % 8;
    byte[] padded = Arrays.copyOf(headerBytes, headerBytes.length + pad);
    Arrays.fill(padded, headerBytes.length, padded.length, (byte) ' ');
    FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    try {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length);
      writeFully(ch, len.flip());
      writeFully(ch, ByteBuffer.wrap(padded));
      return ch;
    } catch (IOException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  /** Writes fp32 tensors (in the given order) with optional metadata. */
  public static void writeF32(Path file, Iterable<HostTensor> tensors, Map<String, String> metadata)
      throws IOException {
    List<HeaderEntry> entries = new ArrayList<>();
    for (HostTensor t : tensors) {
      entries.add(new HeaderEntry(t.name(), "F32", t.shape(), t.size() * 4));
    }
    try (FileChannel ch = createWithHeader(file, entries, metadata)) {
      ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
      for (HostTensor t : tensors) {
        FloatBuffer src = t.data().duplicate();
        while (src.hasRemaining()) {
          buf.clear();
          FloatBuffer view = buf.asFloatBuffer();
          int n = Math.min(view.capacity(), src.remaining());
          FloatBuffer slice = src.slice().limit(n);
          view.put(slice);
          src.position(src.position() + n);
          buf.limit(n * 4);
          writeFully(ch, buf);
        }
      }
    }
  }

  static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file)
      throws WeightsException {
    try {
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw new WeightsException(file, "truncated: unexpected end of file at byte " + pos);
        }
        pos += n;
      }
    } catch (WeightsException e) {
      throw e;
    } catch (IOException e) {
      throw new WeightsException(file, "read failed: " + e.getMessage(), e);
    }
  }

  static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing to do: the open already failed
    }
  }

  @Override
  public void close() {
    closeQuietly(channel);
  }
}
