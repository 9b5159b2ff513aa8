package dev.saescope.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.lab.train.SaeProvisioner;
import dev.saescope.lab.train.SaeRecipe;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.io.SaeLensWriter;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.runtime.weights.TinyModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * fetch-sae's reuse and completeness logic and its {@code --json} output, without the real model:
 * complete folders are listed without loading anything, an incomplete one needs the model (offline:
 * an error naming fetch-model), stale or half-written folders are not reused, and a tiny recipe on
 * a tiny random Gemma 3 trains, marks, reuses and resumes.
 */
class FetchSaeCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SaeRecipe REAL = SaeRecipe.GEMMA_3_270M;

  @TempDir Path home;

  record Run(int code, String out, String err) {}

  Run fetch(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new FetchSaeCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** A small SAE (its weights do not matter here) plus the marker fetch-sae writes last. */
  static void writeComplete(SaeRecipe recipe, SaeProvisioner.Provisioned p) throws IOException {
    int dIn = 4;
    int dSae = 8;
    SaeParams sae =
        SaeParams.of(
            recipe.model(),
            Optional.of(p.hook()),
            dIn,
            dSae,
            new Activation.TopK(2),
            true,
            p.path().toString(),
            new float[dIn * dSae],
            new float[dSae],
            new float[dSae * dIn],
            new float[dIn],
            null);
    SaeLensWriter.save(sae, p.path());
    ObjectNode marker = JSON.createObjectNode();
    marker.set("recipe", recipe.toJson(p.hook()));
    Files.writeString(p.path().resolve(SaeProvisioner.MARKER), marker.toString());
  }

  List<SaeProvisioner.Provisioned> completeRealLayout() throws IOException {
    List<SaeProvisioner.Provisioned> all =
        SaeProvisioner.layout(REAL, FetchSaeCommand.saeRoot(home, REAL.model()));
    for (SaeProvisioner.Provisioned p : all) {
      writeComplete(REAL, p);
    }
    return all;
  }

  @Test
  void completeFoldersAreReusedAndPrintedAsExactlyAJsonList() throws IOException {
    List<SaeProvisioner.Provisioned> all = completeRealLayout();
    // no model in this home and --offline: any attempt to train would fail
    Run r = fetch("gemma-3-270m", "--home", home.toString(), "--json", "--offline", "--quiet");
    assertEquals(0, r.code(), r.err());
    JsonNode list = JSON.readTree(r.out());
    assertTrue(list.isArray(), r.out());
    assertEquals(REAL.layers().size(), list.size());
    for (int i = 0; i < all.size(); i++) {
      JsonNode j = list.get(i);
      Set<String> fields = new HashSet<>();
      j.fieldNames().forEachRemaining(fields::add);
      assertEquals(Set.of("layer", "site", "path"), fields, j.toString());
      assertEquals(REAL.layers().get(i), j.get("layer").asInt());
      assertEquals("resid_post", j.get("site").asText());
      Path path = Path.of(j.get("path").asText());
      assertTrue(path.isAbsolute(), path.toString());
      assertEquals(
          home.resolve("saes/gemma-3-270m/layer_" + REAL.layers().get(i) + "_resid_post")
              .toAbsolutePath(),
          path);
      assertEquals(
          all.get(i).hook(),
          SaeLoader.load(path).meta().hook().orElseThrow(),
          "the listed folder loads as the SAE of its hook");
    }
    assertEquals(r.out().strip(), list.toString(), "nothing but the JSON list on stdout");
  }

  @Test
  void anIncompleteFolderNeedsTheModelAndOfflineNamesTheFetchCommand() throws IOException {
    List<SaeProvisioner.Provisioned> all = completeRealLayout();
    Path layer9 = all.get(1).path();
    Files.delete(layer9.resolve(SaeProvisioner.MARKER)); // as if training stopped before the end
    String before = Files.readString(all.get(0).path().resolve("cfg.json"));
    Run r = fetch("gemma-3-270m", "--home", home.toString(), "--json", "--offline", "--quiet");
    assertEquals(1, r.code(), r.err());
    assertEquals("", r.out(), "no JSON when the SAEs are not all there");
    assertTrue(r.err().contains("./saescope fetch-model gemma-3-270m"), r.err());
    assertTrue(r.err().contains("--offline"), r.err());
    assertEquals(
        before,
        Files.readString(all.get(0).path().resolve("cfg.json")),
        "complete folders are left alone");
    assertTrue(Files.isRegularFile(all.get(0).path().resolve(SaeProvisioner.MARKER)));
  }

  @Test
  void staleUnreadableOrHalfWrittenFoldersAreNotReused() throws IOException {
    List<SaeProvisioner.Provisioned> all = completeRealLayout();
    for (SaeProvisioner.Provisioned p : all) {
      assertEquals(SaeProvisioner.State.COMPLETE, SaeProvisioner.state(REAL, p));
    }
    SaeRecipe wider =
        new SaeRecipe(
            REAL.model(),
            REAL.layers(),
            REAL.site(),
            REAL.width() * 2,
            REAL.k(),
            REAL.tokens(),
            REAL.batch(),
            REAL.lr(),
            REAL.lrDecayFrom(),
            REAL.context(),
            REAL.forwardSeqs(),
            REAL.seed(),
            REAL.corpus(),
            REAL.stdWeightExponent());
    assertEquals(
        SaeProvisioner.State.STALE,
        SaeProvisioner.state(wider, all.get(0)),
        "another width is another SAE");
    SaeRecipe reseeded =
        new SaeRecipe(
            REAL.model(),
            REAL.layers(),
            REAL.site(),
            REAL.width(),
            REAL.k(),
            REAL.tokens(),
            REAL.batch(),
            REAL.lr(),
            REAL.lrDecayFrom(),
            REAL.context(),
            REAL.forwardSeqs(),
            1,
            REAL.corpus(),
            REAL.stdWeightExponent());
    assertEquals(
        SaeProvisioner.State.STALE,
        SaeProvisioner.state(reseeded, all.get(0)),
        "another seed is another SAE");

    Files.writeString(
        all.get(0).path().resolve(SaeProvisioner.MARKER), "{\"recipe\": {"); // truncated
    assertEquals(SaeProvisioner.State.STALE, SaeProvisioner.state(REAL, all.get(0)));
    Files.delete(all.get(1).path().resolve("sae_weights.safetensors"));
    assertEquals(SaeProvisioner.State.STALE, SaeProvisioner.state(REAL, all.get(1)));
    Files.delete(all.get(2).path().resolve(SaeProvisioner.MARKER));
    assertEquals(SaeProvisioner.State.INCOMPLETE, SaeProvisioner.state(REAL, all.get(2)));
  }

  @Test
  void theDefaultCorpusTakesProseDocsAndHoldsOutReadmes() {
    for (String f :
        List.of(
            "copyright",
            "changelog.Debian.gz",
            "NEWS",
            "NEWS.md.gz",
            "FAQ",
            "notes.txt",
            "CONTRIBUTING.md")) {
      assertTrue(FetchSaeCommand.isDocText(f), f);
    }
    for (String f :
        List.of(
            "README", "README.md", "README.Debian.gz", "logo.png", "index.html", "example.conf")) {
      assertFalse(FetchSaeCommand.isDocText(f), f);
    }
  }

  @Test
  void unknownModelIsAUsageError() {
    Run r = fetch("gemma-2-2b", "--home", home.toString(), "--json");
    assertEquals(2, r.code());
    assertEquals("", r.out());
    assertTrue(r.err().contains("gemma-3-270m"), r.err());
  }

  /** Two layers of a tiny model, weighted loss, 384 tokens: seconds to train. */
  private static SaeRecipe tinyRecipe(long seed) {
    return new SaeRecipe(
        "tiny",
        List.of(0, 1),
        Site.RESID_POST,
        16,
        4,
        384,
        64,
        1e-3,
        0.5,
        16,
        4,
        seed,
        "test",
        0.5);
  }

  @Test
  void aTinyRecipeTrainsMarksReusesAndResumes(@TempDir Path tmp) throws Exception {
    ModelConfig config = TinyModels.gemma3();
    Path modelDir = tmp.resolve("tiny");
    RandomModelWriter.write(config, modelDir, RandomModelWriter.Options.defaults(5), null, b -> {});
    Function<String, int[]> chars = s -> s.chars().map(c -> 3 + c % 29).toArray();
    int[] loads = {0};
    SaeProvisioner.ModelLoader loader =
        () -> {
          loads[0]++;
          try (HfFolderWeights w = HfFolderWeights.open(modelDir)) {
            GemmaModel m = GemmaModel.load(w);
            return new SaeProvisioner.TrainingModel(m, chars, config.bosId(), m::close);
          }
        };
    SaeProvisioner.ModelLoader forbidden =
        () -> {
          throw new AssertionError("complete SAEs must be reused without loading the model");
        };
    List<String> corpus =
        List.of("the cat sat on the mat", "a quick brown fox", "jumps over the lazy dog");
    SaeRecipe tiny = tinyRecipe(3);
    Path root = tmp.resolve("saes");
    PrintWriter err = new PrintWriter(new StringWriter());

    List<SaeProvisioner.Provisioned> first =
        SaeProvisioner.provision(tiny, root, loader, corpus, "test", err, true);
    assertEquals(1, loads[0]);
    List<String> hashes = new ArrayList<>();
    for (SaeProvisioner.Provisioned p : first) {
      assertEquals(SaeProvisioner.State.COMPLETE, SaeProvisioner.state(tiny, p));
      SaeParams sae = SaeLoader.load(p.path());
      assertEquals(Optional.of(p.hook()), sae.meta().hook());
      assertEquals(16, sae.meta().dSae());
      JsonNode marker = JSON.readTree(p.path().resolve(SaeProvisioner.MARKER).toFile());
      assertEquals(
          sae.meta().hash(),
          marker.get("sae_hash").asText(),
          "the marker names the SAE it completes");
      hashes.add(sae.meta().hash());
    }

    assertEquals(first, SaeProvisioner.provision(tiny, root, forbidden, corpus, "test", err, true));

    // layer 1 lost its marker after a finished run: resumed from its final checkpoint, same SAE
    Files.delete(first.get(1).path().resolve(SaeProvisioner.MARKER));
    SaeProvisioner.provision(tiny, root, loader, corpus, "test", err, true);
    assertEquals(2, loads[0]);
    assertEquals(hashes.get(1), SaeLoader.load(first.get(1).path()).meta().hash());

    // a checkpoint resumes only under its own recipe: another corpus, or no record, starts over
    Files.delete(first.get(0).path().resolve(SaeProvisioner.MARKER));
    assertEquals(SaeProvisioner.State.INCOMPLETE, SaeProvisioner.state(tiny, first.get(0)));
    assertEquals(
        SaeProvisioner.State.STALE,
        SaeProvisioner.state(tiny.withCorpus("other text"), first.get(0)),
        "the trainer's own check does not see the corpus");
    Files.delete(first.get(0).path().resolve(SaeProvisioner.TRAINING));
    assertEquals(SaeProvisioner.State.STALE, SaeProvisioner.state(tiny, first.get(0)));
    SaeProvisioner.provision(tiny, root, loader, corpus, "test", err, true);
    assertEquals(3, loads[0]);
    assertEquals(hashes.get(0), SaeLoader.load(first.get(0).path()).meta().hash(), "same seed");

    // another seed: every folder is stale and trained again into a different SAE
    SaeRecipe reseeded = tinyRecipe(4);
    SaeProvisioner.provision(reseeded, root, loader, corpus, "test", err, true);
    assertEquals(4, loads[0]);
    for (int i = 0; i < first.size(); i++) {
      assertEquals(SaeProvisioner.State.COMPLETE, SaeProvisioner.state(reseeded, first.get(i)));
      assertFalse(
          hashes.get(i).equals(SaeLoader.load(first.get(i).path()).meta().hash()),
          "retrained with the new seed");
    }
    try {
      SaeProvisioner.provision(reseeded, root, forbidden, corpus, "test", err, true);
    } catch (AssertionError e) {
      fail("reseeded SAEs were not reused: " + e.getMessage());
    }
  }
}
