package dev.saescope.runtime.weights.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The GGUF container and every decoder, on files written by llama.cpp's writer and by hand. */
class GgufFileTest {
  private static final Path GOLDEN =
      Path.of(System.getProperty("saescope.repoRoot", "."))
          .resolve("runtime/src/test/resources/golden/gguf");

  @TempDir Path tmp;

  /** all-types.gguf was written by gguf.GGUFWriter; values by gguf.quants.dequantize. */
  @Test
  void everyTypeDecodesBitExactlyLikeLlamaCppsReference() throws Exception {
    JsonNode golden = new ObjectMapper().readTree(GOLDEN.resolve("all-types.json").toFile());
    try (GgufFile f = GgufFile.open(GOLDEN.resolve("all-types.gguf"))) {
      assertEquals(golden.get("size").asLong(), f.fileSize());
      int checked = 0;
      for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("tensors").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        GgufTensorInfo t = f.tensor(e.getKey());
        assertEquals(GgmlType.valueOf(e.getValue().get("type").asText()), t.type(), e.getKey());
        float[] expected = floats(e.getValue().get("f32_le_base64").asText());
        float[] actual = f.dequantize(t);
        assertEquals(expected.length, actual.length, e.getKey());
        for (int i = 0; i < expected.length; i++) {
          if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
            throw new AssertionError(
                t + " element " + i + ": expected " + expected[i] + ", got " + actual[i]);
          }
        }
        // a row range decodes the same values as the whole tensor
        float[] row1 = f.dequantizeRows(t, 1, 1);
        assertArrayEquals(Arrays.copyOfRange(expected, 512, 1024), row1, 0f, t.name());
        checked++;
      }
      assertEquals(15, checked);
    }
  }

  @Test
  void metadataOfEveryValueTypeReadsAsLlamaCppWroteIt() throws Exception {
    JsonNode golden = new ObjectMapper().readTree(GOLDEN.resolve("all-types.json").toFile());
    try (GgufFile f = GgufFile.open(GOLDEN.resolve("all-types.gguf"))) {
      assertEquals("gemma3", f.string("general.architecture"));
      for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("metadata").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        GgufValue v = f.value(e.getKey()).orElseThrow();
        assertEquals(e.getValue().get("type").asText(), v.type().name(), e.getKey());
        JsonNode want = e.getValue().get("value");
        Object got = v.value();
        switch (v.type()) {
          case STRING -> assertEquals(want.asText(), got);
          case BOOL -> assertEquals(want.asBoolean(), got);
          case FLOAT32, FLOAT64 -> assertEquals(want.asDouble(), (Double) got, 0.0, e.getKey());
          case ARRAY -> assertEquals(want.toString(), arrayJson(v), e.getKey());
          default -> assertEquals(want.asLong(), (Long) got, e.getKey());
        }
      }
      assertEquals(4_000_000_000L, f.integer("t.u32"), "UINT32 above 2^31 stays positive");
    }
  }

  private static String arrayJson(GgufValue v) throws Exception {
    return new ObjectMapper().writeValueAsString(v.value());
  }

  @Test
  void q8_0AndQ4_0BlocksBuiltByHandGiveTheirKnownValues() throws Exception {
    GgufBuilder.Buf q8 = new GgufBuilder.Buf().f16(0.5f);
    for (int j = 0; j < 32; j++) {
      q8.u8((j - 16) & 0xff);
    }
    GgufBuilder.Buf q4 = new GgufBuilder.Buf().f16(2f);
    for (int j = 0; j < 16; j++) {
      q4.u8(j | (15 - j) << 4); // low nibbles 0..15, high nibbles 15..0
    }
    Path file =
        new GgufBuilder()
            .tensor("q8", new long[] {32}, GgmlType.Q8_0, q8.bytes())
            .tensor("q4", new long[] {32}, GgmlType.Q4_0, q4.bytes())
            .write(tmp.resolve("hand.gguf"));
    try (GgufFile f = GgufFile.open(file)) {
      float[] a = f.dequantize(f.tensor("q8"));
      float[] b = f.dequantize(f.tensor("q4"));
      for (int j = 0; j < 32; j++) {
        assertEquals((j - 16) * 0.5f, a[j], "q8_0 element " + j);
      }
      for (int j = 0; j < 16; j++) {
        assertEquals(2f * (j - 8), b[j], "q4_0 low nibble " + j);
        assertEquals(2f * (15 - j - 8), b[j + 16], "q4_0 high nibble " + j);
      }
    }
  }

  /** Packs 6-bit scales/mins the way ggml's quantize_row_q4_K does, to test the unpacking. */
  @Test
  void q4_kSubBlockScalesAndMinsUnpackLikeGgml() throws Exception {
    int[] sc = {1, 2, 3, 63, 40, 33, 17, 62};
    int[] mn = {0, 5, 63, 7, 50, 1, 32, 9};
    byte[] s = new byte[12];
    for (int j = 0; j < 8; j++) {
      if (j < 4) {
        s[j] = (byte) sc[j];
        s[j + 4] = (byte) mn[j];
      } else {
        s[j + 4] = (byte) ((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
        s[j - 4] |= (byte) ((sc[j] >> 4) << 6);
        s[j] |= (byte) ((mn[j] >> 4) << 6);
      }
    }
    GgufBuilder.Buf blk = new GgufBuilder.Buf().f16(0.25f).f16(0.125f).raw(s);
    for (int i = 0; i < 128; i++) {
      blk.u8((i % 16) | ((15 - i % 16) << 4));
    }
    Path file =
        new GgufBuilder()
            .tensor("k", new long[] {256}, GgmlType.Q4_K, blk.bytes())
            .write(tmp.resolve("k.gguf"));
    try (GgufFile f = GgufFile.open(file)) {
      float[] w = f.dequantize(f.tensor("k"));
      for (int c = 0; c < 4; c++) {
        for (int l = 0; l < 32; l++) {
          int q = 32 * c + l;
          int lo = q % 16;
          int hi = 15 - q % 16;
          assertEquals(
              0.25f * sc[2 * c] * lo - 0.125f * mn[2 * c], w[64 * c + l], "c=" + c + " l=" + l);
          assertEquals(
              0.25f * sc[2 * c + 1] * hi - 0.125f * mn[2 * c + 1],
              w[64 * c + 32 + l],
              "c=" + c + " l=" + l + " (high)");
        }
      }
    }
  }

  // ---- bad input: each fails at open or load with the file (and tensor) named ----

  @Test
  void badMagicIsRejectedNamingTheFile() throws Exception {
    Path file = new GgufBuilder().magic(0x12345678).write(tmp.resolve("bad-magic.gguf"));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufFile.open(file));
    assertTrue(e.getMessage().contains("bad-magic.gguf"), e.getMessage());
    assertTrue(e.getMessage().contains("not a GGUF file"), e.getMessage());
  }

  @Test
  void unsupportedAndBigEndianVersionsAreRejected() throws Exception {
    Path v1 = new GgufBuilder().version(1).write(tmp.resolve("v1.gguf"));
    assertTrue(
        assertThrows(WeightsException.class, () -> GgufFile.open(v1))
            .getMessage()
            .contains("unsupported GGUF version 1"));
    Path be = new GgufBuilder().version(Integer.reverseBytes(3)).write(tmp.resolve("be.gguf"));
    assertTrue(
        assertThrows(WeightsException.class, () -> GgufFile.open(be))
            .getMessage()
            .contains("big-endian"));
  }

  @Test
  void truncatedDataFailsAtOpenNamingTheTensor() throws Exception {
    byte[] full =
        new GgufBuilder()
            .string("general.architecture", "gemma3")
            .f32Tensor("a.weight", new long[] {64}, new float[64])
            .f32Tensor("b.weight", new long[] {64}, new float[64])
            .build();
    Path file = tmp.resolve("cut.gguf");
    Files.write(file, Arrays.copyOf(full, full.length - 100));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufFile.open(file));
    assertTrue(e.getMessage().contains("cut.gguf"), e.getMessage());
    assertTrue(e.getMessage().contains("'b.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void fileCutInsideTheHeaderFailsClearly() throws Exception {
    byte[] full =
        new GgufBuilder()
            .strings("tokenizer.ggml.tokens", List.of("a", "b", "c", "longer token"))
            .build();
    Path file = tmp.resolve("cut-header.gguf");
    Files.write(file, Arrays.copyOf(full, full.length - 20));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufFile.open(file));
    assertTrue(e.getMessage().contains("cut-header.gguf"), e.getMessage());
    assertTrue(e.getMessage().contains("tokenizer.ggml.tokens"), e.getMessage());
  }

  @Test
  void unknownTensorTypeIdFailsNamingTensorAndId() throws Exception {
    Path file =
        new GgufBuilder()
            .tensor("blk.0.attn_q.weight", new long[] {32}, 99, new byte[32])
            .write(tmp.resolve("t.gguf"));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufFile.open(file));
    assertTrue(e.getMessage().contains("'blk.0.attn_q.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown ggml type id 99"), e.getMessage());
  }

  @Test
  void knownButUndecodableTypeFailsAtDequantizeNamingTensorAndType() throws Exception {
    Path file =
        new GgufBuilder()
            .tensor("x.weight", new long[] {256}, GgmlType.IQ2_XXS, new byte[66])
            .write(tmp.resolve("iq.gguf"));
    try (GgufFile f = GgufFile.open(file)) {
      WeightsException e =
          assertThrows(WeightsException.class, () -> f.dequantize(f.tensor("x.weight")));
      assertTrue(e.getMessage().contains("'x.weight'"), e.getMessage());
      assertTrue(e.getMessage().contains("IQ2_XXS"), e.getMessage());
    }
  }

  @Test
  void rowsThatAreNotWholeBlocksAndBadDimsAreRejected() throws Exception {
    Path rows =
        new GgufBuilder()
            .tensor("r.weight", new long[] {40}, GgmlType.Q8_0, new byte[68])
            .write(tmp.resolve("rows.gguf"));
    assertTrue(
        assertThrows(WeightsException.class, () -> GgufFile.open(rows))
            .getMessage()
            .contains("not a multiple of the Q8_0 block size 32"));
    Path dims =
        new GgufBuilder()
            .tensor("d.weight", new long[] {1, 1, 1, 1, 1}, GgmlType.F32, new byte[4])
            .write(tmp.resolve("dims.gguf"));
    assertTrue(
        assertThrows(WeightsException.class, () -> GgufFile.open(dims))
            .getMessage()
            .contains("'d.weight': has 5 dimensions"));
  }

  @Test
  void unknownValueTypeAndMissingKeysAreReportedByKey() throws Exception {
    Path file = new GgufBuilder().rawKv("weird.key", 77, new byte[4]).write(tmp.resolve("k.gguf"));
    assertTrue(
        assertThrows(WeightsException.class, () -> GgufFile.open(file))
            .getMessage()
            .contains("'weird.key': unknown value type 77"));
    Path ok = new GgufBuilder().u32("a.b", 3).write(tmp.resolve("ok.gguf"));
    try (GgufFile f = GgufFile.open(ok)) {
      assertEquals(3, f.integer("a.b"));
      assertTrue(
          assertThrows(WeightsException.class, () -> f.integer("c.d"))
              .getMessage()
              .contains("'c.d' is missing"));
      assertTrue(
          assertThrows(WeightsException.class, () -> f.string("a.b"))
              .getMessage()
              .contains("should be a string"));
      assertTrue(
          assertThrows(WeightsException.class, () -> f.tensor("nope.weight"))
              .getMessage()
              .contains("'nope.weight': not in this GGUF file"));
    }
  }

  @Test
  void emptyAndMissingFilesFailClearly() throws Exception {
    Path empty = Files.write(tmp.resolve("empty.gguf"), new byte[0]);
    assertTrue(
        assertThrows(WeightsException.class, () -> GgufFile.open(empty))
            .getMessage()
            .contains("empty.gguf: not a GGUF file"));
    WeightsException e =
        assertThrows(WeightsException.class, () -> GgufFile.open(tmp.resolve("absent.gguf")));
    assertTrue(e.getMessage().contains("absent.gguf"), e.getMessage());
  }

  /** A NaN weight, or a NaN block scale, fails at dequantization naming the tensor and row. */
  @Test
  void nanAndInfinityFailAtDequantizeNamingTheTensor() throws Exception {
    float[] f32 = new float[64];
    f32[40] = Float.NaN; // row 1 of [2, 32]
    GgufBuilder.Buf q8 = new GgufBuilder.Buf().f16(Float.POSITIVE_INFINITY);
    for (int j = 0; j < 32; j++) {
      q8.u8(j);
    }
    Path file =
        new GgufBuilder()
            .f32Tensor("blk.0.attn_q.weight", new long[] {2, 32}, f32)
            .tensor("q8", new long[] {32}, GgmlType.Q8_0, q8.bytes())
            .write(tmp.resolve("nan.gguf"));
    try (GgufFile f = GgufFile.open(file)) {
      WeightsException e =
          assertThrows(WeightsException.class, () -> f.dequantize(f.tensor("blk.0.attn_q.weight")));
      assertTrue(e.getMessage().contains("nan.gguf"), e.getMessage());
      assertTrue(e.getMessage().contains("'blk.0.attn_q.weight'"), e.getMessage());
      assertTrue(
          e.getMessage().contains("NaN") && e.getMessage().contains("row 1"), e.getMessage());
      assertEquals(32, f.dequantizeRows(f.tensor("blk.0.attn_q.weight"), 0, 1).length, "row 0");
      WeightsException q = assertThrows(WeightsException.class, () -> f.dequantize(f.tensor("q8")));
      assertTrue(q.getMessage().contains("'q8'") && q.getMessage().contains("infinite"));
    }
  }

  /** Two tensors sharing bytes would make one the other's weights: refused at open. */
  @Test
  void overlappingTensorDataIsRejectedNamingBothTensors() throws Exception {
    Path file =
        new GgufBuilder()
            .f32Tensor("a.weight", new long[] {64}, new float[64])
            .f32Tensor("b.weight", new long[] {16}, new float[16])
            .f32Tensor("c.weight", new long[] {8}, new float[8])
            .offset("c.weight", 160) // inside a.weight's 256 bytes, aligned to 32
            .write(tmp.resolve("overlap.gguf"));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufFile.open(file));
    assertTrue(e.getMessage().contains("overlap.gguf"), e.getMessage());
    assertTrue(e.getMessage().contains("'c.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains("overlaps tensor 'a.weight' at [0, 256)"), e.getMessage());

    Path gap =
        new GgufBuilder()
            .f32Tensor("a.weight", new long[] {8}, new float[8])
            .f32Tensor("b.weight", new long[] {8}, new float[8])
            .offset("b.weight", 64) // a gap of 32 bytes: allowed, nothing is shared
            .extraData(32)
            .write(tmp.resolve("gap.gguf"));
    try (GgufFile f = GgufFile.open(gap)) {
      assertEquals(2, f.tensors().size());
    }
  }

  /** An offset so large that offset + size wraps around must not pass the bounds check. */
  @Test
  void offsetsBeyondTheFileOrThatOverflowAreRejected() throws Exception {
    for (long offset : new long[] {Long.MAX_VALUE / 32 * 32, 1L << 20}) {
      Path file =
          new GgufBuilder()
              .f32Tensor("a.weight", new long[] {8}, new float[8])
              .offset("a.weight", offset)
              .write(tmp.resolve("far.gguf"));
      WeightsException e = assertThrows(WeightsException.class, () -> GgufFile.open(file));
      assertTrue(e.getMessage().contains("'a.weight'"), e.getMessage());
      assertTrue(e.getMessage().contains("offset " + offset), e.getMessage());
    }
    Path huge =
        new GgufBuilder()
            .tensor("h.weight", new long[] {1L << 40, 1L << 40}, GgmlType.F32, new byte[4])
            .write(tmp.resolve("huge.gguf"));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufFile.open(huge));
    assertTrue(e.getMessage().contains("'h.weight'") && e.getMessage().contains("overflow"));
  }

  static float[] floats(String base64) {
    ByteBuffer bb =
        ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[bb.remaining() / 4];
    bb.asFloatBuffer().get(out);
    return out;
  }
}
