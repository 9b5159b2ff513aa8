package dev.saescope.runtime.weights.gguf;

import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.channels.FileChannel;
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
    GgufReader in = new GgufReader(file, channel, fileSize);
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

  private static int readPreamble(Path file, GgufReader in) throws WeightsException {
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

  private static Map<String, GgufValue> readMetadata(Path file, GgufReader in, long kvCount)
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

  private static List<Raw> readTensorInfos(Path file, GgufReader in, long count, long alignment)
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
}
