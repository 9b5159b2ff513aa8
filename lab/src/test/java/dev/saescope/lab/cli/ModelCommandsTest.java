package dev.saescope.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.tokenizer.TinyTokenizer;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.runtime.weights.TinyModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The model commands run in-process, on a tiny random model with a tiny tokenizer. */
class ModelCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Path model;

  record Run(int code, String out, String err) {}

  @BeforeAll
  static void tinyModel() throws Exception {
    ModelConfig c = TinyModels.withVocab(TinyModels.gemma3(), 11);
    model = tmp.resolve("tiny");
    Path tok = TinyTokenizer.write(tmp.resolve("tok.json"));
    RandomModelWriter.write(c, model, RandomModelWriter.Options.defaults(5), tok, b -> {});
  }

  static Run run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void inspectModelJsonHasTokensTopAndLensAtEveryLayer() throws Exception {
    Run r =
        run(
            new InspectModelCommand(),
            "--model",
            model.toString(),
            "--prompt",
            "The capital",
            "--top",
            "4",
            "--lens",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = JSON.readTree(r.out());
    assertEquals(Set.of("tokens", "token_ids", "dtype", "top", "lens"), fieldNames(j));
    assertEquals(
        List.of("<bos>", "The", "capital"), JSON.convertValue(j.get("tokens"), List.class));
    assertEquals(3, j.get("token_ids").size());
    assertEquals(2, j.get("token_ids").get(0).asInt(), "<bos> is id 2");
    assertEquals("fp32", j.get("dtype").asText());
    assertEquals(4, j.get("top").size());
    double prev = 0;
    for (JsonNode t : j.get("top")) {
      assertEquals(Set.of("token", "id", "logprob"), fieldNames(t));
      assertTrue(t.get("logprob").asDouble() <= prev + 1e-6, "sorted by log-probability");
      prev = t.get("logprob").asDouble();
    }
    assertEquals(3, j.get("lens").size());
    assertEquals(2, j.get("lens").get(2).get("layer").asInt());
    // the lens of the last layer's resid_post is the final distribution
    assertEquals(j.get("top").get(0).get("id"), j.get("lens").get(2).get("top").get(0).get("id"));
    assertEquals(
        j.get("top").get(0).get("logprob").asDouble(),
        j.get("lens").get(2).get("top").get(0).get("logprob").asDouble(),
        1e-4);
  }

  @Test
  void inspectModelDumpsEveryLayerAndSiteAsNpy() throws Exception {
    Path dir = tmp.resolve("dump");
    Run r =
        run(
            new InspectModelCommand(),
            "--model",
            model.toString(),
            "--prompt",
            "The capital",
            "--dump-npy",
            dir.toString());
    assertEquals(0, r.code(), r.err());
    ModelConfig c = TinyModels.withVocab(TinyModels.gemma3(), 11);
    for (int l = 0; l < c.nLayers(); l++) {
      for (dev.saescope.runtime.model.Site site : dev.saescope.runtime.model.Site.values()) {
        var a =
            dev.saescope.runtime.sae.npy.Npy.read(dir.resolve("L" + l + "_" + site.key() + ".npy"));
        assertEquals(
            List.of(3L, (long) site.width(c)), java.util.Arrays.stream(a.shape()).boxed().toList());
      }
    }
    Run bad =
        run(
            new InspectModelCommand(),
            "--model",
            model.toString(),
            "--prompt",
            "x",
            "--dtype",
            "int8");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--dtype int8"), bad.err());
  }

  @Test
  void inspectModelTextQuotesTokensAndErrorsNameTheFile() {
    Run r = run(new InspectModelCommand(), "--model", model.toString(), "--prompt", "Paris.");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"<bos>\" \"Paris\" \".\""), r.out());
    Run bad =
        run(
            new InspectModelCommand(),
            "--model",
            tmp.resolve("missing").toString(),
            "--prompt",
            "x");
    assertEquals(1, bad.code());
    assertTrue(
        bad.err().contains("missing") && bad.err().contains("no such model folder"), bad.err());
  }

  @Test
  void benchModelJsonOnATinyModel() throws Exception {
    Run r =
        run(
            new BenchModelCommand(),
            "--model",
            model.toString(),
            "--batch",
            "2",
            "--seq",
            "8",
            "--repeats",
            "1",
            "--warmup",
            "0",
            "--json",
            "--quiet");
    assertEquals(0, r.code(), r.err());
    JsonNode j = JSON.readTree(r.out());
    assertTrue(j.get("ratio").asDouble() > 0, r.out());
    assertTrue(j.get("tokensPerSecond").asDouble() > 0);
    assertTrue(
        j.get("peakMatmulFlopsPerSecond").asDouble() > 1e8, "a CPU does more than 0.1 GFLOP/s");
    assertEquals(
        j.get("flopsPerTokenLinear").asDouble() + j.get("flopsPerTokenAttentionCausal").asDouble(),
        j.get("flopsPerToken").asDouble(),
        1e-6);
    assertTrue(j.get("peakRssBytes").asLong() > 0);
  }

  @Test
  void benchLensJsonOnATinyModelAndBadSizesRefused() throws Exception {
    Run r =
        run(
            new BenchLensCommand(),
            "--model",
            model.toString(),
            "--rows",
            "6",
            "--group",
            "3",
            "--repeats",
            "1",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = JSON.readTree(r.out());
    assertTrue(j.get("ratio").asDouble() > 0, r.out());
    assertTrue(j.get("lensMs").asDouble() > 0, r.out());
    assertEquals(5, j.get("phasesMs").size(), r.out());
    Run bad = run(new BenchLensCommand(), "--model", model.toString(), "--rows", "0");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--rows"), bad.err());
  }

  @Test
  void makeRandomModelRejectsUnknownModelsAndLayerCounts() {
    Run r =
        run(
            new MakeRandomModelCommand(),
            "--like",
            "llama-7b",
            "--out",
            tmp.resolve("x").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("llama-7b") && r.err().contains("gemma-2-2b"), r.err());
    r =
        run(
            new MakeRandomModelCommand(),
            "--like",
            "gemma-2-2b",
            "--layers",
            "27",
            "--out",
            tmp.resolve("x").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("1..26"), r.err());
    assertTrue(Files.notExists(tmp.resolve("x")));
  }

  /** End to end on the real model provisioned by fetch-model (skipped when absent). */
  @Test
  void inspectTheRealGemma3() throws Exception {
    assumeTrue(
        KnownModel.GEMMA_3_270M.isProvisioned(SaescopeHome.resolve()),
        "gemma-3-270m is not provisioned; run ./saescope fetch-model gemma-3-270m");
    Run r =
        run(
            new InspectModelCommand(),
            "--model",
            "gemma-3-270m",
            "--prompt",
            "The capital of France is",
            "--top",
            "5",
            "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = JSON.readTree(r.out());
    assertEquals(
        List.of("<bos>", "The", " capital", " of", " France", " is"),
        JSON.convertValue(j.get("tokens"), List.class));
    boolean paris = false;
    for (JsonNode t : j.get("top")) {
      paris |= t.get("token").asText().equals(" Paris") && t.get("id").asInt() == 9079;
    }
    assertTrue(paris, "' Paris' (id 9079) in the top 5: " + j.get("top"));
  }

  private static Set<String> fieldNames(JsonNode n) {
    Set<String> s = new HashSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }
}
