package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.broker.EmbeddedBroker;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.worker.compute.ExperimentProcessor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transient failure: the broker goes away for a while in the middle of a run and comes back on
 * the same address and data. The worker retries with backoff instead of dying, and every task still
 * ends with exactly one committed result per layer.
 */
class WorkerBrokerOutageTest {
  @TempDir Path dir;

  @Test
  void workerSurvivesABrokerOutage() throws Exception {
    TinyWorld world = TinyWorld.create(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = dir.resolve("kafka");
    EmbeddedBroker broker = EmbeddedBroker.start(EmbeddedBroker.Config.at(data).withPort(port));
    KafkaSettings kafka = KafkaSettings.forBootstrap(broker.bootstrapServers());
    List<Task> tasks = TinyWorld.tasks("outage", 120);
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 2, TopicSpec.BROKER_DEFAULT));
    try (TaskPublisher p = TaskPublisher.open(kafka)) {
      for (Task t : tasks) {
        p.publish(t);
      }
      p.flush();
    }
    try (HfFolderWeights w = HfFolderWeights.open(world.modelDir);
        GemmaModel model = GemmaModel.load(w);
        GemmaTokenizer tok = GemmaTokenizer.load(w.tokenizerJson(), w.config(), w.origin());
        Sae sae = Sae.create(SaeLoader.load(world.saeDir))) {
      ExperimentProcessor processor =
          new ExperimentProcessor(
              model,
              tok,
              "tiny",
              "w",
              List.of(new ExperimentProcessor.AttachedSae("tiny-sae", sae, TinyWorld.SAE_HOOK)),
              new TreeSet<>(List.of(0, 1)),
              64);
      // Small batches so that the outage falls in the middle of the run.
      WorkerLoop loop =
          new WorkerLoop(
              kafka,
              new WorkerSettings(
                  "w",
                  "outage",
                  32,
                  2,
                  WorkerSettings.DEFAULT_MAX_MESSAGE_BYTES,
                  Duration.ofSeconds(30)),
              processor,
              new WorkerMetrics(new SimpleMeterRegistry(), "w"));
      Thread t = new Thread(loop, "outage-worker");
      t.start();
      try {
        List<LayerResult> before =
            WorkerServiceTest.readAll(
                kafka, kafka.topics().results(), 20, Codecs.layerResult()::decode);
        assertTrue(
            before.size() >= 20 && before.size() < tasks.size() * 2,
            "outage starts mid-run, at " + before.size() + " results");
        broker.close();
        Thread.sleep(8000); // the worker keeps trying meanwhile
        assertTrue(t.isAlive(), "a broker outage is transient: the worker must not die");
        broker = EmbeddedBroker.start(EmbeddedBroker.Config.at(data).withPort(port));
        List<LayerResult> all =
            WorkerServiceTest.readAll(
                kafka, kafka.topics().results(), tasks.size() * 2, Codecs.layerResult()::decode);
        Map<String, Integer> counts = new HashMap<>();
        for (LayerResult r : all) {
          counts.merge(WorkerServiceTest.key(r), 1, Integer::sum);
        }
        assertEquals(tasks.size() * 2, counts.size(), "every task and layer has a result");
        counts.forEach((k, n) -> assertEquals(1, n, k + " committed exactly once"));
      } finally {
        loop.stop();
        loop.awaitStopped(Duration.ofSeconds(60));
        broker.close();
      }
    }
  }
}
