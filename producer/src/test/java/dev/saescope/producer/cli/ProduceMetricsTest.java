package dev.saescope.producer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code produce --metrics-host/--metrics-port}: bad values and a busy port stop the run before
 * Kafka is touched (exit 1, naming the option); a publishing run serves its meters on /metrics; a
 * dry run serves nothing.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class ProduceMetricsTest {
  private static final String ITEM =
      "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n";

  /** A publish that would wait for the absent broker if it got that far. */
  private static final String[] NO_BROKER = {
    "--dataset",
    "knowledge-neurons",
    "--data",
    ProduceCommandTest.KN,
    "--limit",
    "1",
    "--bootstrap-servers",
    "127.0.0.1:1",
    "--broker-timeout",
    "30",
    "--quiet"
  };

  @Test
  void busyMetricsPortStopsBeforeKafkaNamingHostAndPort() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      long t0 = System.nanoTime();
      Run r = Run.produce(concat(NO_BROKER, "--metrics-port", String.valueOf(busy.getLocalPort())));
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit(), r.err());
      assertTrue(r.err().contains("127.0.0.1:" + busy.getLocalPort()), r.err());
      assertTrue(r.err().contains("--metrics-port"), r.err());
      assertTrue(seconds < 20, "failed at the metrics port, not at the broker: took " + seconds);
    }
  }

  @Test
  void badMetricsOptionsAreNamed() {
    for (String port : new String[] {"-2", "65536"}) {
      Run r = Run.produce(concat(NO_BROKER, "--metrics-port", port));
      assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit(), port + ": " + r.err());
      assertTrue(r.err().contains("--metrics-port must be -1"), r.err());
      assertTrue(r.err().contains("got " + port), r.err());
    }
    Run notNumber = Run.produce(concat(NO_BROKER, "--metrics-port", "high"));
    assertEquals(ProduceCommand.EXIT_USAGE, notNumber.exit(), notNumber.err());
    assertTrue(notNumber.err().contains("--metrics-port"), notNumber.err());
    Run host = Run.produce(concat(NO_BROKER, "--metrics-host", "no-such-host.invalid"));
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, host.exit(), host.err());
    assertTrue(host.err().contains("no-such-host.invalid does not resolve"), host.err());
  }

  @Test
  void dryRunServesNoMetrics() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Run r =
          Run.withStdin(
              ITEM,
              "--dataset",
              "jsonl",
              "--data",
              "-",
              "--dry-run",
              "--metrics-port",
              String.valueOf(busy.getLocalPort()));
      assertEquals(0, r.exit(), "a dry run binds no metrics port: " + r.err());
    }
  }

  @Test
  void publishingRunServesItsMeters(KafkaSettings kafka) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    PipedOutputStream lines = new PipedOutputStream();
    PipedInputStream stdin = new PipedInputStream(lines);
    CompletableFuture<Run> run =
        CompletableFuture.supplyAsync(
            () ->
                Run.withStdin(
                    stdin,
                    "--dataset",
                    "jsonl",
                    "--data",
                    "-",
                    "--run-id",
                    "metrics-run",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--topic-prefix",
                    kafka.topics().prefix(),
                    "--partitions",
                    "1",
                    "--quiet",
                    "--metrics-port",
                    String.valueOf(port)));
    String text;
    try {
      lines.write(ITEM.getBytes(StandardCharsets.UTF_8));
      lines.flush();
      // Streaming from stdin keeps the producer publishing (and serving) until stdin closes.
      text = scrapeUntil(port, "saescope_producer_tasks_sent_total{", run);
    } finally {
      lines.close();
    }
    Run r = run.get(60, TimeUnit.SECONDS);
    assertEquals(0, r.exit(), r.err());
    assertTrue(
        text.lines()
            .anyMatch(
                l ->
                    l.startsWith("saescope_producer_tasks_sent_total{")
                        && l.contains("role=\"producer\"")
                        && !l.endsWith(" 0.0")),
        "tasks sent > 0 with role=producer:\n" + text);
    assertTrue(text.contains("saescope_producer_runs_announced_total{"), text);
    assertTrue(text.contains("saescope_producer_items_total{"), text);
    assertTrue(text.contains("jvm_memory_used_bytes{"), "the JVM meters every role has");
  }

  /** /metrics once it has {@code needle} with a non-zero value; fails if the run ends first. */
  private static String scrapeUntil(int port, String needle, CompletableFuture<Run> run)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (run.isDone()) {
        fail("produce ended before its metrics were scraped: " + run.get().err());
      }
      try {
        String body = http.send(req, HttpResponse.BodyHandlers.ofString()).body();
        if (body.lines().anyMatch(l -> l.startsWith(needle) && !l.endsWith(" 0.0"))) {
          return body;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    return fail("no " + needle + " > 0 on http://127.0.0.1:" + port + "/metrics within 60 s");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
