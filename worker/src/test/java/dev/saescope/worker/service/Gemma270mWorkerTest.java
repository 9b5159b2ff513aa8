package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.lab.train.ModelActivationSource;
import dev.saescope.lab.train.TopKTrainer;
import dev.saescope.lab.train.TrainConfig;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.load.ModelSpec;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Rows;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.LatentLogits;
import dev.saescope.runtime.sae.LogitEffects;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentTarget;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.worker.compute.BenchTasks;
import dev.saescope.worker.compute.ExperimentProcessor;
import dev.saescope.worker.compute.PreparedTask;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the real Gemma 3 270M with an SAE trained by saescope: tasks through a real broker
 * into a worker and back equal the in-process computation, the latents respect the SAE's k, and the
 * real model's lens at the final layer puts the gold object of an easy cloze near the top.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class Gemma270mWorkerTest {
  private static final HookPoint SAE_HOOK = new HookPoint(6, Site.RESID_POST);
  private static final int K = 16;

  @TempDir static Path dir;
  static GemmaModel model;
  static GemmaTokenizer tokenizer;
  static Sae sae;

  @BeforeAll
  static void load() throws Exception {
    Path home = SaescopeHome.resolve();
    assumeTrue(
        Files.isRegularFile(KnownModel.GEMMA_3_270M.weightsPath(home)),
        "Gemma 3 270M is not provisioned; run: " + KnownModel.GEMMA_3_270M.fetchCommand());
    try (ModelWeights w =
        ModelSpec.open("gemma-3-270m", new ModelSpec.OpenOptions(null, true, System.err))) {
      model = GemmaModel.load(w);
      tokenizer = GemmaTokenizer.load(w.tokenizerJson(), w.config(), w.origin());
    }
    sae = Sae.create(trainSmallSae());
  }

  /**
   * A small TopK SAE trained here on the model's own activations over a few factual sentences: the
   * pipeline test needs a trained SAE of the real width, not a good one (fetch-sae makes those).
   */
  private static SaeParams trainSmallSae() throws Exception {
    List<String> corpus = new ArrayList<>();
    String[][] facts = {
      {"France", "Paris"},
      {"Japan", "Tokyo"},
      {"Italy", "Rome"},
      {"Egypt", "Cairo"},
      {"Kenya", "Nairobi"},
      {"Canada", "Ottawa"},
      {"Spain", "Madrid"},
      {"Peru", "Lima"},
      {"Norway", "Oslo"},
      {"Greece", "Athens"},
    };
    for (String[] f : facts) {
      corpus.add(
          "The capital of "
              + f[0]
              + " is "
              + f[1]
              + ". "
              + f[1]
              + " is a large city with a long history, and many people visit "
              + f[0]
              + " every year to see its museums, parks and old streets.");
    }
    ModelActivationSource source =
        new ModelActivationSource(
            model,
            text -> tokenizer.encode(text).ids(),
            model.config().bosId(),
            corpus,
            List.of(SAE_HOOK),
            48,
            8,
            2048,
            5);
    TrainConfig cfg =
        TrainConfig.of(model.config().dModel(), 1024, K, 6144, 3)
            .withBatchSize(512)
            .withTarget("gemma-3-270m", Optional.of(SAE_HOOK));
    try (TopKTrainer trainer = TopKTrainer.open(cfg, dir.resolve("sae"))) {
      return trainer.train(source.view(SAE_HOOK), p -> {});
    }
  }

  @AfterAll
  static void close() {
    if (sae != null) {
      sae.close();
    }
    if (tokenizer != null) {
      tokenizer.close();
      model.close();
    }
  }

  private static ExperimentProcessor processor() {
    return new ExperimentProcessor(
        model,
        tokenizer,
        "gemma-3-270m",
        "e2e",
        List.of(new ExperimentProcessor.AttachedSae("l6-topk", sae, SAE_HOOK)),
        new TreeSet<>(List.of(0, 6, 17)),
        128);
  }

  @Test
  void realModelThroughKafkaEqualsInProcess(KafkaSettings kafka) throws Exception {
    List<Task> tasks = BenchTasks.make("e2e", 12);
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 2, TopicSpec.BROKER_DEFAULT));
    try (TaskPublisher publisher = TaskPublisher.open(kafka)) {
      for (Task t : tasks) {
        publisher.publish(t);
      }
      publisher.flush();
    }
    WorkerLoop loop =
        new WorkerLoop(
            kafka,
            new WorkerSettings(
                "e2e",
                "e2e",
                256,
                16,
                WorkerSettings.DEFAULT_MAX_MESSAGE_BYTES,
                Duration.ofSeconds(60)),
            processor(),
            new WorkerMetrics(new SimpleMeterRegistry(), "e2e"));
    Thread t = new Thread(loop, "e2e-worker");
    t.start();
    List<LayerResult> got;
    try {
      got =
          WorkerServiceTest.readAll(
              kafka, kafka.topics().results(), tasks.size() * 3, Codecs.layerResult()::decode);
    } finally {
      loop.stop();
      assertTrue(loop.awaitStopped(Duration.ofSeconds(60)));
    }
    assertEquals(tasks.size() * 3, got.size(), "one result per task and reported layer");

    ExperimentProcessor local = processor();
    Map<String, LayerResult> want = new HashMap<>();
    for (Task task : tasks) {
      var accepted = (TaskProcessor.Accepted<PreparedTask>) local.check(task);
      for (LayerResult r : local.process(List.of(accepted))) {
        want.put(WorkerServiceTest.key(r), r);
      }
    }
    for (LayerResult r : got) {
      ResultAssert.assertSameResult(want.get(WorkerServiceTest.key(r)), r);
      if (r.layer() == SAE_HOOK.layer()) {
        assertEquals("l6-topk", r.saeId());
        assertEquals(r.tokens().size(), r.latents().rows().size(), "latents at every position");
        for (LatentRow s : r.latents().rows()) {
          assertTrue(s.l0() <= K, "TopK keeps at most k latents");
        }
      }
      if (r.labels().variant() == Variant.CLOZE && r.layer() == 17) {
        TargetScore gold =
            r.scores().stream().filter(s -> s.role() == ScoreRole.GOLD0).findFirst().orElseThrow();
        // "The capital of France is" -> " Paris": the real model ranks capitals near the top.
        assertTrue(
            gold.lensRank() < 20,
            r.taskId() + ": gold rank " + gold.lensRank() + " at the final layer");
      }
    }
    assertTrue(
        got.stream().anyMatch(r -> r.labels().variant() == Variant.CLOZE),
        "the tasks include cloze variants");
    assertTrue(tasks.stream().anyMatch(x -> x.variant() == Variant.DIRECT));
  }

  /**
   * E2c and E3b on the real model, each figure recomputed here by another path: the future-token
   * scores against the chosen-id lens, the attribution and its full-vocabulary rank in plain Java
   * from the result's latents and W_dec, and the E3b ranks against the latents' top logit effects.
   */
  @Test
  void directAnswersCarryFutureScoresAndLatentTargetsThatOtherPathsConfirm() {
    String q = "What is the capital of France?";
    String answer = "The capital of France is Paris.";
    String text = "Question: " + q + "\nAnswer: " + answer;
    Task task =
        new Task(
            "e2c",
            "e2c-0",
            "P36:France",
            "P36",
            "France",
            List.of("Paris"),
            Variant.DIRECT,
            null,
            "test",
            q,
            answer,
            text,
            text.length() - answer.length(),
            false,
            List.of(),
            System.currentTimeMillis());
    ExperimentProcessor local = processor();
    var accepted = (TaskProcessor.Accepted<PreparedTask>) local.check(task);
    PreparedTask p = accepted.prepared();
    List<LayerResult> results = local.process(List.of(accepted));
    assertEquals(3, results.size());
    int[] ids = p.tokens().ids();
    float[] embed = model.embedding().toFloatArray(); // [vocab, dModel]
    int d = model.config().dModel();
    int vocab = model.config().vocabSize();
    for (LayerResult r : results) {
      assertEquals(3, r.resultsPerTask(), "three reported layers, the SAE's among them");
      assertEquals("fp32", r.dtype());
      List<TargetScore> futures =
          r.scores().stream().filter(s -> s.role() != ScoreRole.GOLD0).toList();
      // q_end and 3 answer positions; at t: t+1 .. t+4 while inside the answer
      int scored = 0;
      for (int t = p.qEnd(); t < p.qEnd() + PreparedTask.MAX_LENS_POSITIONS; t++) {
        scored += Math.min(4, p.ansEnd() - 1 - t);
      }
      assertEquals(scored, futures.size(), r.layer() + ": " + futures);
      for (TargetScore s : futures) {
        int ahead =
            switch (s.role()) {
              case FUTURE1 -> 1;
              case FUTURE2 -> 2;
              case FUTURE3 -> 3;
              default -> 0;
            };
        assertEquals(ids[s.position() + 1 + ahead], s.tokenId(), s.toString());
        // the lens log-probability by the chosen-id path: logit - log Z, log Z from the top-1
        int row =
            java.util.Arrays.stream(r.dense().positions()).boxed().toList().indexOf(s.position());
        float[] h = java.util.Arrays.copyOfRange(r.dense().values(), row * d, (row + 1) * d);
        Rows one = new Rows(new int[] {s.position()}, d, h);
        float logit = model.lensLogits(one, new int[] {s.tokenId()})[0][0];
        var top = model.lensTopK(one, 1).get(0).get(0);
        double logZ = top.logit() - top.logprob();
        assertEquals(logit - logZ, s.lensLogprob(), 1e-3, s.toString());
      }
      assertEquals(
          List.of(p.qEnd(), p.qEnd() + 1, p.qEnd() + 2, p.qEnd() + 3),
          r.lens().stream().map(LensSummary::position).toList());
      if (r.saeId() == null) {
        assertTrue(r.latentTargets().isEmpty());
        assertTrue(
            futures.stream().allMatch(s -> s.attributionRank() == -1 && s.attribution() == 0f));
        continue;
      }
      float[] wDec = sae.params().wDec(); // [dSae, dModel]
      for (TargetScore s : futures.subList(0, 3)) {
        float[] dir = new float[d];
        LatentRow z = r.latents().rows().get(s.position());
        for (int j = 0; j < z.l0(); j++) {
          for (int c = 0; c < d; c++) {
            dir[c] += z.values()[j] * wDec[z.indices()[j] * d + c];
          }
        }
        double[] logits = new double[vocab];
        for (int v = 0; v < vocab; v++) {
          for (int c = 0; c < d; c++) {
            logits[v] += (double) dir[c] * embed[v * d + c];
          }
        }
        int above = 0;
        for (int v = 0; v < vocab; v++) {
          above += logits[v] > logits[s.tokenId()] ? 1 : 0;
        }
        assertEquals(
            logits[s.tokenId()],
            s.attribution(),
            1e-3 * (1 + Math.abs(logits[s.tokenId()])),
            s.toString());
        assertEquals(above, s.attributionRank(), 2 + 1e-4 * above, s.toString());
      }
      // E3b: at q_end and at " Paris" in the answer
      int gold = p.gold0();
      assertTrue(gold >= 0);
      List<LatentTarget> targets = r.latentTargets();
      assertEquals(2, targets.size(), targets.toString());
      assertEquals(p.qEnd(), targets.get(0).position());
      assertEquals(gold, ids[targets.get(1).position()], "the second point is the gold token");
      List<LatentLogits> effects =
          LogitEffects.fromEmbedding(sae, model.embedding(), 10, LogitEffects.DEFAULT_LATENT_BATCH);
      for (LatentTarget lt : targets) {
        LatentRow z = r.latents().rows().get(lt.position());
        int best = 0;
        for (int j = 1; j < z.l0(); j++) {
          best = z.values()[j] > z.values()[best] ? j : best;
        }
        assertEquals(z.indices()[best], lt.topLatent(), "the most active latent");
        for (int[] latentRank :
            new int[][] {{lt.topLatent(), lt.topRank()}, {lt.attrLatent(), lt.attrRank()}}) {
          int[] top = effects.get(latentRank[0]).topTokens();
          int listed = java.util.Arrays.stream(top).boxed().toList().indexOf(gold);
          if (listed >= 0) {
            assertEquals(listed, latentRank[1], "rank inside the latent's top 10: " + lt);
          } else {
            assertTrue(latentRank[1] >= 10, "not in the top 10, so ranked 10 or lower: " + lt);
          }
        }
        double attribution = 0;
        for (int c = 0; c < d; c++) {
          attribution += (double) wDec[lt.attrLatent() * d + c] * embed[gold * d + c];
        }
        int at = java.util.Arrays.stream(z.indices()).boxed().toList().indexOf(lt.attrLatent());
        assertEquals(
            z.values()[at] * attribution,
            lt.attribution(),
            1e-3 * (1 + Math.abs(lt.attribution())));
      }
    }
  }
}
