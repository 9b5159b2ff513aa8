package dev.saescope.worker.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.device.ComputeDtype;
import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Positions;
import dev.saescope.runtime.model.Rows;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import dev.saescope.worker.service.TaskProcessor;
import dev.saescope.worker.service.TinyWorld;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A micro-batch shares its full-vocabulary rank calls across tasks and SAEs ({@link BatchRanks}):
 * from the same forward pass and lens, each task's results must be exactly those it gets alone.
 */
class ResultBuilderTest {
  private static final SortedSet<Integer> LAYERS = new TreeSet<>(List.of(1));

  @TempDir static Path dir;
  static GemmaModel model;
  static GemmaTokenizer tokenizer;
  static Sae reported;
  static Sae alone;

  @BeforeAll
  static void load() throws Exception {
    TinyWorld world = TinyWorld.create(dir);
    try (HfFolderWeights w = HfFolderWeights.open(world.modelDir)) {
      model = GemmaModel.load(w);
      tokenizer = GemmaTokenizer.load(w.tokenizerJson(), w.config(), w.origin());
    }
    reported = Sae.create(SaeLoader.load(world.saeDir)); // layer 1, reported with its residual
    alone = Sae.create(randomSae(new HookPoint(0, Site.RESID_POST))); // layer 0, its own result
  }

  @AfterAll
  static void close() {
    if (alone != null) {
      alone.close();
      reported.close();
      tokenizer.close();
      model.close();
    }
  }

  @Test
  void aBatchGivesEachTaskTheResultsItGetsAlone() throws Exception {
    List<ExperimentProcessor.AttachedSae> saes =
        List.of(
            new ExperimentProcessor.AttachedSae(
                "l1", reported, reported.metadata().hook().orElseThrow()),
            new ExperimentProcessor.AttachedSae(
                "l0", alone, alone.metadata().hook().orElseThrow()));
    TaskLens lens = new TaskLens(model, LAYERS);
    ResultBuilder builder = builder(model, lens, saes);
    // 30 tasks ask for more E3b rows than one DirectionRanks call holds
    List<TaskProcessor.Accepted<PreparedTask>> batch = accepted(model, saes, "batch", 30);
    Set<HookPoint> hooks = new HashSet<>();
    hooks.add(new HookPoint(1, Site.RESID_POST)); // reported, the final layer, l1's
    hooks.add(new HookPoint(0, Site.RESID_POST)); // l0's
    ForwardResult forward =
        model.forward(
            batch.stream().map(a -> a.prepared().tokens().ids()).toList(),
            new CaptureSpec(hooks, Positions.all(), Positions.none()));
    List<TaskLens.Stats> stats =
        lens.at(batch.stream().map(TaskProcessor.Accepted::prepared).toList(), forward);

    List<LayerResult> together = builder.of(batch, forward, stats, 0f);
    List<LayerResult> separately = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      separately.addAll(
          builder.of(List.of(batch.get(i)), only(forward, i), List.of(stats.get(i)), 0f));
    }
    assertEquals(separately.size(), together.size());
    for (int i = 0; i < together.size(); i++) {
      assertSameContent(separately.get(i), together.get(i));
    }
    assertTrue(
        together.stream().anyMatch(r -> r.scores().stream().anyMatch(s -> s.attributionRank() > 0)),
        "some attribution was ranked");
    assertTrue(
        together.stream().anyMatch(r -> r.latentTargets().stream().anyMatch(t -> t.attrRank() > 0)),
        "some E3b latent was ranked");
  }

  /**
   * Tasks that share a prefix (the bench's direct, evasive and counterfactual forms of one question
   * share it up to {@code q_end}) share their lens rows there: each task's lens must be exactly
   * what the lens gives it alone.
   */
  @Test
  void sharedLensRowsGiveEachTaskWhatItGetsAlone() {
    TaskLens lens = new TaskLens(model, LAYERS);
    List<PreparedTask> tasks =
        accepted(model, List.of(), "lens", 12).stream()
            .map(TaskProcessor.Accepted::prepared)
            .toList();
    ForwardResult forward =
        model.forward(
            tasks.stream().map(p -> p.tokens().ids()).toList(),
            new CaptureSpec(
                Set.of(new HookPoint(1, Site.RESID_POST)), Positions.all(), Positions.none()));
    List<TaskLens.Stats> together = lens.at(tasks, forward);
    // 3 of 4 tasks share q_end with 2 others; a direct answer also asks for answer positions
    assertTrue(lens.sharedFraction() > 0.3, "shared: " + lens.sharedFraction());
    for (int i = 0; i < tasks.size(); i++) {
      TaskLens.Stats alone = lens.at(List.of(tasks.get(i)), only(forward, i)).get(0);
      TaskLens.Stats got = together.get(i);
      String at = "task " + i;
      assertArrayEquals(alone.positions(), got.positions(), at);
      assertArrayEquals(alone.rows().top1(), got.rows().top1(), at + " top-1");
      assertArrayEquals(alone.rows().klBits(), got.rows().klBits(), at + " KL");
      for (int r = 0; r < alone.rows().top1().length; r++) {
        assertArrayEquals(
            alone.rows().targetRanks()[r], got.rows().targetRanks()[r], at + " ranks");
        assertArrayEquals(
            alone.rows().targetLogprobs()[r], got.rows().targetLogprobs()[r], at + " logprobs");
      }
    }
    assertEquals(-1, together.get(1).rows().targetRanks()[0][1], "an evasive answer has no future");
  }

  /**
   * The worker's per-task work on a bf16 model: the lens, the SAE encode of bf16 captures and the
   * vocabulary ranks on the bf16 embedding all run, and every result records bf16.
   */
  @Test
  void aBf16ModelsResultsSayBf16() throws Exception {
    try (HfFolderWeights w = HfFolderWeights.open(TinyWorld.create(dir.resolve("bf16")).modelDir);
        GemmaModel bf16 = GemmaModel.load(w, ai.djl.Device.cpu(), ComputeDtype.BF16)) {
      List<ExperimentProcessor.AttachedSae> saes =
          List.of(
              new ExperimentProcessor.AttachedSae(
                  "l1", reported, reported.metadata().hook().orElseThrow()));
      TaskLens lens = new TaskLens(bf16, LAYERS);
      ResultBuilder builder = builder(bf16, lens, saes);
      List<TaskProcessor.Accepted<PreparedTask>> batch = accepted(bf16, saes, "bf16", 4);
      ForwardResult forward =
          bf16.forward(
              batch.stream().map(a -> a.prepared().tokens().ids()).toList(),
              new CaptureSpec(
                  Set.of(new HookPoint(1, Site.RESID_POST)), Positions.all(), Positions.none()));
      List<LayerResult> results =
          builder.of(
              batch,
              forward,
              lens.at(batch.stream().map(TaskProcessor.Accepted::prepared).toList(), forward),
              0f);
      assertFalse(results.isEmpty());
      for (LayerResult r : results) {
        assertEquals("bf16", r.dtype(), r.taskId());
      }
    }
  }

  private static ResultBuilder builder(
      GemmaModel m, TaskLens lens, List<ExperimentProcessor.AttachedSae> saes) {
    return new ResultBuilder(
        m, tokenizer, "tiny", "w", LAYERS, lens.layers(), saes, new SaeEncoder(saes, m));
  }

  /** {@code n} bench tasks as the worker accepts them. */
  private static List<TaskProcessor.Accepted<PreparedTask>> accepted(
      GemmaModel m, List<ExperimentProcessor.AttachedSae> saes, String run, int n) {
    ExperimentProcessor processor =
        new ExperimentProcessor(m, tokenizer, "tiny", "w", saes, LAYERS, 64);
    List<TaskProcessor.Accepted<PreparedTask>> batch = new ArrayList<>();
    for (Task t : BenchTasks.make(run, n)) {
      batch.add((TaskProcessor.Accepted<PreparedTask>) processor.check(t));
    }
    return batch;
  }

  /** Sequence {@code seq} of {@code forward}, as a forward pass of that sequence alone. */
  private static ForwardResult only(ForwardResult forward, int seq) {
    Map<HookPoint, List<Rows>> captures = new HashMap<>();
    forward.captures().forEach((hook, rows) -> captures.put(hook, List.of(rows.get(seq))));
    return new ForwardResult(captures, List.of(), List.of());
  }

  /** Every field but when it was produced, exactly: ranks, attributions, latents, lens. */
  private static void assertSameContent(LayerResult want, LayerResult got) throws Exception {
    for (RecordComponent c : LayerResult.class.getRecordComponents()) {
      if (!c.getName().equals("producedAtMs")) {
        assertEquals(
            c.getAccessor().invoke(want),
            c.getAccessor().invoke(got),
            got.taskId() + " layer " + got.layer() + " " + c.getName());
      }
    }
  }

  private static SaeParams randomSae(HookPoint hook) {
    int dIn = model.config().dModel();
    int dSae = 256;
    Random r = new Random(3);
    return SaeParams.of(
        "tiny-l0",
        Optional.of(hook),
        dIn,
        dSae,
        new Activation.TopK(8),
        false,
        "random tiny SAE at layer 0",
        gaussian(r, dIn * dSae, 0.2f),
        gaussian(r, dSae, 0.01f),
        gaussian(r, dSae * dIn, 0.2f),
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
}
