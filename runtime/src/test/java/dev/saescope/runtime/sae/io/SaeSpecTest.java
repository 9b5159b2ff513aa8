package dev.saescope.runtime.sae.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.hub.HfHub;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hf: SAE specs against a Hugging Face cache laid out as huggingface_hub writes it, offline. */
class SaeSpecTest {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  @TempDir Path cache;

  HfHub.Settings offline() {
    return new HfHub.Settings(
        cache, URI.create("http://127.0.0.1:9"), Optional.empty(), true, Duration.ofSeconds(1));
  }

  Path snapshot(String repo) throws IOException {
    Path r = cache.resolve("models--" + repo.replace("/", "--"));
    Files.createDirectories(r.resolve("refs"));
    Files.writeString(r.resolve("refs/main"), COMMIT);
    return Files.createDirectories(r.resolve("snapshots").resolve(COMMIT));
  }

  @Test
  void gemmaScopeFolderResolvesToItsNpzAndLoadsWithItsHook() throws IOException {
    Path sub = snapshot("google/gemma-scope-2b-pt-mlp").resolve("layer_12/width_16k/average_l0_77");
    Files.createDirectories(sub);
    Files.copy(
        SaeLoaderTest.golden("jumprelu_32x128")
            .resolve("gemma-scope-2b-pt-res/layer_3/width_tiny/average_l0_9/params.npz"),
        sub.resolve("params.npz"));
    Path p =
        SaeSpec.resolve(
            "hf:google/gemma-scope-2b-pt-mlp/layer_12/width_16k/average_l0_77", offline());
    assertEquals(sub.resolve("params.npz"), p);
    var meta = SaeLoader.load(p).meta();
    assertEquals(Optional.of(new HookPoint(12, Site.MLP_OUT)), meta.hook());
    assertEquals("gemma-2-2b", meta.modelId());
  }

  @Test
  void saeLensFolderResolvesToTheFolder() throws IOException {
    Path sub = snapshot("someone/saes").resolve("topk");
    Files.createDirectories(sub);
    Path src = SaeLoaderTest.golden("topk_32x128_k8").resolve("sae");
    Files.copy(src.resolve("cfg.json"), sub.resolve("cfg.json"));
    Files.copy(src.resolve("sae_weights.safetensors"), sub.resolve("sae_weights.safetensors"));
    assertEquals(sub, SaeSpec.resolve("hf:someone/saes/topk", offline()));
  }

  @Test
  void missingSaeNamesTheSpecAndTheLayouts() throws IOException {
    snapshot("someone/empty");
    var e =
        assertThrows(
            IOException.class, () -> SaeSpec.resolve("hf:someone/empty/layer_1", offline()));
    assertTrue(
        e.getMessage().contains("hf:someone/empty/layer_1")
            && e.getMessage().contains("params.npz"),
        e.getMessage());
    var f = assertThrows(IOException.class, () -> SaeSpec.resolve("/no/such/sae", offline()));
    assertTrue(f.getMessage().contains("/no/such/sae"), f.getMessage());
  }
}
