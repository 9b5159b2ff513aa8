package dev.saescope.worker.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSpecTest {
  @TempDir Path tmp;

  @Test
  void parsesEachKind() {
    assertEquals(new ModelSpec.Hub("google/gemma-2-2b", "main"), ModelSpec.parse("hf:google/gemma-2-2b"));
    assertEquals(new ModelSpec.Hub("google/gemma-2-2b", "abc123"), ModelSpec.parse("hf:google/gemma-2-2b@abc123"));
    assertEquals(new ModelSpec.Alias("gemma-3-270m"), ModelSpec.parse("gemma-3-270m"));
    assertEquals(new ModelSpec.Gguf(Path.of("/m/x.GGUF")), ModelSpec.parse("/m/x.GGUF"));
    assertEquals(new ModelSpec.Folder(Path.of("/m/gemma")), ModelSpec.parse("/m/gemma"));
    assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("hf:no-slash"));
    assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(" "));
  }

  @Test
  void opensAFolderAndNamesWhatIsWrongOtherwise() throws Exception {
    Path dir = tmp.resolve("m");
    RandomModelWriter.write(TinyModels.gemma2(), dir, RandomModelWriter.Options.defaults(1), null, b -> {});
    try (ModelWeights w = ModelSpec.open(dir.toString(), ModelSpec.OpenOptions.defaults())) {
      assertEquals(TinyModels.gemma2(), w.config());
    }
    var e = assertThrows(WeightsException.class,
        () -> ModelSpec.open(tmp.resolve("nope").toString(), ModelSpec.OpenOptions.defaults()));
    assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("no such model folder"));
    Path file = Files.writeString(tmp.resolve("weights.bin"), "x");
    e = assertThrows(WeightsException.class, () -> ModelSpec.open(file.toString(), ModelSpec.OpenOptions.defaults()));
    assertTrue(e.getMessage().contains("not a model folder"), e.getMessage());
    Path tok = tmp.resolve("tok.json");
    try (ModelWeights w = ModelSpec.open(dir.toString(), new ModelSpec.OpenOptions(tok, true))) {
      e = assertThrows(WeightsException.class, w::tokenizerJson);
      assertTrue(e.getMessage().contains("tok.json"));
    }
  }
}
