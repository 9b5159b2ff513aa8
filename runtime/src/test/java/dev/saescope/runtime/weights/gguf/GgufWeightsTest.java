package dev.saescope.runtime.weights.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiny Gemma 2 / Gemma 3 GGUF files written in the test: config, names, shapes, bad input. */
class GgufWeightsTest {
  @TempDir Path tmp;

  /** Dimensions of the tiny models: ne[0] of every quantizable tensor is one Q8_0 block. */
  private static final int D = 32;

  private static final int HEADS = 2;
  private static final int KV = 1;
  private static final int HEAD_DIM = 16;
  private static final int MLP = 64;
  private static final int VOCAB = 10;

  /** A Gemma GGUF as llama.cpp's converter lays it out; {@code edit} may drop or alter parts. */
  private Path tiny(String arch, int layers, UnaryOperator<Map<String, long[]>> edit, GgufBuilder b)
      throws Exception {
    return tiny(arch, layers, edit, b, Map.of());
  }

  /**
   * As above, with integer metadata values replaced ({@code meta} keys without the arch prefix).
   */
  private Path tiny(
      String arch,
      int layers,
      UnaryOperator<Map<String, long[]>> edit,
      GgufBuilder b,
      Map<String, Long> meta)
      throws Exception {
    Map<String, Long> ints = new java.util.LinkedHashMap<>();
    ints.put("context_length", 128L);
    ints.put("embedding_length", (long) D);
    ints.put("block_count", (long) layers);
    ints.put("feed_forward_length", (long) MLP);
    ints.put("attention.head_count", (long) HEADS);
    ints.put("attention.head_count_kv", (long) KV);
    ints.put("attention.key_length", (long) HEAD_DIM);
    ints.put("attention.value_length", (long) HEAD_DIM);
    ints.putAll(meta);
    b.string("general.architecture", arch);
    ints.forEach((k, v) -> b.u32(arch + "." + k, v));
    b.f32(arch + ".attention.layer_norm_rms_epsilon", 1e-6f)
        .u32(arch + ".attention.sliding_window", 8)
        .u32("tokenizer.ggml.bos_token_id", 2)
        .u32("tokenizer.ggml.eos_token_id", 1)
        .u32("tokenizer.ggml.padding_token_id", 0);
    Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
    shapes.put("token_embd.weight", new long[] {VOCAB, D});
    shapes.put("output_norm.weight", new long[] {D});
    for (int i = 0; i < layers; i++) {
      String p = "blk." + i + ".";
      shapes.put(p + "attn_norm.weight", new long[] {D});
      shapes.put(p + "attn_q.weight", new long[] {HEADS * HEAD_DIM, D});
      shapes.put(p + "attn_k.weight", new long[] {KV * HEAD_DIM, D});
      shapes.put(p + "attn_v.weight", new long[] {KV * HEAD_DIM, D});
      shapes.put(p + "attn_output.weight", new long[] {D, HEADS * HEAD_DIM});
      if (arch.equals("gemma3")) {
        shapes.put(p + "attn_q_norm.weight", new long[] {HEAD_DIM});
        shapes.put(p + "attn_k_norm.weight", new long[] {HEAD_DIM});
      }
      shapes.put(p + "post_attention_norm.weight", new long[] {D});
      shapes.put(p + "ffn_norm.weight", new long[] {D});
      shapes.put(p + "post_ffw_norm.weight", new long[] {D});
      shapes.put(p + "ffn_gate.weight", new long[] {MLP, D});
      shapes.put(p + "ffn_up.weight", new long[] {MLP, D});
      shapes.put(p + "ffn_down.weight", new long[] {D, MLP});
    }
    shapes = edit.apply(shapes);
    int seed = 0;
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      long n = 1;
      for (long d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[(int) n];
      for (int i = 0; i < v.length; i++) {
        v[i] = seed + i * 1e-3f; // distinct per tensor, so a mix-up of names shows
      }
      seed++;
      b.f32Tensor(e.getKey(), e.getValue(), v);
    }
    return b.write(tmp.resolve(arch + ".gguf"));
  }

  private Path tiny(String arch, int layers) throws Exception {
    return tiny(arch, layers, m -> m, new GgufBuilder());
  }

  @Test
  void gemma3ConfigFollowsLlamaCppsHardCodedFacts() throws Exception {
    Path file =
        tiny("gemma3", 12, m -> m, new GgufBuilder().f32("gemma3.rope.freq_base", 1_000_000f));
    try (GgufWeights w = GgufWeights.open(file, null)) {
      ModelConfig c = w.config();
      assertEquals("gemma3_text", c.architecture());
      assertEquals(VOCAB, c.vocabSize());
      assertEquals(D, c.dModel());
      assertEquals(MLP, c.dMlp());
      assertEquals(HEADS, c.nHeads());
      assertEquals(KV, c.nKvHeads());
      assertEquals(HEAD_DIM, c.headDim());
      assertEquals(1e-6, c.rmsNormEps());
      assertEquals(HEAD_DIM, c.queryPreAttnScalar());
      assertEquals(0.0, c.attnLogitSoftcap());
      assertEquals(0.0, c.finalLogitSoftcap());
      assertEquals(8, c.slidingWindow());
      assertEquals(1_000_000.0, c.ropeThetaGlobal());
      assertEquals(10_000.0, c.ropeThetaLocal());
      assertTrue(c.qkNorm());
      assertEquals(128, c.maxPositions());
      List<AttentionKind> full = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        full.add(i == 5 || i == 11 ? AttentionKind.FULL : AttentionKind.SLIDING);
      }
      assertEquals(full, c.layerKinds());
    }
  }

  @Test
  void gemma2ConfigHasSoftcapsEvenSlidingLayersAndDefaultRope() throws Exception {
    Path file =
        tiny(
            "gemma2",
            4,
            m -> m,
            new GgufBuilder()
                .f32("gemma2.attn_logit_softcapping", 50f)
                .f32("gemma2.final_logit_softcapping", 30f));
    try (GgufWeights w = GgufWeights.open(file, null)) {
      ModelConfig c = w.config();
      assertEquals("gemma2", c.architecture());
      assertEquals(50.0, c.attnLogitSoftcap());
      assertEquals(30.0, c.finalLogitSoftcap());
      assertEquals(10_000.0, c.ropeThetaGlobal());
      assertEquals(10_000.0, c.ropeThetaLocal());
      assertFalse(c.qkNorm());
      assertEquals(
          List.of(
              AttentionKind.SLIDING, AttentionKind.FULL, AttentionKind.SLIDING, AttentionKind.FULL),
          c.layerKinds());
      assertFalse(w.names().contains("model.layers.0.self_attn.q_norm.weight"));
    }
  }

  @Test
  void tensorsComeBackWithHfNamesShapesAndNormsAsStored() throws Exception {
    Path file = tiny("gemma3", 1);
    try (GgufWeights w = GgufWeights.open(file, null)) {
      assertTrue(w.names().contains("model.embed_tokens.weight"));
      assertTrue(w.names().contains("model.layers.0.pre_feedforward_layernorm.weight"));
      assertTrue(w.names().contains("model.layers.0.self_attn.k_norm.weight"));
      assertEquals(GgufGemma.expectedShapes(w.config()).keySet(), w.names());

      HostTensor q = w.tensor("model.layers.0.self_attn.q_proj.weight");
      assertArrayEquals(new long[] {HEADS * HEAD_DIM, D}, q.shape());
      HostTensor down = w.tensor("model.layers.0.mlp.down_proj.weight");
      assertArrayEquals(new long[] {D, MLP}, down.shape());
      // ffn_norm is the PRE-feedforward norm in Gemma files; it is the 11th tensor written (seed
      // 10: embd, output_norm, attn_norm, q, k, v, o, q_norm, k_norm, post_attention_norm,
      // ffn_norm)
      HostTensor pre = w.tensor("model.layers.0.pre_feedforward_layernorm.weight");
      assertEquals(10f, pre.data().get(0), "ffn_norm -> pre_feedforward_layernorm, as stored");
      HostTensor embed = w.tensor("model.embed_tokens.weight");
      assertArrayEquals(new long[] {VOCAB, D}, embed.shape());
      assertEquals(D * 1e-3f, embed.data().get(D), 1e-6f, "row 1 starts at element D");
    }
  }

  @Test
  void tokenizerIsFoundBesideTheFileOrGivenExplicitly() throws Exception {
    Path file = tiny("gemma3", 1);
    try (GgufWeights w = GgufWeights.open(file, null)) {
      WeightsException e = assertThrows(WeightsException.class, w::tokenizerJson);
      assertTrue(e.getMessage().contains("--tokenizer"), e.getMessage());
      Path beside = Files.writeString(tmp.resolve("tokenizer.json"), "{}");
      assertEquals(beside.toAbsolutePath(), w.tokenizerJson());
    }
    Path explicit = Files.writeString(tmp.resolve("other.json"), "{}");
    try (GgufWeights w = GgufWeights.open(file, explicit)) {
      assertEquals(explicit, w.tokenizerJson());
    }
    try (GgufWeights w = GgufWeights.open(file, tmp.resolve("missing.json"))) {
      assertTrue(
          assertThrows(WeightsException.class, w::tokenizerJson)
              .getMessage()
              .contains("missing.json"));
    }
  }

  @Test
  void missingTensorFailsAtOpenNamingIt() throws Exception {
    Path file =
        tiny(
            "gemma3",
            2,
            m -> {
              m.remove("blk.1.ffn_up.weight");
              return m;
            },
            new GgufBuilder());
    WeightsException e = assertThrows(WeightsException.class, () -> GgufWeights.open(file, null));
    assertTrue(e.getMessage().contains("model.layers.1.mlp.up_proj.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
    assertTrue(e.getMessage().contains("gemma3.gguf"), e.getMessage());
  }

  @Test
  void wrongShapeFailsAtOpenNamingTensorAndShapes() throws Exception {
    Path file =
        tiny(
            "gemma3",
            1,
            m -> {
              m.put("blk.0.attn_k.weight", new long[] {HEAD_DIM * 2, D});
              return m;
            },
            new GgufBuilder());
    WeightsException e = assertThrows(WeightsException.class, () -> GgufWeights.open(file, null));
    assertTrue(e.getMessage().contains("'blk.0.attn_k.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains("[32, 32]"), e.getMessage());
    assertTrue(e.getMessage().contains("needs [16, 32]"), e.getMessage());
  }

  @Test
  void undecodableTypeOnANeededTensorFailsAtOpen() throws Exception {
    GgufBuilder b2 = new GgufBuilder();
    Path file2 =
        tiny(
            "gemma3",
            1,
            m -> {
              m.remove("blk.0.attn_q.weight");
              return m;
            },
            b2.tensor(
                "blk.0.attn_q.weight",
                new long[] {D, HEADS * HEAD_DIM},
                GgmlType.Q8_1,
                new byte[HEADS * HEAD_DIM * 40]));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufWeights.open(file2, null));
    assertTrue(e.getMessage().contains("'blk.0.attn_q.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains("Q8_1 is not supported"), e.getMessage());
  }

  /** Absurd sizes fail naming the key, before anything is sized by them. */
  @Test
  void absurdSizesInTheMetadataAreRefusedNamingTheKey() throws Exception {
    Map<Map<String, Long>, String> cases = new java.util.LinkedHashMap<>();
    cases.put(
        Map.of("block_count", 1_000_000L),
        "'gemma3.block_count' = 1000000 but the file holds tensors for 2 layers");
    cases.put(Map.of("block_count", 1L), "'gemma3.block_count' = 1 but");
    cases.put(Map.of("attention.head_count", 0L), "'gemma3.attention.head_count' = 0 must be");
    cases.put(Map.of("embedding_length", 0L), "'gemma3.embedding_length' = 0 must be positive");
    cases.put(
        Map.of("attention.head_count", 4L), "'gemma3.attention.head_count' = 4 * head width 16");
    cases.put(
        Map.of("attention.head_count_kv", 2L),
        "'gemma3.attention.head_count_kv' = 2 * head width 16");
    for (Map.Entry<Map<String, Long>, String> c : cases.entrySet()) {
      Path file = tiny("gemma3", 2, m -> m, new GgufBuilder(), c.getKey());
      long t0 = System.nanoTime();
      WeightsException e =
          assertThrows(WeightsException.class, () -> GgufWeights.open(file, null), c.toString());
      assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
      assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "fails at once: " + c.getKey());
    }
    Path heads = tiny("gemma3", 2, m -> m, new GgufBuilder(), Map.of("attention.head_count", 4L));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufWeights.open(heads, null));
    assertTrue(e.getMessage().contains("'blk.0.attn_q.weight': shape [32, 32]"), e.getMessage());
    assertTrue(e.getMessage().contains("needs [64, 32]"), e.getMessage());
  }

  /** A NaN weight passes the header checks and fails when the tensor is decoded, by name. */
  @Test
  void nanWeightFailsWhenTheTensorIsLoaded() throws Exception {
    float[] nan = new float[D];
    nan[3] = Float.NaN;
    Path file =
        tiny(
            "gemma2",
            1,
            m -> {
              m.remove("blk.0.ffn_norm.weight");
              return m;
            },
            new GgufBuilder().f32Tensor("blk.0.ffn_norm.weight", new long[] {D}, nan));
    try (GgufWeights w = GgufWeights.open(file, null)) {
      WeightsException e =
          assertThrows(
              WeightsException.class,
              () -> w.tensor("model.layers.0.pre_feedforward_layernorm.weight"));
      assertTrue(e.getMessage().contains("'blk.0.ffn_norm.weight'"), e.getMessage());
      assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    }
  }

  @Test
  void otherArchitecturesAreRefusedByName() throws Exception {
    Path file =
        new GgufBuilder().string("general.architecture", "llama").write(tmp.resolve("l.gguf"));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufWeights.open(file, null));
    assertTrue(e.getMessage().contains("unsupported architecture 'llama'"), e.getMessage());
  }

  @Test
  void missingRequiredMetadataIsNamed() throws Exception {
    Path file =
        new GgufBuilder()
            .string("general.architecture", "gemma2")
            .u32("gemma2.embedding_length", D)
            .write(tmp.resolve("m.gguf"));
    WeightsException e = assertThrows(WeightsException.class, () -> GgufWeights.open(file, null));
    assertTrue(e.getMessage().contains("'gemma2.block_count' is missing"), e.getMessage());
  }
}
