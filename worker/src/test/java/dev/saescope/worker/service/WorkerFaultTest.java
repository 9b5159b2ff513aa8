package dev.saescope.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.schemas.LatentInfo;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.serde.Codecs;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Elastic workers as separate processes while a run streams in: worker A starts, B joins, A is
 * killed with SIGKILL, C joins. Every task must end with exactly one committed result set: none
 * lost, none doubled. Repeated with different kill points.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class WorkerFaultTest {
  private static final int TASKS = 360;
  private static final int PARTITIONS = 6;
  private static final Duration STREAM = Duration.ofSeconds(15);

  @TempDir static Path dir;
  static TinyWorld world;

  @BeforeAll
  static void build() throws IOException {
    world = TinyWorld.create(dir);
  }

  @ParameterizedTest(name = "kill A after {0} s")
  @ValueSource(ints = {6, 9, 12})
  void killedWorkerLosesAndDoublesNothing(int killAfterSeconds, KafkaSettings kafka)
      throws Exception {
    TopicAdmin.ensureTopics(
        kafka, TopicSpec.standard(kafka.topics(), PARTITIONS, TopicSpec.BROKER_DEFAULT));
    String group = "fault-" + killAfterSeconds;
    List<Task> tasks = TinyWorld.tasks("run-fault-" + killAfterSeconds, TASKS);
    List<Process> workers = new ArrayList<>();
    long start = System.nanoTime();
    try (TaskPublisher publisher = TaskPublisher.open(kafka)) {
      workers.add(startWorker(kafka, group, "A"));
      boolean bStarted = false;
      boolean killed = false;
      for (int i = 0; i < tasks.size(); i++) {
        publisher.publish(tasks.get(i));
        if (i % 25 == 24) {
          publisher.flush();
        }
        long elapsed = System.nanoTime() - start;
        long due = STREAM.toNanos() * (i + 1) / tasks.size();
        if (due > elapsed) {
          Thread.sleep((due - elapsed) / 1_000_000);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!bStarted && seconds >= 3) {
          workers.add(startWorker(kafka, group, "B"));
          bStarted = true;
        }
        if (!killed && seconds >= killAfterSeconds) {
          workers.get(0).destroyForcibly(); // SIGKILL on Linux: no shutdown hook, batch in flight
          workers.add(startWorker(kafka, group, "C"));
          killed = true;
        }
      }
      publisher.flush();
    }
    Map<String, Integer> counts = collect(kafka, TASKS * TinyWorld.LAYERS, Duration.ofSeconds(150));
    // Anything committed late (a zombie's transaction) would show up now: read once more after a
    // pause.
    Thread.sleep(3000);
    counts = collect(kafka, TASKS * TinyWorld.LAYERS, Duration.ofSeconds(5));
    for (int w = 1; w < workers.size(); w++) {
      Process p = workers.get(w);
      p.destroy(); // SIGTERM: graceful, finishes the batch in flight
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "worker stops within 60 s of SIGTERM");
      // 143 = 128 + SIGTERM: the JVM's own exit status after its shutdown hooks ran.
      assertTrue(p.exitValue() == 0 || p.exitValue() == 143, "graceful exit, got " + p.exitValue());
    }
    Set<String> tasksWithResults = new HashSet<>();
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      assertEquals(1, e.getValue(), "result " + e.getKey() + " committed exactly once");
      tasksWithResults.add(e.getKey().substring(0, e.getKey().indexOf('/')));
    }
    assertEquals(TASKS, tasksWithResults.size(), "every task has results");
    List<LatentInfo> info =
        WorkerServiceTest.readAll(
            kafka, kafka.topics().latentInfo(), 1, Codecs.latentInfo()::decode);
    // Workers that start together may both find nothing published and both publish: the topic
    // is compacted and keyed by SAE and chunk, so a copy is harmless if it is identical.
    Map<String, LatentInfo> byChunk = new java.util.TreeMap<>();
    for (LatentInfo i : info) {
      LatentInfo first = byChunk.putIfAbsent(i.saeId() + "/" + i.firstLatent(), i);
      assertTrue(first == null || first.equals(i), "copies of a chunk are identical: " + i.saeId());
    }
    assertEquals(
        256,
        byChunk.values().stream().mapToInt(i -> i.latents().size()).sum(),
        "every latent's logit effects, once per chunk key");
    assertEquals(10, info.get(0).latents().get(0).top().size());
    assertEquals(TASKS * TinyWorld.LAYERS, counts.size(), "every task has one result per layer");
  }

  private Process startWorker(KafkaSettings kafka, String group, String id) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx2g",
                "-Dai.djl.offline=true",
                "--enable-native-access=ALL-UNNAMED",
                "--add-modules=jdk.incubator.vector", // the lens's Vector API kernel, as ./saescope
                // runs it
                "-cp",
                System.getProperty("java.class.path"),
                WorkerProcessMain.class.getName(),
                "--model",
                world.modelDir.toString(),
                "--sae",
                world.saeDir.toString(),
                "--layers",
                "all",
                "--batch-tokens",
                "64",
                "--worker-id",
                id,
                "--group",
                group,
                "--metrics-port",
                "-1",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.topics().prefix(),
                // A killed worker's open transaction holds back read_committed readers until it
                // expires.
                "--kafka-prop",
                "transaction.timeout.ms=10000"));
    File log = dir.resolve("worker-" + group + "-" + id + ".log").toFile();
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
  }

  /** Committed results per (task, layer, site, part), read from the beginning. */
  private static Map<String, Integer> collect(KafkaSettings kafka, int expected, Duration timeout) {
    Map<String, Integer> counts = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      List<TopicPartition> parts =
          c.partitionsFor(kafka.topics().results()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (counts.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
          LayerResult res;
          try {
            res = Codecs.layerResult().decode(r.value(), r.topic(), r.partition(), r.offset());
          } catch (Exception e) {
            throw new AssertionError("undecodable result at offset " + r.offset(), e);
          }
          counts.merge(WorkerServiceTest.key(res), 1, Integer::sum);
        }
      }
      for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
        try {
          counts.merge(
              WorkerServiceTest.key(
                  Codecs.layerResult().decode(r.value(), r.topic(), r.partition(), r.offset())),
              1,
              Integer::sum);
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
    }
    return counts;
  }
}
