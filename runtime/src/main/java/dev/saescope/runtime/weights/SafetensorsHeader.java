package dev.saescope.runtime.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated header of a safetensors file: every tensor's dtype, shape and byte
 * range, checked to lie inside the file and to tile the data exactly. {@link Safetensors} documents
 * the format; this class does the reading and the checks.
 *
 * @param dataStart absolute file position of the first data byte
 * @param entries tensor entries by name, in header order
 * @param metadata the optional {@code __metadata__} strings
 */
record SafetensorsHeader(
    long dataStart, Map<String, Safetensors.Entry> entries, Map<String, String> metadata) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;

  static SafetensorsHeader read(Path file, FileChannel channel) throws WeightsException {
    long fileSize;
    try {
      fileSize = channel.size();
    } catch (IOException e) {
      throw new WeightsException(file, "cannot read the file size: " + e.getMessage(), e);
    }
    if (fileSize < 8) {
      throw new WeightsException(file, "truncated: " + fileSize + " bytes, no header");
    }
    ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    Safetensors.readFully(channel, lenBuf, 0, file);
    long headerLen = lenBuf.flip().getLong();
    if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > fileSize) {
      throw new WeightsException(
          file, "bad header length " + headerLen + " for a file of " + fileSize + " bytes");
    }
    ByteBuffer header = ByteBuffer.allocate((int) headerLen);
    Safetensors.readFully(channel, header, 8, file);
    JsonNode root;
    try {
      root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      throw new WeightsException(file, "header is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new WeightsException(file, "header is not a JSON object");
    }
    long dataStart = 8 + headerLen;
    Map<String, Safetensors.Entry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getKey().equals("__metadata__")) {
        field
            .getValue()
            .fields()
            .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      Safetensors.Entry entry = parseEntry(file, field.getKey(), field.getValue(), dataStart);
      if (entry.end() > fileSize) {
        throw new WeightsException(
            file,
            entry.name(),
            "truncated: data ends at byte " + entry.end() + " but the file has " + fileSize);
      }
      entries.put(entry.name(), entry);
    }
    requireTiling(file, entries.values(), dataStart, fileSize);
    return new SafetensorsHeader(
        dataStart, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
  }

  /**
   * The data offsets must tile the byte buffer after the header exactly, as the reference reader
   * requires ({@code Metadata::validate}: {@code InvalidOffset}, {@code MetadataIncompleteBuffer}):
   * sorted by offset, each tensor starts where the previous one ends, and the last ends at the end
   * of the file. An overlap would make one tensor's bytes another's.
   */
  private static void requireTiling(
      Path file, Collection<Safetensors.Entry> entries, long dataStart, long fileSize)
      throws WeightsException {
    List<Safetensors.Entry> sorted = new ArrayList<>(entries);
    sorted.sort(
        Comparator.comparingLong(Safetensors.Entry::begin)
            .thenComparingLong(Safetensors.Entry::end));
    long expected = dataStart;
    Safetensors.Entry previous = null;
    for (Safetensors.Entry e : sorted) {
      if (e.begin() != expected) {
        String what = e.begin() < expected ? "overlap" : "leave a gap after";
        throw new WeightsException(
            file,
            e.name(),
            "data_offsets "
                + offsets(e, dataStart)
                + " "
                + what
                + (previous == null
                    ? " the header"
                    : " tensor '" + previous.name() + "' " + offsets(previous, dataStart))
                + "; safetensors data must tile the buffer");
      }
      expected = e.end();
      previous = e;
    }
    if (expected != fileSize) {
      throw new WeightsException(
          file,
          "the tensors' data ends at byte "
              + expected
              + " but the file has "
              + fileSize
              + " bytes: "
              + (fileSize - expected)
              + " bytes after the last tensor belong to none");
    }
  }

  private static String offsets(Safetensors.Entry e, long dataStart) {
    return "[" + (e.begin() - dataStart) + ", " + (e.end() - dataStart) + "]";
  }

  private static Safetensors.Entry parseEntry(Path file, String name, JsonNode node, long dataStart)
      throws WeightsException {
    String dtypeName = node.path("dtype").asText("");
    Safetensors.Dtype dtype;
    try {
      dtype = Safetensors.Dtype.valueOf(dtypeName);
    } catch (IllegalArgumentException e) {
      throw new WeightsException(
          file, name, "unsupported dtype '" + dtypeName + "' (expected F32, F16, BF16 or F64)");
    }
    JsonNode shapeNode = node.path("shape");
    JsonNode offsets = node.path("data_offsets");
    if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw new WeightsException(file, name, "header entry needs 'shape' and two 'data_offsets'");
    }
    long[] shape = new long[shapeNode.size()];
    long bytes = dtype.bytes;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeNode.get(i).asLong(-1);
      if (shape[i] < 0) {
        throw new WeightsException(file, name, "bad shape " + shapeNode);
      }
      try {
        bytes = Math.multiplyExact(bytes, shape[i]);
      } catch (ArithmeticException e) {
        throw new WeightsException(file, name, "shape " + shapeNode + " overflows a 64-bit size");
      }
    }
    long begin = offsets.get(0).asLong(-1);
    long end = offsets.get(1).asLong(-1);
    if (begin < 0 || end < begin || end - begin != bytes) {
      throw new WeightsException(
          file,
          name,
          "data_offsets " + offsets + " do not hold " + Arrays.toString(shape) + " of " + dtype);
    }
    return new Safetensors.Entry(name, dtype, shape, dataStart + begin, dataStart + end);
  }
}
