package dev.saescope.runtime.sae.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.SparseLatents;
import dev.saescope.runtime.sae.npy.NpyArray;
import dev.saescope.runtime.sae.npy.Npz;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.Safetensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad SAE files fail at load with the file and tensor named; good ones round-trip. */
class SaeLoaderTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  static Path golden(String name) {
    return Path.of(
        System.getProperty("saescope.repoRoot", "."),
        "runtime/src/test/resources/golden/sae",
        name);
  }

  // ------------------------------------------------------------ Gemma Scope npz

  static List<NpyArray> npzArrays(int dIn, int dSae) {
    List<NpyArray> a = new ArrayList<>();
    a.add(new NpyArray("W_enc", new long[] {dIn, dSae}, new float[dIn * dSae]));
    a.add(new NpyArray("W_dec", new long[] {dSae, dIn}, new float[dIn * dSae]));
    a.add(new NpyArray("b_enc", new long[] {dSae}, new float[dSae]));
    a.add(new NpyArray("b_dec", new long[] {dIn}, new float[dIn]));
    a.add(new NpyArray("threshold", new long[] {dSae}, new float[dSae]));
    return a;
  }

  @Test
  void npzMissingThresholdNamesFileAndArray() throws IOException {
    List<NpyArray> a = npzArrays(4, 8);
    a.removeIf(x -> x.name().equals("threshold"));
    Path f = dir.resolve("params.npz");
    Npz.write(f, a);
    var e = assertThrows(IOException.class, () -> SaeLoader.load(f));
    assertTrue(
        e.getMessage().contains("params.npz")
            && e.getMessage().contains("'threshold'")
            && e.getMessage().contains("missing"),
        e.getMessage());
  }

  @Test
  void npzWrongShapeNamesArrayAndShapes() throws IOException {
    List<NpyArray> a = npzArrays(4, 8);
    a.set(1, new NpyArray("W_dec", new long[] {4, 8}, new float[32])); // transposed
    Path f = dir.resolve("params.npz");
    Npz.write(f, a);
    var e = assertThrows(IOException.class, () -> SaeLoader.load(f));
    assertTrue(
        e.getMessage().contains("'W_dec'")
            && e.getMessage().contains("[8, 4]")
            && e.getMessage().contains("[4, 8]"),
        e.getMessage());
  }

  @Test
  void npzNanWeightNamesArray() throws IOException {
    List<NpyArray> a = npzArrays(4, 8);
    a.get(2).data()[5] = Float.NaN;
    Path f = dir.resolve("params.npz");
    Npz.write(f, a);
    var e = assertThrows(IOException.class, () -> SaeLoader.load(f));
    assertTrue(
        e.getMessage().contains("'b_enc'") && e.getMessage().contains("NaN"), e.getMessage());
  }

  @Test
  void npzTruncatedNamesFile() throws IOException {
    Path f = dir.resolve("params.npz");
    Npz.write(f, npzArrays(16, 64));
    byte[] all = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(all, all.length - 100));
    var e = assertThrows(IOException.class, () -> SaeLoader.load(f));
    assertTrue(e.getMessage().contains("params.npz"), e.getMessage());
  }

  @Test
  void notAnSaeSaysWhatItLookedFor() {
    var e = assertThrows(IOException.class, () -> SaeLoader.load(dir));
    assertTrue(
        e.getMessage().contains("cfg.json") && e.getMessage().contains("params.npz"),
        e.getMessage());
  }

  // ------------------------------------------------------------ SAELens folders

  Path saeLensCopy(String goldenCase) throws IOException {
    Path src = golden(goldenCase).resolve("sae");
    Path dst = dir.resolve(goldenCase);
    Files.createDirectories(dst);
    for (String f : List.of(SaeFormat.SAELENS_CFG, SaeFormat.SAELENS_WEIGHTS)) {
      Files.copy(src.resolve(f), dst.resolve(f));
    }
    return dst;
  }

  @Test
  void unsupportedArchitectureNamesIt() throws IOException {
    Path d = saeLensCopy("relu_32x64");
    ObjectNode cfg = (ObjectNode) JSON.readTree(d.resolve("cfg.json").toFile());
    cfg.put("architecture", "gated");
    JSON.writeValue(d.resolve("cfg.json").toFile(), cfg);
    var e = assertThrows(IOException.class, () -> SaeLoader.load(d));
    assertTrue(
        e.getMessage().contains("cfg.json") && e.getMessage().contains("'gated'"), e.getMessage());
  }

  @Test
  void unsupportedNormalizationNamesIt() throws IOException {
    Path d = saeLensCopy("relu_32x64");
    ObjectNode cfg = (ObjectNode) JSON.readTree(d.resolve("cfg.json").toFile());
    cfg.put("normalize_activations", "expected_average_only_in");
    JSON.writeValue(d.resolve("cfg.json").toFile(), cfg);
    var e = assertThrows(IOException.class, () -> SaeLoader.load(d));
    assertTrue(e.getMessage().contains("normalize_activations"), e.getMessage());
  }

  @Test
  void cfgWidthDisagreeingWithWeightsNamesTensor() throws IOException {
    Path d = saeLensCopy("relu_32x64");
    ObjectNode cfg = (ObjectNode) JSON.readTree(d.resolve("cfg.json").toFile());
    cfg.put("d_sae", 65);
    JSON.writeValue(d.resolve("cfg.json").toFile(), cfg);
    var e = assertThrows(IOException.class, () -> SaeLoader.load(d));
    assertTrue(
        e.getMessage().contains("sae_weights.safetensors")
            && e.getMessage().contains("'W_enc'")
            && e.getMessage().contains("[32, 65]"),
        e.getMessage());
  }

  @Test
  void missingTensorAndNanTensorNameTheTensor() throws IOException {
    Path d = saeLensCopy("jumprelu_32x128");
    SaeParams p = SaeLoader.load(d);
    Path weights = d.resolve(SaeFormat.SAELENS_WEIGHTS);
    Safetensors.writeF32(
        weights,
        List.of(
            t("W_enc", p.wEnc(), 32, 128),
            t("W_dec", p.wDec(), 128, 32),
            t("b_enc", p.bEnc(), 128),
            t("b_dec", p.bDec(), 32)),
        Map.of());
    var e = assertThrows(IOException.class, () -> SaeLoader.load(d));
    assertTrue(
        e.getMessage().contains("'threshold'") && e.getMessage().contains("missing"),
        e.getMessage());
    float[] bad = p.wDec().clone();
    bad[77] = Float.POSITIVE_INFINITY;
    Safetensors.writeF32(
        weights,
        List.of(
            t("W_enc", p.wEnc(), 32, 128),
            t("W_dec", bad, 128, 32),
            t("b_enc", p.bEnc(), 128),
            t("b_dec", p.bDec(), 32),
            t("threshold", p.threshold(), 128)),
        Map.of());
    var e2 = assertThrows(IOException.class, () -> SaeLoader.load(d));
    assertTrue(
        e2.getMessage().contains("'W_dec'") && e2.getMessage().contains("NaN or infinite"),
        e2.getMessage());
  }

  @Test
  void truncatedSafetensorsNamesFile() throws IOException {
    Path d = saeLensCopy("topk_32x128_k8");
    Path w = d.resolve(SaeFormat.SAELENS_WEIGHTS);
    byte[] all = Files.readAllBytes(w);
    Files.write(w, Arrays.copyOf(all, all.length - 1000));
    var e = assertThrows(IOException.class, () -> SaeLoader.load(d));
    assertTrue(
        e.getMessage().contains("sae_weights.safetensors") && e.getMessage().contains("truncated"),
        e.getMessage());
  }

  /** W_dec pointing at W_enc's bytes would load as a model of garbage: refused at open. */
  @Test
  void overlappingTensorBytesAreRefusedNamingTheTensors() throws IOException {
    Path d = saeLensCopy("relu_32x64");
    Path w = d.resolve(SaeFormat.SAELENS_WEIGHTS);
    byte[] all = Files.readAllBytes(w);
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen = (int) b.getLong();
    ObjectNode header =
        (ObjectNode) JSON.readTree(new String(all, 8, headerLen, StandardCharsets.UTF_8));
    // the later of the two (same size) takes the earlier one's bytes: the first fault is the
    // overlap
    boolean encFirst =
        header.get("W_enc").get("data_offsets").get(0).asLong()
            < header.get("W_dec").get("data_offsets").get(0).asLong();
    String earlier = encFirst ? "W_enc" : "W_dec";
    String later = encFirst ? "W_dec" : "W_enc";
    ((ObjectNode) header.get(later)).set("data_offsets", header.get(earlier).get("data_offsets"));
    byte[] h = JSON.writeValueAsBytes(header);
    ByteBuffer out =
        ByteBuffer.allocate(8 + h.length + all.length - 8 - headerLen)
            .order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(h.length).put(h).put(all, 8 + headerLen, all.length - 8 - headerLen);
    Files.write(w, out.array());
    var e = assertThrows(IOException.class, () -> SaeLoader.load(d));
    assertTrue(e.getMessage().contains("sae_weights.safetensors"), e.getMessage());
    assertTrue(e.getMessage().contains("overlap"), e.getMessage());
    assertTrue(
        e.getMessage().contains("'W_dec'") && e.getMessage().contains("'W_enc'"), e.getMessage());
  }

  // ------------------------------------------------------------ saving

  @Test
  void savedFolderLoadsBackIdentically() throws IOException {
    for (String c :
        List.of("jumprelu_32x128", "topk_32x128_k8", "relu_32x64", "topk_64x256_k16_rescale")) {
      SaeParams p = SaeLoader.load(golden(c).resolve("sae"));
      Path out = dir.resolve("saved-" + c);
      SaeLensWriter.save(p, out);
      SaeParams q = SaeLoader.load(out);
      assertEquals(p.meta().hash(), q.meta().hash(), c + ": hash");
      assertEquals(p.meta().activation(), q.meta().activation(), c);
      assertEquals(p.meta().hook(), q.meta().hook(), c);
      assertEquals(p.meta().modelId(), q.meta().modelId(), c);
      assertEquals(p.meta().applyBDecToInput(), q.meta().applyBDecToInput(), c);
      assertArrayEquals(p.wEnc(), q.wEnc());
      assertArrayEquals(p.threshold(), q.threshold());
      var cfg = JSON.readTree(out.resolve("cfg.json").toFile());
      assertEquals(p.meta().activation().architecture(), cfg.get("architecture").asText());
      assertEquals("none", cfg.get("normalize_activations").asText());
    }
  }

  @Test
  void hintsOverrideTheConfig() throws IOException {
    SaeParams p =
        SaeLoader.load(
            golden("relu_32x64").resolve("sae"),
            new SaeLoader.Hints(
                Optional.of("gemma-3-270m"), Optional.of(new HookPoint(5, Site.MLP_OUT))));
    assertEquals("gemma-3-270m", p.meta().modelId());
    assertEquals(Optional.of(new HookPoint(5, Site.MLP_OUT)), p.meta().hook());
  }

  @Test
  void gemmaScopeHubPathsAndHfHooksAreUnderstood() {
    assertEquals(
        Optional.of(new HookPoint(12, Site.MLP_OUT)),
        GemmaScopeNpzReader.GemmaScopePath.parse(
                Path.of(
                    "/c/models--google--gemma-scope-2b-pt-mlp/snapshots/abc/layer_12/width_16k/average_l0_77/params.npz"))
            .hook());
    assertEquals(
        Optional.of(new HookPoint(7, Site.ATTN_Z)),
        GemmaScope2Reader.hfHook("model.layers.7.self_attn.o_proj.input"));
    assertEquals(
        Optional.of(new HookPoint(2, Site.MLP_OUT)),
        GemmaScope2Reader.hfHook("model.layers.2.post_feedforward_layernorm.output"));
    assertEquals(
        Optional.of(new HookPoint(9, Site.ATTN_Z)), TlHookNames.parse("blocks.9.attn.hook_z"));
    assertEquals(
        Optional.of(new HookPoint(5, Site.RESID_POST)),
        GemmaScope2Reader.folderHook(Path.of("/c/resid_post/layer_5_width_16k_l0_medium")));
    assertEquals(
        Optional.of(new HookPoint(7, Site.ATTN_Z)),
        GemmaScope2Reader.folderHook(Path.of("/c/attn_out/layer_7_width_16k_l0_small")));
    assertEquals(Optional.empty(), TlHookNames.parse("blocks.3.hook_attn_out"));
    assertEquals("blocks.4.hook_resid_post", TlHookNames.of(new HookPoint(4, Site.RESID_POST)));
  }

  @Test
  void savedTopKEncodesLikeTheOriginal() throws IOException {
    SaeParams p = SaeLoader.load(golden("topk_64x256_k16_rescale").resolve("sae"));
    Path out = dir.resolve("saved");
    SaeLensWriter.save(p, out);
    float[] x =
        dev.saescope.runtime.sae.npy.Npy.read(golden("topk_64x256_k16_rescale").resolve("x.npy"))
            .data();
    try (Sae a = Sae.create(p);
        Sae b = Sae.create(SaeLoader.load(out))) {
      SparseLatents za = a.encode(x, x.length / 64);
      SparseLatents zb = b.encode(x, x.length / 64);
      assertArrayEquals(za.indices(), zb.indices());
      assertArrayEquals(za.values(), zb.values());
    }
    assertTrue(p.meta().activation() instanceof Activation.TopK);
  }

  static HostTensor t(String name, float[] data, long... shape) {
    return new HostTensor(name, shape, FloatBuffer.wrap(data));
  }
}
