package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.worker.service.TinyWorld;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard against a real {@code saescope worker} process: its {@code /metrics} over HTTP,
 * with everything the command registers (model and SAE load timers, Kafka client meters as the
 * worker binds them) and nothing the test added. The model is a two-layer random Gemma 3-style
 * model with the real Gemma 3 vocabulary (the tokenizer must be provisioned, else the test is
 * skipped) and a random TopK SAE, the worker tests' {@link TinyWorld}: real files, loaded by the
 * code users run.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class WorkerProcessScrapeTest {
  @TempDir Path dir;

  @Test
  void everyDashboardQueryNamesAMetricOfARunningWorker(KafkaSettings kafka) throws Exception {
    TinyWorld world = TinyWorld.create(dir);
    int port = SaescopeJvm.freePort();
    Path log = dir.resolve("worker.log");
    List<String> cmd =
        SaescopeJvm.command(
            "worker",
            "--model",
            world.modelDir.toString(),
            "--sae",
            world.saeDir.toString(),
            "--layers",
            "all",
            "--worker-id",
            "scrape-test",
            "--group",
            "scrape-test",
            "--metrics-port",
            String.valueOf(port),
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-prefix",
            kafka.topics().prefix());
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      String text = scrapeWhenReady(p, port, log, Duration.ofSeconds(120));
      PrometheusText scrape = PrometheusText.parse(text, "http://127.0.0.1:" + port + "/metrics");
      // Per-partition lag appears only once Micrometer rescans the consumer's metrics, up to 60 s
      // after the assignment: MonitoringContractTest (bound after a poll) and
      // PrometheusPipelineTest check it, as they check the other roles' meters.
      List<String> problems =
          DashboardContract.violations(
              DashboardContract.read(MonitoringContractTest.dashboardFile()),
              scrape,
              MonitoringContractTest.OTHER_ROLES.or(
                  n -> n.equals("kafka_consumer_fetch_manager_records_lag")));
      assertTrue(
          problems.isEmpty(),
          "dashboard vs. a running worker's /metrics:\n  " + String.join("\n  ", problems));
    } finally {
      p.destroy(); // SIGTERM: the worker's shutdown hook stops the loop
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /**
   * {@code /metrics} once the worker has bound its Kafka clients and recorded a GC pause; fails
   * with the worker's log if it exits or does not get there in time.
   */
  private static String scrapeWhenReady(Process p, int port, Path log, Duration timeout)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        fail(
            "the worker exited with "
                + p.exitValue()
                + " before serving its metrics; log:\n"
                + tail(log));
      }
      try {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        last = r.body();
        if (r.statusCode() == 200
            && last.contains("kafka_consumer_fetch_manager_records_lag_max")
            // the transactional producer is bound after the consumer: wait for both clients
            && last.contains("kafka_producer_record_send_total")
            && last.contains("jvm_gc_pause_seconds_count")) {
          return last;
        }
      } catch (ConnectException e) {
        // not listening yet: the model is still loading
      }
      Thread.sleep(500);
    }
    return fail(
        "no Kafka consumer meters or GC pause in the worker's /metrics within "
            + timeout.toSeconds()
            + " s (scrape has "
            + last.lines().filter(l -> !l.startsWith("#")).count()
            + " samples); log:\n"
            + tail(log));
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }
}
