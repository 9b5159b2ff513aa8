package dev.saescope.runtime.weights.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.config.GemmaPresets;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.weights.HostTensor;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real Gemma 3 270M GGUF read by saescope against llama.cpp's {@code gguf} Python package
 * (golden file from {@code tools/gguf_golden.py}). Runs only when the model is provisioned: {@code
 * ./saescope fetch-model gemma-3-270m}.
 */
class GgufGoldenTest {
  private static final Logger LOG = LoggerFactory.getLogger(GgufGoldenTest.class);
  private static final Path GOLDEN =
      Path.of(System.getProperty("saescope.repoRoot", "."))
          .resolve("runtime/src/test/resources/golden/gguf/gemma-3-270m.json");

  private static Path model;
  private static JsonNode golden;

  @BeforeAll
  static void locate() throws Exception {
    Path home = SaescopeHome.resolve();
    KnownModel m = KnownModel.GEMMA_3_270M;
    Assumptions.assumeTrue(
        m.isProvisioned(home),
        "Gemma 3 270M is not in " + m.dir(home) + "; run: " + m.fetchCommand());
    model = m.weightsPath(home);
    golden = new ObjectMapper().readTree(GOLDEN.toFile());
  }

  @Test
  void headerMetadataAndTensorInfosMatchTheReference() throws Exception {
    try (GgufFile f = GgufFile.open(model)) {
      assertEquals(golden.get("size").asLong(), f.fileSize());
      assertEquals(golden.get("data_start").asLong(), f.dataStart());
      assertEquals(golden.get("alignment").asLong(), f.alignment());
      for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("metadata").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        GgufValue v = f.value(e.getKey()).orElseThrow(() -> new AssertionError(e.getKey()));
        assertEquals(e.getValue().get("type").asText(), v.type().name(), e.getKey());
        JsonNode want = e.getValue().get("value");
        switch (v.type()) {
          case STRING -> assertEquals(want.asText(), v.value(), e.getKey());
          case BOOL -> assertEquals(want.asBoolean(), v.value(), e.getKey());
          case FLOAT32, FLOAT64 -> assertEquals(want.asDouble(), (Double) v.value(), 0.0);
          default -> assertEquals(want.asLong(), (Long) v.value(), e.getKey());
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = golden.get("arrays").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        GgufValue v = f.value(e.getKey()).orElseThrow();
        assertEquals(e.getValue().get("element_type").asText(), v.elementType().name());
        assertEquals(e.getValue().get("length").asInt(), v.length(), e.getKey());
      }
      String[] tokens = (String[]) f.value("tokenizer.ggml.tokens").orElseThrow().value();
      golden
          .get("tokens_sample")
          .fields()
          .forEachRemaining(
              e -> assertEquals(e.getValue().asText(), tokens[Integer.parseInt(e.getKey())]));
      JsonNode infos = golden.get("tensors");
      assertEquals(infos.size(), f.tensors().size());
      for (JsonNode t : infos) {
        GgufTensorInfo info = f.tensor(t.get("name").asText());
        assertEquals(t.get("type").asText(), info.type().name(), info.name());
        long[] ne = new long[t.get("ne").size()];
        for (int i = 0; i < ne.length; i++) {
          ne[i] = t.get("ne").get(i).asLong();
        }
        assertArrayEquals(ne, info.ne(), info.name());
        assertEquals(t.get("offset").asLong(), info.offset(), info.name());
        assertEquals(t.get("n_bytes").asLong(), info.byteSize(), info.name());
      }
    }
  }

  /** Every tensor, dequantized whole: sums agree to float64 rounding, max |w| exactly. */
  @Test
  void everyTensorDequantizesToTheReferenceSums() throws Exception {
    long start = System.nanoTime();
    long elements = 0;
    double worstRel = 0;
    try (GgufFile f = GgufFile.open(model)) {
      for (JsonNode t : golden.get("tensors")) {
        GgufTensorInfo info = f.tensor(t.get("name").asText());
        float[] w = f.dequantize(info);
        elements += w.length;
        double sum = 0;
        double sumSq = 0;
        double maxAbs = 0;
        for (float x : w) {
          sum += x;
          sumSq += (double) x * x;
          maxAbs = Math.max(maxAbs, Math.abs(x));
        }
        double wantSumSq = t.get("sum_sq").asDouble();
        // The two sides add in different orders (numpy pairwise, here sequential): both are
        // float64 sums of the same float32 values, so they agree to ~1e-12 relative.
        double rel = Math.abs(sumSq - wantSumSq) / wantSumSq;
        worstRel = Math.max(worstRel, rel);
        assertTrue(rel < 1e-9, info + ": sum of squares " + sumSq + " vs " + wantSumSq);
        double wantSum = t.get("sum").asDouble();
        assertEquals(wantSum, sum, 1e-9 * Math.sqrt(wantSumSq * w.length) + 1e-12, info.name());
        assertEquals(t.get("max_abs").asDouble(), maxAbs, 0.0, info.name());
      }
    }
    LOG.info(
        "dequantized {} values of all 236 tensors in {} ms; worst relative sum_sq difference {}",
        elements,
        (System.nanoTime() - start) / 1_000_000,
        worstRel);
  }

  /** Sampled rows of every quantization type in the file agree bit for bit. */
  @Test
  void sampledRowsOfEveryTypeAreBitIdenticalToGgufQuants() throws Exception {
    int rows = 0;
    double maxDiff = 0;
    java.util.Set<String> types = new java.util.TreeSet<>();
    try (GgufFile f = GgufFile.open(model)) {
      for (JsonNode s : golden.get("samples")) {
        GgufTensorInfo info = f.tensor(s.get("tensor").asText());
        float[] want = GgufFileTest.floats(s.get("f32_le_base64").asText());
        float[] got = f.dequantizeRows(info, s.get("row").asLong(), 1);
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
          if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
            throw new AssertionError(
                info + " row " + s.get("row") + " col " + i + ": " + got[i] + " vs " + want[i]);
          }
        }
        types.add(info.type().name());
        rows++;
      }
    }
    assertEquals(golden.get("type_counts").size(), types.size(), "every type sampled: " + types);
    LOG.info("{} sampled rows of types {} bit-identical (max |diff| {})", rows, types, maxDiff);
  }

  @Test
  void configFromMetadataIsGemma3_270m() throws Exception {
    try (GgufWeights w = GgufWeights.open(model, null)) {
      ModelConfig c = w.config();
      assertEquals("gemma3_text", c.architecture());
      assertEquals(262144, c.vocabSize());
      assertEquals(640, c.dModel());
      assertEquals(2048, c.dMlp());
      assertEquals(18, c.nLayers());
      assertEquals(4, c.nHeads());
      assertEquals(1, c.nKvHeads());
      assertEquals(256, c.headDim());
      assertEquals(1e-6, c.rmsNormEps());
      assertEquals(256.0, c.queryPreAttnScalar());
      assertEquals(0.0, c.attnLogitSoftcap());
      assertEquals(0.0, c.finalLogitSoftcap());
      assertEquals(512, c.slidingWindow());
      assertEquals(1_000_000.0, c.ropeThetaGlobal());
      assertEquals(10_000.0, c.ropeThetaLocal());
      assertTrue(c.qkNorm());
      assertEquals(32768, c.maxPositions());
      assertEquals(2, c.bosId());
      assertEquals(1, c.eosId());
      assertEquals(0, c.padId());
      for (int i = 0; i < 18; i++) {
        assertEquals(
            i == 5 || i == 11 || i == 17 ? AttentionKind.FULL : AttentionKind.SLIDING,
            c.layerKinds().get(i),
            "layer " + i);
      }
      assertEquals(
          KnownModel.GEMMA_3_270M.tokenizerPath(SaescopeHome.resolve()), w.tokenizerJson());
      // the same model described by its config.json facts (GEMMA-NOTES.md §2) gives the same record
      assertEquals(GemmaPresets.GEMMA_3_270M.config(), c);
      // norms are stored as 1 + w by the converter: the effective scales are near 1 or above
      HostTensor norm = w.tensor("model.layers.0.self_attn.q_norm.weight");
      assertArrayEquals(new long[] {256}, norm.shape());
    }
  }
}
