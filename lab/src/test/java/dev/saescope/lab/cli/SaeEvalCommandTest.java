package dev.saescope.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.io.SaeLensWriter;
import dev.saescope.runtime.tokenizer.TinyTokenizer;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.runtime.weights.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** sae-eval in-process on a tiny random model and SAE: corpora too short are refused. */
class SaeEvalCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Path model;
  static Path sae;

  @BeforeAll
  static void tinyModelAndSae() throws Exception {
    ModelConfig c = TinyModels.withVocab(TinyModels.gemma3(), 11);
    model = tmp.resolve("tiny");
    Path tok = TinyTokenizer.write(tmp.resolve("tok.json"));
    RandomModelWriter.write(c, model, RandomModelWriter.Options.defaults(5), tok, b -> {});
    sae = tinySae(tmp.resolve("sae"), c.dModel(), 16);
  }

  /** A random ReLU SAE of width {@code dSae} on layer 1's resid_post, in the SAELens layout. */
  static Path tinySae(Path dir, int dIn, int dSae) throws Exception {
    Random r = new Random(1);
    float[] wEnc = new float[dIn * dSae];
    float[] wDec = new float[dSae * dIn];
    for (int i = 0; i < wEnc.length; i++) {
      wEnc[i] = (float) r.nextGaussian();
      wDec[i] = (float) r.nextGaussian() * 0.1f;
    }
    SaeParams p =
        SaeParams.of(
            "tiny",
            Optional.of(new HookPoint(1, Site.RESID_POST)),
            dIn,
            dSae,
            new Activation.Relu(),
            false,
            "test",
            wEnc,
            new float[dSae],
            wDec,
            new float[dIn],
            null);
    SaeLensWriter.save(p, dir);
    return dir;
  }

  private static Path corpus(String name, String text) throws Exception {
    return Files.writeString(tmp.resolve(name), text);
  }

  private static CommandRun eval(Path text, String... more) {
    String[] base = {
      "--model", model.toString(), "--sae", sae.toString(), "--text", text.toString()
    };
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return CommandRun.run(new SaeEvalCommand(), args);
  }

  @Test
  void aCorpusLongEnoughGivesFiniteMetrics() throws Exception {
    Path text = corpus("long.txt", "The capital Paris .\n".repeat(20));
    CommandRun r = eval(text, "--context", "8", "--sequences", "3", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = JSON.readTree(r.out());
    assertEquals(3, j.get("sequences").asInt());
    assertEquals(21, j.get("positions").asInt(), "3 sequences of 7 tokens after BOS");
    for (String k : new String[] {"l0", "fvu", "ce_clean", "ce_sae", "ce_delta"}) {
      assertTrue(Double.isFinite(j.get(k).asDouble()), k + " = " + j.get(k));
    }
  }

  /** Before: every metric NaN and exit 0. */
  @Test
  void aCorpusShorterThanOneContextIsRefused() throws Exception {
    Path text = corpus("short.txt", "The capital\n");
    CommandRun r = eval(text, "--context", "8");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--context 8 needs 7 tokens"), r.err());
    assertTrue(r.err().contains("short.txt") && r.err().contains("has only 2"), r.err());
    assertTrue(r.out().isEmpty(), "no metrics printed: " + r.out());
  }

  /** Before: the stream cycled through the corpus to fill each sequence. */
  @Test
  @Timeout(60)
  void aContextLargerThanTheCorpusIsRefusedAtOnce() throws Exception {
    Path text = corpus("tiny.txt", "Paris\n.\n\nThe\n");
    CommandRun r = eval(text, "--context", "64", "--sequences", "1000");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--context 64") && r.err().contains("has only 3"), r.err());
    assertTrue(r.err().contains("tiny.txt"), r.err());
  }

  @Test
  void contextAndSequencesOutOfRangeAreRefused() throws Exception {
    Path text = corpus("ok.txt", "The capital Paris .\n".repeat(20));
    CommandRun big = eval(text, "--context", "65");
    assertEquals(2, big.code(), big.err());
    assertTrue(big.err().contains("--context 65") && big.err().contains("64 positions"), big.err());
    CommandRun none = eval(text, "--sequences", "0");
    assertEquals(2, none.code(), none.err());
    assertTrue(none.err().contains("--sequences must be positive"), none.err());
  }

  @Test
  void helpDocumentsTheExitCodes() {
    CommandRun r = CommandRun.run(new SaeEvalCommand(), "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("Exit codes:") && r.out().contains("bad options"), r.out());
  }
}
