package dev.saescope.runtime.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.hub.HfHub;
import dev.saescope.runtime.hub.HfSpec;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.runtime.weights.TinyModels;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSpecTest {
  @TempDir Path tmp;

  @Test
  void parsesEachKind() {
    assertEquals(
        new ModelSpec.Hub(new HfSpec("google/gemma-2-2b", "main", "")),
        ModelSpec.parse("hf:google/gemma-2-2b"));
    assertEquals(
        new ModelSpec.Hub(new HfSpec("google/gemma-2-2b", "abc123", "")),
        ModelSpec.parse("hf:google/gemma-2-2b@abc123"));
    assertEquals(new ModelSpec.Alias("gemma-3-270m"), ModelSpec.parse("gemma-3-270m"));
    assertEquals(new ModelSpec.Gguf(Path.of("/m/x.GGUF")), ModelSpec.parse("/m/x.GGUF"));
    assertEquals(new ModelSpec.Folder(Path.of("/m/gemma")), ModelSpec.parse("/m/gemma"));
    assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("hf:no-slash"));
    assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(" "));
  }

  @Test
  void hubSpecResolvesThroughAPythonStyleCacheOffline() throws Exception {
    // models--owner--name/{refs/main, snapshots/<commit>/...}: what huggingface_hub leaves on disk
    String commit = "0123456789abcdef0123456789abcdef01234567";
    Path repo = tmp.resolve("hf/hub/models--someone--tiny-gemma");
    Path snapshot = repo.resolve("snapshots").resolve(commit);
    RandomModelWriter.write(
        TinyModels.gemma3(),
        snapshot,
        new RandomModelWriter.Options(2, 0.02, 4000, RandomModelWriter.StoredType.BF16),
        null,
        b -> {});
    Files.writeString(snapshot.resolve("tokenizer.json"), "{}");
    Files.writeString(snapshot.resolve("tokenizer_config.json"), "{}");
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(repo.resolve("refs/main"), commit);
    HfHub hub =
        new HfHub(
            HfHub.Settings.fromEnvironment(
                Map.of("HF_HOME", tmp.resolve("hf").toString(), "HF_HUB_OFFLINE", "1"), tmp, true),
            null);
    Path local = hub.resolve(HfSpec.parse("hf:someone/tiny-gemma"));
    try (ModelWeights w = HfFolderWeights.open(local)) {
      assertEquals(TinyModels.gemma3(), w.config());
    }
  }

  @Test
  void opensAFolderAndNamesWhatIsWrongOtherwise() throws Exception {
    Path dir = tmp.resolve("m");
    RandomModelWriter.write(
        TinyModels.gemma2(), dir, RandomModelWriter.Options.defaults(1), null, b -> {});
    try (ModelWeights w = ModelSpec.open(dir.toString(), ModelSpec.OpenOptions.defaults())) {
      assertEquals(TinyModels.gemma2(), w.config());
    }
    var e =
        assertThrows(
            WeightsException.class,
            () -> ModelSpec.open(tmp.resolve("nope").toString(), ModelSpec.OpenOptions.defaults()));
    assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("no such model folder"));
    Path file = Files.writeString(tmp.resolve("weights.bin"), "x");
    e =
        assertThrows(
            WeightsException.class,
            () -> ModelSpec.open(file.toString(), ModelSpec.OpenOptions.defaults()));
    assertTrue(e.getMessage().contains("not a model folder"), e.getMessage());
    Path tok = tmp.resolve("tok.json");
    try (ModelWeights w =
        ModelSpec.open(dir.toString(), new ModelSpec.OpenOptions(tok, true, null))) {
      e = assertThrows(WeightsException.class, w::tokenizerJson);
      assertTrue(e.getMessage().contains("tok.json"));
    }
  }
}
