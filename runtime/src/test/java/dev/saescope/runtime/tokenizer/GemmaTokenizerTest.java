package dev.saescope.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.saescope.runtime.config.GemmaPresets;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.TinyModels;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GemmaTokenizerTest {
  @TempDir Path tmp;

  private Path tiny() throws Exception {
    return TinyTokenizer.write(tmp.resolve("tokenizer.json"));
  }

  private static ModelConfig modelWithVocab(int vocab) {
    return TinyModels.withVocab(GemmaPresets.GEMMA_3_270M.config(1), vocab);
  }

  @Test
  void exactlyOneBosEvenWhenTheTextStartsWithIt() throws Exception {
    try (GemmaTokenizer t = GemmaTokenizer.load(tiny(), modelWithVocab(11), tmp)) {
      Tokens a = t.encode("The capital");
      assertArrayEquals(new int[] {2, 4, 5}, a.ids());
      Tokens b = t.encode("<bos>The capital");
      assertArrayEquals(new int[] {2, 4, 5}, b.ids());
      assertArrayEquals(new int[] {2}, t.encode("").ids());
    }
  }

  @Test
  void offsetsAreJavaStringIndicesAndMapAnswerStarts() throws Exception {
    String text = "café 😀 Paris.";
    try (GemmaTokenizer t = GemmaTokenizer.load(tiny(), modelWithVocab(11), tmp)) {
      Tokens tok = t.encode(text);
      assertArrayEquals(new int[] {2, 6, 7, 8, 9}, tok.ids());
      for (int i = 1; i < tok.size(); i++) {
        String covered = text.substring(tok.charStart()[i], tok.charEnd()[i]);
        assertEquals(List.of("café", "😀", "Paris", ".").get(i - 1), covered, "token " + i);
      }
      int answerStart = text.indexOf("Paris");
      assertEquals(3, tok.tokenAtChar(answerStart));
      assertEquals(3, tok.tokenAtChar(answerStart - 1), "the space before an answer");
      assertEquals(-1, tok.tokenAtChar(text.length()));
      assertEquals("<bos>", tok.pieces()[0]);
      assertEquals("Paris", t.piece(8));
      assertEquals("Paris", t.decode(8));
    }
  }

  @Test
  void vocabularyMismatchNamesBothFiles() throws Exception {
    Path model = tmp.resolve("model-folder");
    var e =
        assertThrows(
            WeightsException.class,
            () -> GemmaTokenizer.load(tiny(), modelWithVocab(262144), model));
    assertTrue(
        e.getMessage().contains("tokenizer.json") && e.getMessage().contains("model-folder"));
    assertTrue(
        e.getMessage().contains("262144") && e.getMessage().contains("11 tokens"), e.getMessage());
  }

  @Test
  void idsBeyondTheModelVocabularyAreRejected() throws Exception {
    try (GemmaTokenizer t = GemmaTokenizer.load(tiny(), modelWithVocab(9), tmp)) {
      var e = assertThrows(IllegalArgumentException.class, () -> t.encode("Paris."));
      assertTrue(e.getMessage().contains("id 9") && e.getMessage().contains("vocab_size 9"));
    }
  }

  @Test
  void wrongBosIdOrMissingFile() throws Exception {
    Path f = tmp.resolve("tokenizer.json");
    Files.writeString(
        f, TinyTokenizer.JSON.replace("\"content\": \"<bos>\"", "\"content\": \"<s>\""));
    var e =
        assertThrows(WeightsException.class, () -> GemmaTokenizer.load(f, modelWithVocab(11), tmp));
    assertTrue(e.getMessage().contains("expected '<bos>'"), e.getMessage());
    e =
        assertThrows(
            WeightsException.class,
            () -> GemmaTokenizer.load(tmp.resolve("nope.json"), modelWithVocab(11), tmp));
    assertTrue(e.getMessage().contains("nope.json"));
    Files.writeString(f, "{\"model\": [");
    e = assertThrows(WeightsException.class, () -> GemmaTokenizer.load(f));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
  }

  @Test
  void displayEscaping() {
    assertEquals("\" Paris\"", TokenText.quoted(" Paris"));
    assertEquals("\"\\n\\t\\\"\\u0000\"", TokenText.quoted("\n\t\"\0"));
    assertEquals("&lt;b&gt;&amp;", TokenText.html("<b>&"));
  }

  /** The real Gemma 3 tokenizer, provisioned by {@code ./saescope fetch-model gemma-3-270m}. */
  @Test
  void realGemma3Tokenizer() throws Exception {
    String home =
        System.getenv()
            .getOrDefault("SAESCOPE_HOME", System.getProperty("user.home") + "/.cache/saescope");
    Path f = Path.of(home, "models", "gemma-3-270m", "tokenizer.json");
    assumeTrue(
        Files.isRegularFile(f),
        f + " is absent; run ./saescope fetch-model gemma-3-270m to provision it");
    try (GemmaTokenizer t =
        GemmaTokenizer.load(f, GemmaPresets.GEMMA_3_270M.config(), f.getParent())) {
      String text = "The capital of France is Paris.";
      Tokens tok = t.encode(text);
      assertArrayEquals(
          new String[] {"<bos>", "The", "▁capital", "▁of", "▁France", "▁is", "▁Paris", "."},
          tok.pieces());
      assertEquals(2, tok.ids()[0]);
      assertEquals(6, tok.tokenAtChar(text.indexOf("Paris")));
      assertEquals(" Paris", t.decode(tok.ids()[6]));
      assertEquals(tok.ids().length, t.encode("<bos>" + text).ids().length, "bos not doubled");
      assertEquals(text, t.decode(tok.ids()).replaceFirst("^<bos>", ""));
    }
  }
}
