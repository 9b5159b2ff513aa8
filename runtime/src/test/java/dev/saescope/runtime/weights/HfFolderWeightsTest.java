package dev.saescope.runtime.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.TinyModels.Raw;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfFolderWeightsTest {
  @TempDir Path tmp;

  private static String message(Path dir) {
    return assertThrows(WeightsException.class, () -> HfFolderWeights.open(dir).close())
        .getMessage();
  }

  @Test
  void randomModelRoundTripsWithNormsAsOnePlusW() throws Exception {
    ModelConfig c = TinyModels.gemma3();
    Path dir = tmp.resolve("m");
    RandomModelWriter.write(c, dir, RandomModelWriter.Options.defaults(7), null, b -> {});
    try (HfFolderWeights w = HfFolderWeights.open(dir)) {
      assertEquals(c, w.config());
      assertEquals(GemmaTensors.expected(c).size(), w.names().size());
      HostTensor norm = w.tensor("model.layers.1.self_attn.q_norm.weight");
      for (int i = 0; i < norm.size(); i++) {
        assertEquals(1.0f, norm.data().get(i), "stored w = 0, effective scale 1 + w = 1");
      }
      HostTensor q = w.tensor("model.layers.0.self_attn.q_proj.weight");
      assertArrayEquals(new long[] {8, 8}, q.shape());
      double sumSq = 0;
      for (int i = 0; i < q.size(); i++) {
        sumSq += q.data().get(i) * q.data().get(i);
      }
      double std = Math.sqrt(sumSq / q.size());
      assertTrue(std > 0.01 && std < 0.03, "init std ~0.02, got " + std);
      assertThrows(WeightsException.class, w::tokenizerJson);
    }
  }

  /** Before: config.json said torch_dtype float32 whatever the stored dtype. */
  @Test
  void randomModelConfigRecordsTheStoredDtype() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    for (RandomModelWriter.StoredType type : RandomModelWriter.StoredType.values()) {
      Path dir = tmp.resolve("m-" + type);
      RandomModelWriter.write(
          c, dir, new RandomModelWriter.Options(1, 0.02, 1L << 30, type), null, b -> {});
      String torch = type == RandomModelWriter.StoredType.BF16 ? "bfloat16" : "float32";
      assertEquals(
          torch,
          TinyModels.JSON
              .readTree(dir.resolve("config.json").toFile())
              .get("torch_dtype")
              .asText());
      try (Safetensors st = Safetensors.open(dir.resolve("model.safetensors"))) {
        assertEquals(type.name(), st.entries().get("model.norm.weight").dtype().name());
      }
      try (HfFolderWeights w = HfFolderWeights.open(dir)) {
        assertEquals(c, w.config());
      }
    }
  }

  @Test
  void shardedFolderWithIndexReadsTheSameValues() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    Path single = tmp.resolve("single");
    Path sharded = tmp.resolve("sharded");
    RandomModelWriter.write(c, single, RandomModelWriter.Options.defaults(3), null, b -> {});
    RandomModelWriter.write(
        c,
        sharded,
        new RandomModelWriter.Options(3, 0.02, 2000, RandomModelWriter.StoredType.F32),
        null,
        b -> {});
    assertTrue(Files.exists(sharded.resolve("model.safetensors.index.json")));
    assertFalse(Files.exists(sharded.resolve("model.safetensors")));
    try (var a = HfFolderWeights.open(single);
        var b = HfFolderWeights.open(sharded)) {
      for (String n : a.names()) {
        assertEquals(a.tensor(n).data(), b.tensor(n).data(), n);
      }
    }
  }

  @Test
  void bf16AndF16AreConvertedAndNormsShifted() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    List<Raw> t = new ArrayList<>(TinyModels.allTensors(c, "BF16", 0.5f));
    t.set(1, Raw.filled(t.get(1).name(), "F16", t.get(1).shape(), -0.25f)); // layer 0 input norm
    Path dir = TinyModels.folder(tmp.resolve("bf16"), c, t);
    try (var w = HfFolderWeights.open(dir)) {
      assertEquals(0.5f, w.tensor("model.embed_tokens.weight").data().get(5));
      assertEquals(0.75f, w.tensor("model.layers.0.input_layernorm.weight").data().get(0));
      assertEquals(1.5f, w.tensor("model.norm.weight").data().get(0));
    }
  }

  @Test
  void missingTensorIsNamed() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    List<Raw> t = new ArrayList<>(TinyModels.allTensors(c, "F32", 0.1f));
    t.removeIf(r -> r.name().equals("model.layers.1.mlp.up_proj.weight"));
    String msg = message(TinyModels.folder(tmp.resolve("m"), c, t));
    assertTrue(msg.contains("model.layers.1.mlp.up_proj.weight") && msg.contains("missing"), msg);
  }

  @Test
  void wrongShapeNamesFileTensorAndBothShapes() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    List<Raw> t = new ArrayList<>(TinyModels.allTensors(c, "F32", 0.1f));
    int i = 0;
    while (!t.get(i).name().equals("model.layers.0.self_attn.k_proj.weight")) {
      i++;
    }
    t.set(i, Raw.filled(t.get(i).name(), "F32", new long[] {8, 4}, 0.1f));
    String msg = message(TinyModels.folder(tmp.resolve("m"), c, t));
    assertTrue(msg.contains("model.safetensors"), msg);
    assertTrue(msg.contains("model.layers.0.self_attn.k_proj.weight"), msg);
    assertTrue(msg.contains("[8, 4]") && msg.contains("expected [4, 8]"), msg);
  }

  @Test
  void unsupportedDtypeIsNamed() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    List<Raw> t = new ArrayList<>(TinyModels.allTensors(c, "F32", 0.1f));
    t.set(0, new Raw(t.get(0).name(), "I8", t.get(0).shape(), new byte[32 * 8]));
    String msg = message(TinyModels.folder(tmp.resolve("m"), c, t));
    assertTrue(msg.contains("model.embed_tokens.weight") && msg.contains("'I8'"), msg);
  }

  @Test
  void truncatedFileIsReported() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    Path dir = TinyModels.folder(tmp.resolve("m"), c, TinyModels.allTensors(c, "F32", 0.1f));
    Path f = dir.resolve("model.safetensors");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(f) - 10);
    }
    String msg = message(dir);
    assertTrue(msg.contains("model.safetensors") && msg.contains("truncated"), msg);
  }

  @Test
  void nanIsFoundWhenTheTensorIsLoaded() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    List<Raw> t = new ArrayList<>(TinyModels.allTensors(c, "F32", 0.1f));
    t.set(2, Raw.filled(t.get(2).name(), "F32", t.get(2).shape(), Float.NaN));
    Path dir = TinyModels.folder(tmp.resolve("m"), c, t);
    try (var w = HfFolderWeights.open(dir)) {
      var e = assertThrows(WeightsException.class, () -> w.tensor(t.get(2).name()));
      assertTrue(e.getMessage().contains(t.get(2).name()) && e.getMessage().contains("NaN"));
    }
  }

  @Test
  void tensorOfALayerBeyondTheConfigIsRejected() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    List<Raw> t = new ArrayList<>(TinyModels.allTensors(c, "F32", 0.1f));
    t.add(Raw.filled("model.layers.2.input_layernorm.weight", "F32", new long[] {8}, 0f));
    String msg = message(TinyModels.folder(tmp.resolve("m"), c, t));
    assertTrue(msg.contains("layer 2") && msg.contains("num_hidden_layers 2"), msg);
  }

  /** config.json sizes are checked against the tensors, naming the field, before any allocation. */
  @Test
  void configSizesThatDisagreeWithTheTensorsNameTheField() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    Path dir = TinyModels.folder(tmp.resolve("m"), c, TinyModels.allTensors(c, "F32", 0.1f));
    TinyModels.editConfig(dir, Map.of("num_hidden_layers", 1_000_000_000));
    long t0 = System.nanoTime();
    String msg = message(dir);
    assertTrue(
        msg.contains("config.json")
            && msg.contains("num_hidden_layers 1000000000 does not match the weights")
            && msg.contains("2 layers"),
        msg);
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "fails at once, not by running out");
    TinyModels.editConfig(dir, Map.of("num_hidden_layers", -1));
    msg = message(dir);
    assertTrue(msg.contains("'num_hidden_layers' is -1, expected a positive integer"), msg);
    TinyModels.editConfig(dir, Map.of("num_hidden_layers", 2, "num_attention_heads", 4));
    msg = message(dir);
    assertTrue(
        msg.contains("model.layers.0.self_attn.q_proj.weight")
            && msg.contains("expected [16, 8]")
            && msg.contains("(num_attention_heads 4 * head_dim 4, hidden_size 8)"),
        msg);
    TinyModels.editConfig(dir, Map.of("num_attention_heads", 2, "num_key_value_heads", 2));
    msg = message(dir);
    assertTrue(
        msg.contains("expected [8, 8]") && msg.contains("num_key_value_heads 2 * head_dim 4"), msg);
    TinyModels.editConfig(dir, Map.of("num_key_value_heads", 1));
    HfFolderWeights.open(dir).close();
  }

  @Test
  void indexNamingAMissingShardIsReported() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    Path dir = tmp.resolve("m");
    RandomModelWriter.write(
        c,
        dir,
        new RandomModelWriter.Options(1, 0.02, 2000, RandomModelWriter.StoredType.F32),
        null,
        b -> {});
    Path second;
    try (var files = Files.list(dir)) {
      second =
          files
              .filter(f -> f.getFileName().toString().startsWith("model-00002-of-"))
              .findFirst()
              .orElseThrow();
    }
    Files.delete(second);
    String msg = message(dir);
    assertTrue(
        msg.contains("model.safetensors.index.json")
            && msg.contains(second.getFileName().toString()),
        msg);
  }

  /** Shard names of the index become paths: none may lead outside the folder. */
  @Test
  void indexShardNamesMustStayInsideTheFolder() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    Path outside =
        TinyModels.folder(tmp.resolve("outside"), c, TinyModels.allTensors(c, "F32", 0.1f));
    Path dir = Files.createDirectories(tmp.resolve("m"));
    HfConfigJson.write(c, dir.resolve("config.json"));
    Files.createSymbolicLink(dir.resolve("link"), outside);
    Files.copy(outside.resolve("model.safetensors"), dir.resolve("a\\b.safetensors"));
    Map<String, String> why =
        Map.of(
            "link/model.safetensors",
            "leads through a link",
            "a\\b.safetensors",
            "backslash",
            "../outside/model.safetensors",
            "'..'",
            outside.resolve("model.safetensors").toString(),
            "absolute");
    for (Map.Entry<String, String> bad : why.entrySet()) {
      var index = TinyModels.JSON.createObjectNode();
      var map = index.putObject("weight_map");
      GemmaTensors.expected(c).forEach(s -> map.put(s.name(), bad.getKey()));
      TinyModels.JSON.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
      String msg = message(dir);
      assertTrue(msg.contains("model.safetensors.index.json"), msg);
      assertTrue(msg.contains("shard name '" + bad.getKey() + "'"), msg);
      assertTrue(msg.contains(bad.getValue()), msg);
    }
  }

  @Test
  void folderWithoutWeightsOrConfig() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("empty"));
    assertTrue(message(dir).contains("no config.json"));
    HfConfigJson.write(TinyModels.gemma2(), dir.resolve("config.json"));
    assertTrue(message(dir).contains("no model.safetensors"));
  }

  @Test
  void tiedEmbeddingsNeedNoLmHeadAndAnUntiedConfigIsRejected() throws Exception {
    ModelConfig c = TinyModels.gemma2();
    Path dir = TinyModels.folder(tmp.resolve("m"), c, TinyModels.allTensors(c, "F32", 0.1f));
    HfFolderWeights.open(dir).close();
    TinyModels.editConfig(dir, Map.of("tie_word_embeddings", false));
    assertTrue(message(dir).contains("tie_word_embeddings"));
  }

  @Test
  void bareTextModelNamesWithoutPrefixAreAccepted() throws Exception {
    ModelConfig c = TinyModels.gemma3();
    List<Raw> t = new ArrayList<>();
    for (Raw r : TinyModels.allTensors(c, "F32", 0.25f)) {
      t.add(new Raw(r.name().substring("model.".length()), r.dtype(), r.shape(), r.data()));
    }
    try (var w = HfFolderWeights.open(TinyModels.folder(tmp.resolve("m"), c, t))) {
      assertEquals(1.25f, w.tensor("model.layers.2.self_attn.k_norm.weight").data().get(3));
    }
  }

  @Test
  void headerLengthBeyondTheFileIsReported() throws IOException {
    ModelConfig c = TinyModels.gemma2();
    Path dir = Files.createDirectories(tmp.resolve("m"));
    HfConfigJson.write(c, dir.resolve("config.json"));
    Files.write(dir.resolve("model.safetensors"), new byte[] {(byte) 0xff, 0x7f, 0, 0, 0, 0, 0, 0});
    String msg = message(dir);
    assertTrue(msg.contains("model.safetensors") && msg.contains("header length"), msg);
  }
}
