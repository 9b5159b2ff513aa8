package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.worker.service.TinyWorld;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard against a real Prometheus scraping a running pipeline: an embedded broker, a real
 * {@code saescope worker} process (the tiny random model and SAE of {@link TinyWorld}), a real
 * {@code aggregate} process and a {@code produce} process streaming items from stdin, scraped every
 * second with the jobs and labels of {@code monitoring/prometheus-local.yml}. Every target
 * expression of every panel, with Grafana's variables filled in, must return data from Prometheus's
 * query API; each variable query must find values. The contract tests check names and labels; this
 * one catches joins that match nothing, label filters no series has and meters that exist only in
 * theory.
 *
 * <p>Needs Debian's {@code prometheus} package ({@code /usr/bin/prometheus}; {@code ./saescope
 * test} installs it when run as root) and the Gemma 3 tokenizer, else it is skipped.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class PrometheusPipelineTest {
  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

  /** Grafana's variables as the dashboard's defaults resolve them ("All" is {@code .*}). */
  static final Map<String, String> VARIABLES =
      Map.of(
          "worker", ".*",
          "role", ".*",
          "__rate_interval", "15s", // >= 4 scrape intervals, as Grafana's own rule gives
          "__interval", "15s",
          "__range", "5m");

  /** {@code $name}, {@code ${name}} or {@code [[name]]}; {@code $1} in label_replace is not one. */
  private static final Pattern VARIABLE =
      Pattern.compile(
          "\\$\\{([A-Za-z_]\\w*)(?::\\w+)?}|\\$([A-Za-z_]\\w*)|\\[\\[([A-Za-z_]\\w*)]]");

  /** What must be positive once the pipeline has run for a while. */
  private static final List<String> PROGRESS =
      List.of(
          "sum(rate(saescope_producer_tasks_sent_total[15s])) > 0",
          "sum(saescope_producer_runs_announced_total) > 0",
          "sum(saescope_worker_tasks_total) > 0",
          "sum(saescope_aggregator_results_total) > 0",
          "sum(saescope_aggregator_tasks_completed_total) > 0",
          "sum(saescope_aggregator_store_entries{store=\"run-tasks\"}) > 0");

  /** Long enough for Micrometer's 60 s rescan to add the per-partition lag meters. */
  private static final Duration QUERY_WAIT = Duration.ofSeconds(150);

  private static final List<String> ITEMS =
      List.of(
          "Peru:Lima",
          "France:Paris",
          "Japan:Tokyo",
          "Kenya:Nairobi",
          "Chile:Santiago",
          "Egypt:Cairo",
          "Spain:Madrid",
          "Italy:Rome",
          "Norway:Oslo",
          "Ghana:Accra");

  @TempDir Path dir;

  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Last started first: the producer and Prometheus before the roles they talk to. */
  @AfterEach
  void stopProcesses() throws InterruptedException {
    for (int i = processes.size() - 1; i >= 0; i--) {
      Process p = processes.get(i);
      p.destroy(); // SIGTERM: the roles' shutdown hooks stop cleanly, Prometheus too
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    processes.clear();
  }

  @Test
  void dashboardHasTheFieldsGrafanasSchemaRequires() throws IOException {
    List<String> problems =
        schemaProblems(DashboardContract.read(MonitoringContractTest.dashboardFile()));
    assertTrue(problems.isEmpty(), "saescope.json:\n  " + String.join("\n  ", problems));
  }

  @Test
  void everyPanelQueryReturnsDataFromARunningPipeline(KafkaSettings kafka) throws Exception {
    assumeTrue(
        Files.isExecutable(PROMETHEUS),
        "no Prometheus at "
            + PROMETHEUS
            + ": install Debian's package (sudo apt-get install prometheus; ./saescope test does"
            + " it when run as root)");
    TinyWorld world = TinyWorld.create(dir.resolve("world"));
    int workerPort = SaescopeJvm.freePort();
    int aggregatorPort = SaescopeJvm.freePort();
    int producerPort = SaescopeJvm.freePort();
    int prometheusPort = SaescopeJvm.freePort();
    List<String> kafkaArgs =
        List.of(
            "--bootstrap-servers", kafka.bootstrapServers(),
            "--topic-prefix", kafka.topics().prefix());

    long t0 = System.nanoTime();
    Process worker =
        saescope(
            "worker",
            kafkaArgs,
            "--model",
            world.modelDir.toString(),
            "--sae",
            world.saeDir.toString(),
            "--worker-id",
            "pipeline-worker",
            "--group",
            "pipeline-test",
            "--metrics-port",
            String.valueOf(workerPort));
    Process aggregator =
        saescope(
            "aggregate",
            kafkaArgs,
            "--http-port",
            String.valueOf(aggregatorPort),
            "--state-dir",
            dir.resolve("aggregator-state").toString());
    Path config = prometheusConfig(workerPort, aggregatorPort, producerPort);
    start(
        "prometheus",
        List.of(
            PROMETHEUS.toString(),
            "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("tsdb"),
            "--web.listen-address=127.0.0.1:" + prometheusPort,
            "--log.level=warn"));
    awaitMetrics(worker, "worker", workerPort, "kafka_producer_record_send_total");
    awaitMetrics(aggregator, "aggregate", aggregatorPort, "kafka_stream_alive_stream_threads");

    Process producer =
        saescope(
            "produce",
            kafkaArgs,
            "--dataset",
            "jsonl",
            "--data",
            "-",
            "--run-id",
            "pipeline-run",
            "--quiet",
            "--metrics-port",
            String.valueOf(producerPort));
    // Items arrive one every 2 s while Prometheus is queried: the producer keeps publishing (and
    // serving /metrics) until its stdin closes, and every rate has something to count.
    Thread feeder = Thread.ofVirtual().start(() -> feed(producer.getOutputStream()));
    Map<String, String> failures;
    PrometheusText scraped;
    try {
      awaitTargetsUp(prometheusPort, Duration.ofSeconds(120));
      failures = queryAll(prometheusPort, QUERY_WAIT);
      // The three roles' own /metrics, read while all run: types and labels for the contract.
      scraped =
          merge(
              scrape("worker", workerPort),
              scrape("aggregate", aggregatorPort),
              scrape("produce", producerPort));
    } finally {
      feeder.interrupt();
      feeder.join(10_000);
    }
    assertTrue(
        producer.waitFor(60, TimeUnit.SECONDS),
        "produce ends when its stdin closes: " + log("produce"));
    assertEquals(0, producer.exitValue(), "produce exit code; log:\n" + log("produce"));
    System.err.printf(
        "PrometheusPipelineTest: pipeline up and every query answered in %.0f s%n",
        (System.nanoTime() - t0) / 1e9);
    assertTrue(
        failures.isEmpty(),
        failures.size()
            + " dashboard queries returned no data from Prometheus:\n  "
            + String.join(
                "\n  ", failures.entrySet().stream().map(e -> e.getKey() + e.getValue()).toList()));
    // Data is not enough: rate() over a gauge returns data too. The contract's checks (names,
    // label matchers, counters under rate, _bucket under histogram_quantile) over all roles.
    List<String> problems =
        DashboardContract.violations(
            DashboardContract.read(MonitoringContractTest.dashboardFile()), scraped, n -> false);
    assertTrue(
        problems.isEmpty(),
        "dashboard vs. the running roles' /metrics:\n  " + String.join("\n  ", problems));
  }

  private PrometheusText scrape(String name, int port) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), name + " /metrics");
    return PrometheusText.parse(r.body(), name + " http://127.0.0.1:" + port + "/metrics");
  }

  /** One exposition of several: the label names of a sample over all, every family's type. */
  private static PrometheusText merge(PrometheusText... scrapes) {
    Map<String, Set<String>> labels = new java.util.TreeMap<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (PrometheusText t : scrapes) {
      t.labels().forEach((k, v) -> labels.computeIfAbsent(k, x -> new TreeSet<>()).addAll(v));
      types.putAll(t.types());
    }
    return new PrometheusText(labels, types);
  }

  /** Sends an item every 2 s, round the list, until interrupted; then closes stdin. */
  private static void feed(OutputStream stdin) {
    try (stdin) {
      for (int n = 0; !Thread.currentThread().isInterrupted(); n++) {
        String[] fact = ITEMS.get(n % ITEMS.size()).split(":");
        String subject = n < ITEMS.size() ? fact[0] : fact[0] + " " + (n / ITEMS.size());
        String line =
            "{\"relation\": \"P36\", \"subject\": \""
                + subject
                + "\", \"objects\": [\""
                + fact[1]
                + "\"]}\n";
        stdin.write(line.getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        Thread.sleep(2000);
      }
    } catch (InterruptedException e) {
      // done: closing stdin ends the run
    } catch (IOException e) {
      // the producer has exited; the test reports its exit code and log
    }
  }

  /**
   * {@code prometheus-local.yml} with the test's ports and a 2 s scrape interval: the same jobs,
   * labels and {@code honor_labels}.
   */
  private Path prometheusConfig(int workerPort, int aggregatorPort, int producerPort)
      throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    ObjectNode config =
        (ObjectNode)
            yaml.readTree(
                MonitoringContractTest.repoRoot()
                    .resolve("monitoring/prometheus-local.yml")
                    .toFile());
    // A 1 s scrape timeout failed on a loaded 2-core machine (a busy JVM answers /metrics late).
    ((ObjectNode) config.path("global"))
        .put("scrape_interval", "2s")
        .put("scrape_timeout", "2s")
        .put("evaluation_interval", "2s");
    Map<String, Integer> ports =
        Map.of(
            "saescope-worker", workerPort,
            "saescope-aggregator", aggregatorPort,
            "saescope-producer", producerPort);
    Set<String> seen = new TreeSet<>();
    for (JsonNode job : config.path("scrape_configs")) {
      Integer port = ports.get(job.path("job_name").asText());
      assertTrue(port != null, "prometheus-local.yml: unexpected job " + job.path("job_name"));
      seen.add(job.path("job_name").asText());
      ArrayNode targets = (ArrayNode) job.path("static_configs").get(0).path("targets");
      targets.removeAll();
      targets.add("127.0.0.1:" + port);
    }
    assertEquals(ports.keySet(), seen, "prometheus-local.yml jobs");
    Path out = dir.resolve("prometheus.yml");
    yaml.writeValue(out.toFile(), config);
    return out;
  }

  /** Every panel target and variable query; "where: expr" of each that found nothing. */
  private Map<String, String> queryAll(int port, Duration wait) throws Exception {
    JsonNode dashboard = DashboardContract.read(MonitoringContractTest.dashboardFile());
    Map<String, String> pending = new LinkedHashMap<>();
    for (JsonNode p : DashboardContract.panels(dashboard)) {
      for (JsonNode t : p.path("targets")) {
        pending.put(
            "panel '" + p.path("title").asText() + "' target " + t.path("refId").asText(),
            substitute(t.path("expr").asText()));
      }
    }
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if (v.path("type").asText().equals("query")) {
        pending.put(
            "variable '" + v.path("name").asText() + "'",
            v.path("definition").asText(v.path("query").path("query").asText()));
      }
    }
    assertTrue(pending.size() > 40, "the dashboard's queries: " + pending.size());
    // And the pipeline really ran: tasks went from the producer through a worker to the
    // aggregator, and the producer was still sending (a comparison returns nothing when false).
    for (int i = 0; i < PROGRESS.size(); i++) {
      pending.put("pipeline progress check " + (i + 1), PROGRESS.get(i));
    }
    Map<String, String> last = new LinkedHashMap<>();
    long deadline = System.nanoTime() + wait.toNanos();
    // Asked again until each answers: rates need two scrapes, per-partition lag meters a rescan.
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
        var q = it.next();
        String answer = answer(port, q.getValue());
        if (answer == null) {
          it.remove();
        } else {
          last.put(q.getKey(), answer);
        }
      }
      if (!pending.isEmpty()) {
        Thread.sleep(2000);
      }
    }
    Map<String, String> failures = new LinkedHashMap<>();
    pending.forEach(
        (where, expr) -> failures.put(where, ": " + expr + "\n    -> " + last.get(where)));
    return failures;
  }

  /** Null when the query returns data; else what Prometheus said. */
  private String answer(int port, String expr) throws Exception {
    Matcher lv = Pattern.compile("^label_values\\((.+),\\s*(\\w+)\\)$").matcher(expr.strip());
    String url =
        lv.matches()
            ? "http://127.0.0.1:"
                + port
                + "/api/v1/label/"
                + lv.group(2)
                + "/values?match[]="
                + URLEncoder.encode(lv.group(1), StandardCharsets.UTF_8)
            : "http://127.0.0.1:"
                + port
                + "/api/v1/query?query="
                + URLEncoder.encode(expr, StandardCharsets.UTF_8);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = new ObjectMapper().readTree(r.body());
    if (!body.path("status").asText().equals("success")) {
      return "HTTP " + r.statusCode() + ": " + r.body();
    }
    JsonNode data = body.path("data");
    JsonNode values = lv.matches() ? data : data.path("result");
    if (lv.matches() && lv.group(2).equals("role")) {
      // The role variable must offer every role: all three targets scraped with their labels.
      Set<String> roles = new TreeSet<>();
      values.forEach(v -> roles.add(v.asText()));
      return roles.containsAll(Set.of("worker", "aggregator", "producer"))
          ? null
          : "roles " + roles;
    }
    return values.isArray() && !values.isEmpty() ? null : "empty: " + r.body();
  }

  static String substitute(String expr) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = VARIABLES.get(name);
      if (value == null) {
        throw new IllegalArgumentException("unknown Grafana variable $" + name + " in: " + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    return m.appendTail(out).toString();
  }

  /** Waits until Prometheus reports all three jobs' targets up. */
  private void awaitTargetsUp(int port, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/targets?state=active"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        last = r.body();
        Set<String> up = new TreeSet<>();
        for (JsonNode t : new ObjectMapper().readTree(last).path("data").path("activeTargets")) {
          if (t.path("health").asText().equals("up")) {
            up.add(t.path("labels").path("job").asText());
          }
        }
        if (up.size() == 3) {
          return;
        }
      } catch (IOException e) {
        // Prometheus is still starting
      }
      Thread.sleep(500);
    }
    fail(
        "Prometheus did not report all three targets up within "
            + timeout.toSeconds()
            + " s: "
            + last
            + "\nprometheus log:\n"
            + log("prometheus")
            + "\nproduce log:\n"
            + log("produce"));
  }

  /** Waits for {@code needle} in a role's /metrics; fails with its log if it exits first. */
  private void awaitMetrics(Process p, String name, int port, String needle) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
            .timeout(Duration.ofSeconds(10))
            .build();
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        fail(name + " exited with " + p.exitValue() + "; log:\n" + log(name));
      }
      try {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().contains(needle)) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    fail("no " + needle + " on " + name + "'s /metrics within 180 s; log:\n" + log(name));
  }

  /** Starts {@code saescope COMMAND} as its own JVM, logging to {@code dir/COMMAND.log}. */
  private Process saescope(String command, List<String> kafkaArgs, String... args)
      throws IOException {
    List<String> cmd = SaescopeJvm.command(command);
    cmd.addAll(List.of(args));
    cmd.addAll(kafkaArgs);
    return start(command, cmd);
  }

  private Process start(String name, List<String> cmd) throws IOException {
    ProcessBuilder b =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
    Process p = b.start();
    processes.add(p);
    return p;
  }

  private String log(String name) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * What Grafana's dashboard schema (v39, the fields import and provisioning need) misses: title,
   * uid, schemaVersion; every panel's id, type, title and gridPos {h, w, x, y} inside the 24-column
   * grid without overlapping another; every query panel's targets with refId and datasource;
   * templating entries with name and type.
   */
  static List<String> schemaProblems(JsonNode d) {
    List<String> out = new ArrayList<>();
    for (String f : List.of("title", "uid")) {
      if (!d.path(f).isTextual() || d.path(f).asText().isBlank()) {
        out.add("dashboard: no " + f);
      }
    }
    if (!d.path("schemaVersion").isInt()) {
      out.add("dashboard: schemaVersion is not a number: " + d.path("schemaVersion"));
    }
    if (!d.path("panels").isArray() || d.path("panels").isEmpty()) {
      out.add("dashboard: no panels");
    }
    List<int[]> boxes = new ArrayList<>();
    List<String> boxNames = new ArrayList<>();
    for (JsonNode p : DashboardContract.panels(d)) {
      String where = "panel '" + p.path("title").asText() + "' (id " + p.path("id") + ")";
      if (!p.path("id").isInt()) {
        out.add(where + ": id is not an integer");
      }
      for (String f : List.of("type", "title")) {
        if (!p.path(f).isTextual() || p.path(f).asText().isBlank()) {
          out.add(where + ": no " + f);
        }
      }
      JsonNode g = p.path("gridPos");
      boolean grid = true;
      for (String f : List.of("h", "w", "x", "y")) {
        if (!g.path(f).isInt() || g.path(f).asInt() < 0) {
          out.add(where + ": gridPos." + f + " is not a non-negative integer: " + g);
          grid = false;
        }
      }
      if (grid) {
        int x = g.path("x").asInt();
        int y = g.path("y").asInt();
        int w = g.path("w").asInt();
        int h = g.path("h").asInt();
        if (w < 1 || h < 1 || x + w > 24) {
          out.add(where + ": gridPos outside the 24-column grid: " + g);
        }
        for (int i = 0; i < boxes.size(); i++) {
          int[] b = boxes.get(i);
          if (x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h) {
            out.add(where + ": overlaps " + boxNames.get(i));
          }
        }
        boxes.add(new int[] {x, y, w, h});
        boxNames.add(where);
      }
      if (p.path("type").asText().equals("row")) {
        continue;
      }
      if (!p.path("targets").isArray() || p.path("targets").isEmpty()) {
        out.add(where + ": no targets");
      }
      for (JsonNode t : p.path("targets")) {
        if (!t.path("refId").isTextual() || t.path("refId").asText().isBlank()) {
          out.add(where + ": a target without refId");
        }
        if (!t.path("datasource").path("uid").isTextual()) {
          out.add(where + " target " + t.path("refId").asText() + ": no datasource uid");
        }
      }
    }
    for (JsonNode v : d.path("templating").path("list")) {
      for (String f : List.of("name", "type")) {
        if (!v.path(f).isTextual() || v.path(f).asText().isBlank()) {
          out.add("templating entry " + v.path("name") + ": no " + f);
        }
      }
    }
    return out;
  }
}
