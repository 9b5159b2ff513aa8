package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.io.SaeLensWriter;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * A small but real world for worker tests: a randomly initialised Gemma 3-style model with the real
 * Gemma 3 vocabulary (so the real tokenizer.json drives it), two layers, and a TopK SAE at layer 1.
 * Real files on disk, loaded by the same code users run; only the weights are random.
 */
public final class TinyWorld {
  static final int LAYERS = 2;
  static final HookPoint SAE_HOOK = new HookPoint(1, Site.RESID_POST);

  public final Path modelDir;
  public final Path saeDir;

  private TinyWorld(Path modelDir, Path saeDir) {
    this.modelDir = modelDir;
    this.saeDir = saeDir;
  }

  static ModelConfig config() {
    return new ModelConfig(
        "gemma3_text",
        262144,
        64,
        128,
        LAYERS,
        2,
        1,
        16,
        1e-6,
        16,
        0,
        0,
        8,
        List.of(AttentionKind.SLIDING, AttentionKind.FULL),
        1_000_000,
        10_000,
        true,
        32768,
        2,
        1,
        0);
  }

  /**
   * Builds the model and SAE under {@code dir}; skips the test when the tokenizer is not
   * provisioned.
   */
  public static TinyWorld create(Path dir) throws IOException {
    Path tokenizer = KnownModel.GEMMA_3_270M.dir(SaescopeHome.resolve()).resolve("tokenizer.json");
    assumeTrue(
        Files.isRegularFile(tokenizer),
        "the Gemma 3 tokenizer is not provisioned; run: " + KnownModel.GEMMA_3_270M.fetchCommand());
    Path model = dir.resolve("model");
    RandomModelWriter.write(
        config(), model, RandomModelWriter.Options.defaults(7), tokenizer, bytes -> {});
    Path sae = dir.resolve("sae");
    SaeLensWriter.save(randomSae(64, 256, 8, 11), sae);
    return new TinyWorld(model, sae);
  }

  static SaeParams randomSae(int dIn, int dSae, int k, long seed) {
    Random r = new Random(seed);
    float[] wEnc = gaussian(r, dIn * dSae, 0.2f);
    float[] wDec = gaussian(r, dSae * dIn, 0.2f);
    return SaeParams.of(
        "tiny",
        Optional.of(SAE_HOOK),
        dIn,
        dSae,
        new Activation.TopK(k),
        false,
        "random tiny SAE",
        wEnc,
        gaussian(r, dSae, 0.01f),
        wDec,
        gaussian(r, dIn, 0.01f),
        null);
  }

  private static float[] gaussian(Random r, int n, float std) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) r.nextGaussian() * std;
    }
    return out;
  }

  /** Tasks of every variant over a few facts, with stable ids. */
  static List<Task> tasks(String runId, int count) {
    String[][] facts = {
      {"P36", "France", "Paris", "What is the capital of France?"},
      {"P36", "Japan", "Tokyo", "What is the capital of Japan?"},
      {"P19", "Albert Einstein", "Ulm", "Where was Albert Einstein born?"},
      {"P103", "Pablo Picasso", "Spanish", "What is the native language of Pablo Picasso?"},
    };
    String[] evasive = {
      "I'm not sure.", "I would rather not say.", "That depends on what you mean."
    };
    List<Task> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String[] f = facts[i % facts.length];
      Variant v = Variant.values()[i % Variant.values().length];
      String answer =
          switch (v) {
            case DIRECT -> f[2];
            case EVASIVE -> evasive[i % evasive.length];
            case COUNTERFACTUAL -> "Berlin";
            case CLOZE -> "";
          };
      String text =
          v == Variant.CLOZE
              ? "The capital of " + f[1] + " is"
              : "Question: " + f[3] + "\nAnswer: " + answer;
      int answerStart = v == Variant.CLOZE ? text.length() : text.length() - answer.length();
      out.add(task(runId, "t" + i, f, v, answer, text, answerStart, List.of()));
    }
    return out;
  }

  static Task task(
      String runId,
      String taskId,
      String[] fact,
      Variant v,
      String answer,
      String text,
      int answerStart,
      List<String> saeIds) {
    return new Task(
        runId,
        taskId,
        fact[0] + ":" + fact[1],
        fact[0],
        fact[1],
        List.of(fact[2]),
        v,
        v == Variant.EVASIVE ? "claims_ignorance" : null,
        "test",
        fact[3],
        answer,
        text,
        answerStart,
        false,
        saeIds,
        1L);
  }
}
