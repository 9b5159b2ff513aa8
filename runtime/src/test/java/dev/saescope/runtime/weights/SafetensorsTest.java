package dev.saescope.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte ranges of a safetensors header must tile its data, as the reference reader demands. */
class SafetensorsTest {
  @TempDir Path tmp;

  /**
   * A file with {@code header} as its JSON header and {@code dataBytes} bytes of data (1, 2, ..).
   */
  private Path file(String header, int dataBytes) throws Exception {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    for (int i = 0; i < dataBytes / 4; i++) {
      b.putFloat(i + 1);
    }
    return Files.write(tmp.resolve("t.safetensors"), b.array());
  }

  private static String entry(String name, long begin, long end) {
    return "\""
        + name
        + "\": {\"dtype\": \"F32\", \"shape\": ["
        + (end - begin) / 4
        + "],"
        + " \"data_offsets\": ["
        + begin
        + ", "
        + end
        + "]}";
  }

  private String error(String header, int dataBytes) throws Exception {
    Path f = file(header, dataBytes);
    return assertThrows(WeightsException.class, () -> Safetensors.open(f).close()).getMessage();
  }

  @Test
  void exactlyTiledDataOpensInAnyHeaderOrder() throws Exception {
    String header =
        "{\"__metadata__\": {\"format\": \"pt\"}, "
            + entry("b", 8, 16)
            + ", "
            + entry("empty", 16, 16)
            + ", "
            + entry("a", 0, 8)
            + "}";
    try (Safetensors st = Safetensors.open(file(header, 16))) {
      assertArrayEquals(new float[] {3, 4}, st.read("b").data().array());
      assertArrayEquals(new float[] {1, 2}, st.read("a").data().array());
      assertEquals(0, st.read("empty").size());
    }
  }

  @Test
  void overlappingRangesAreRefusedNamingBothTensors() throws Exception {
    String msg = error("{" + entry("w_enc", 0, 16) + ", " + entry("w_dec", 8, 24) + "}", 24);
    assertTrue(msg.contains("t.safetensors"), msg);
    assertTrue(msg.contains("'w_dec'") && msg.contains("[8, 24] overlap"), msg);
    assertTrue(msg.contains("tensor 'w_enc' [0, 16]"), msg);
    String same = error("{" + entry("a", 0, 16) + ", " + entry("b", 0, 16) + "}", 16);
    assertTrue(same.contains("overlap") && same.contains("'a'"), same);
  }

  @Test
  void gapsAndBytesAfterTheLastTensorAreRefused() throws Exception {
    String gap = error("{" + entry("a", 0, 8) + ", " + entry("b", 16, 24) + "}", 24);
    assertTrue(gap.contains("'b'") && gap.contains("leave a gap after tensor 'a'"), gap);
    String first = error("{" + entry("a", 8, 16) + "}", 16);
    assertTrue(first.contains("'a'") && first.contains("gap after the header"), first);
    String trailing = error("{" + entry("a", 0, 8) + "}", 16);
    assertTrue(trailing.contains("8 bytes after the last tensor belong to none"), trailing);
  }

  @Test
  void sizesThatOverflowAreRefused() throws Exception {
    String header =
        "{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296],"
            + " \"data_offsets\": [0, 0]}}";
    String msg = error(header, 0);
    assertTrue(msg.contains("'a'") && msg.contains("overflows"), msg);
  }
}
