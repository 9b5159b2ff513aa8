package dev.saescope.worker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.common.testing.Sigint;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import dev.saescope.worker.service.TinyWorld;
import dev.saescope.worker.service.WorkerProcessMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code saescope worker} as its own process, stopped with SIGTERM or SIGINT (Ctrl-C) while it
 * computes: it finishes the batch in flight and exits with 0, as its help says (not 143 or 130, the
 * JVM's 128 + signal).
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class WorkerSignalTest {
  private static final int TASKS = 200;

  @TempDir Path dir;

  @ParameterizedTest(name = "SIG{0}")
  @ValueSource(strings = {"TERM", "INT"})
  void signalWhileComputingExitsWith0(String signal, KafkaSettings kafka) throws Exception {
    TinyWorld world = TinyWorld.create(dir);
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 2, TopicSpec.BROKER_DEFAULT));
    try (TaskPublisher publisher = TaskPublisher.open(kafka)) {
      for (int i = 0; i < TASKS; i++) {
        String text = "The capital of France is";
        publisher.publish(
            new Task(
                "run-" + signal,
                "t" + i,
                "P36:France",
                "P36",
                "France",
                List.of("Paris"),
                Variant.CLOZE,
                null,
                "test",
                "What is the capital of France?",
                "",
                text,
                text.length(),
                false,
                List.of(),
                1L));
      }
      publisher.flush();
    }
    Path log = dir.resolve("worker.log");
    Process worker = start(world, kafka, log, signal);
    try {
      awaitFirstResult(kafka, worker, log, Duration.ofSeconds(120));
      if (signal.equals("TERM")) {
        worker.destroy(); // SIGTERM on Linux and macOS
      } else {
        assumeFalse(
            Sigint.ignoredBy(worker.pid()),
            "the worker inherited SIGINT ignored (a background job of a shell without job control)"
                + " and env cannot reset it");
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(worker.pid())).start();
        assertEquals(0, kill.waitFor(), "kill -INT");
      }
      boolean stopped = worker.waitFor(60, TimeUnit.SECONDS);
      // The log and the worker's threads at that moment say where it waited.
      if (!stopped) {
        fail(
            "not stopped within 60 s of SIG"
                + signal
                + "; log:\n"
                + Files.readString(log)
                + "\nthreads:\n"
                + threadDump(worker));
      }
    } finally {
      worker.destroyForcibly();
    }
    String out = Files.readString(log);
    assertEquals(0, worker.exitValue(), "exit code after SIG" + signal + "; log:\n" + out);
    assertFalse(out.contains("will be aborted"), "the batch in flight finished:\n" + out);
  }

  private static Process start(TinyWorld world, KafkaSettings kafka, Path log, String signal)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx1g",
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
                "--batch-tokens",
                "64",
                "--shutdown-timeout", // below the test's 60 s: the worker's own timeout is logged
                "45",
                "--worker-id",
                "signal-" + signal,
                "--group",
                "signal-" + signal,
                "--metrics-port",
                "-1",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.topics().prefix()));
    return new ProcessBuilder(Sigint.restored(cmd))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /** The worker's threads and their stacks ({@code jcmd PID Thread.print}). */
  private static String threadDump(Process worker) throws Exception {
    Process jcmd =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(worker.pid()),
                "Thread.print")
            .redirectErrorStream(true)
            .start();
    String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    jcmd.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  /** Returns once the worker has committed a result, so that SIGTERM meets a running loop. */
  private static void awaitFirstResult(
      KafkaSettings kafka, Process worker, Path log, Duration timeout) throws Exception {
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      List<TopicPartition> parts =
          c.partitionsFor(kafka.topics().results()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        if (!worker.isAlive()) {
          fail("the worker exited with " + worker.exitValue() + ":\n" + Files.readString(log));
        }
        if (!c.poll(Duration.ofMillis(300)).isEmpty()) {
          return;
        }
      }
    }
    fail("no result within " + timeout.toSeconds() + " s:\n" + Files.readString(log));
  }
}
