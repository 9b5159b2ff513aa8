package dev.saescope.lab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.runtime.weights.TinyModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The activation stream of a real (tiny, random) Gemma 3 model, and SAEs trained in lockstep on it.
 */
class ModelActivationSourceTest {
  static GemmaModel model;
  static ModelConfig config;
  static final HookPoint A = new HookPoint(0, Site.RESID_POST);
  static final HookPoint B = new HookPoint(2, Site.MLP_OUT);
  static final List<String> CORPUS =
      List.of(
          "the cat sat on the mat",
          "a quick brown fox",
          "jumps over the lazy dog",
          "sparse autoencoders find features");

  @TempDir static Path tmp;
  @TempDir Path out;

  @BeforeAll
  static void load() throws IOException {
    config = TinyModels.gemma3();
    Path dir = tmp.resolve("tiny");
    RandomModelWriter.write(config, dir, RandomModelWriter.Options.defaults(5), null, b -> {});
    try (HfFolderWeights w = HfFolderWeights.open(dir)) {
      model = GemmaModel.load(w);
    }
  }

  @AfterAll
  static void close() {
    model.close();
  }

  /** Characters to ids 3..31 (0, 1, 2 are pad, eos, bos). */
  static final Function<String, int[]> CHARS = s -> s.chars().map(c -> 3 + c % 29).toArray();

  ModelActivationSource source(List<HookPoint> hooks) {
    return new ModelActivationSource(model, CHARS, config.bosId(), CORPUS, hooks, 16, 4, 96, 11);
  }

  @Test
  void bosRowsAreExcluded() throws IOException {
    float[] bosRow =
        model
            .forward(
                List.<int[]>of(new int[] {config.bosId()}),
                CaptureSpec.of(List.of(0), Site.RESID_POST))
            .capture(A, 0)
            .row(0);
    ModelActivationSource s = source(List.of(A));
    float[] rows = new float[300 * 8];
    int got = 0;
    while (got < 300) {
      float[] part = new float[(300 - got) * 8];
      int n = s.next(part, 300 - got);
      System.arraycopy(part, 0, rows, got * 8, n * 8);
      got += n;
    }
    for (int r = 0; r < 300; r++) {
      assertFalse(
          Arrays.equals(bosRow, Arrays.copyOfRange(rows, r * 8, r * 8 + 8)),
          "row " + r + " is the BOS activation");
    }
    assertEquals(0, s.forwardTokens() % 16, "whole sequences of 16 tokens");
  }

  @Test
  void aViewOfAnUncapturedHookIsAnError() {
    var e = assertThrows(IllegalArgumentException.class, () -> source(List.of(A)).view(B));
    assertEquals(true, e.getMessage().contains("layers.2.mlp_out"), e.getMessage());
  }

  static TrainConfig cfg(long tokens) {
    return TrainConfig.of(8, 16, 2, tokens, 3)
        .withBatchSize(64)
        .withLr(1e-3)
        .withDeadAfterTokens(500)
        .withCheckpointEvery(2);
  }

  /** A hook trained alone or together with another gives the same SAE: lockstep changes nothing. */
  @Test
  void lockstepTrainingEqualsTrainingAlone() throws IOException {
    SaeParams alone;
    try (TopKTrainer t = TopKTrainer.open(cfg(64 * 6), out.resolve("alone"))) {
      alone = t.train(source(List.of(A)), p -> {});
    }
    List<SaeParams> both = trainBoth(out.resolve("both"), 64 * 6);
    assertArrayEquals(alone.wEnc(), both.get(0).wEnc());
    assertArrayEquals(alone.bDec(), both.get(0).bDec());
  }

  @Test
  void lockstepResumeEqualsUninterrupted() throws IOException {
    trainBoth(out.resolve("r"), 64 * 3);
    List<SaeParams> resumed = trainBoth(out.resolve("r"), 64 * 7);
    List<SaeParams> straight = trainBoth(out.resolve("s"), 64 * 7);
    for (int i = 0; i < 2; i++) {
      assertArrayEquals(straight.get(i).wDec(), resumed.get(i).wDec(), "SAE " + i);
    }
  }

  List<SaeParams> trainBoth(Path dir, long tokens) throws IOException {
    List<TopKTrainer> ts = new ArrayList<>();
    try {
      ts.add(TopKTrainer.open(cfg(tokens), dir.resolve("a")));
      ts.add(TopKTrainer.open(cfg(tokens), dir.resolve("b")));
      return MultiTrainer.train(ts, List.of(A, B), source(List.of(A, B)), (h, p) -> {});
    } finally {
      ts.forEach(TopKTrainer::close);
    }
  }
}
