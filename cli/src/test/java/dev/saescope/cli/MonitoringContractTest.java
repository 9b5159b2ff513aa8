package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.metrics.MetricsServer;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.worker.service.WorkerMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The contract between the code's meters and {@code monitoring/}: every dashboard query names a
 * metric (and labels) the worker really exports, and the Prometheus configs scrape the ports the
 * commands listen on by default. A real worker process is scraped in {@link
 * WorkerProcessScrapeTest}.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class MonitoringContractTest {
  /**
   * Timers the worker command registers while it loads the model and SAEs, outside {@link
   * WorkerMetrics}; only a real worker process has them, so {@link WorkerProcessScrapeTest} checks
   * them.
   */
  static final Predicate<String> LOAD_TIMERS =
      n ->
          n.startsWith("saescope_worker_model_load_seconds")
              || n.startsWith("saescope_worker_sae_load_seconds");

  /** (Prometheus job, saescope command, docker-compose service) per role. */
  record Role(String job, String command, String service) {}

  static final List<Role> ROLES =
      List.of(
          new Role("saescope-worker", "worker", "worker"),
          new Role("saescope-aggregator", "aggregate", "aggregator"),
          new Role("saescope-producer", "produce", "producer"));

  static Path repoRoot() {
    String root = System.getProperty("saescope.repoRoot");
    assertNotNull(
        root, "system property saescope.repoRoot is not set (the parent pom's surefire sets it)");
    return Path.of(root);
  }

  static Path dashboardFile() {
    return repoRoot().resolve("monitoring/grafana/dashboards/saescope.json");
  }

  @Test
  void everyDashboardQueryNamesAMetricTheWorkerExports(KafkaSettings kafka) throws Exception {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry("worker");
    new WorkerMetrics(registry, "contract-worker");
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 1, TopicSpec.BROKER_DEFAULT));
    String topic = kafka.topics().tasks();
    Properties producerProps = kafka.client();
    try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(
                Consumers.groupSettings(kafka, "contract", null),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
      producer.send(new ProducerRecord<>(topic, "k".getBytes(), "v".getBytes())).get();
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      int seen = 0;
      while (seen == 0 && System.nanoTime() < deadline) {
        seen += consumer.poll(Duration.ofMillis(200)).count();
      }
      assertEquals(1, seen, "the consumer reads the one record from " + topic + " within 60 s");
      // Bound after a poll: KafkaClientMetrics sees the per-partition fetch metrics only once the
      // consumer has an assignment (it rescans for new Kafka metrics only every 60 s).
      try (KafkaClientMetrics c = new KafkaClientMetrics(consumer);
          KafkaClientMetrics p = new KafkaClientMetrics(producer)) {
        c.bindTo(registry);
        p.bindTo(registry);
        // jvm_gc_pause_seconds is registered on the first GC notification, not at bind time.
        PrometheusText scrape = scrapeAfterGc(registry);
        List<String> problems =
            DashboardContract.violations(
                DashboardContract.read(dashboardFile()), scrape, LOAD_TIMERS);
        assertTrue(
            problems.isEmpty(),
            "dashboard vs. worker registry:\n  " + String.join("\n  ", problems));
      }
    }
  }

  private static PrometheusText scrapeAfterGc(PrometheusMeterRegistry registry)
      throws InterruptedException {
    PrometheusText scrape = PrometheusText.parse(registry.scrape(), "worker registry");
    for (int i = 0; i < 50 && !scrape.has("jvm_gc_pause_seconds_count"); i++) {
      System.gc();
      Thread.sleep(100);
      scrape = PrometheusText.parse(registry.scrape(), "worker registry");
    }
    assertTrue(
        scrape.has("jvm_gc_pause_seconds_count"),
        "a GC pause is recorded within 5 s of System.gc()");
    return scrape;
  }

  @Test
  void dashboardIsAProvisionableGrafanaDashboard() throws IOException {
    JsonNode d = DashboardContract.read(dashboardFile());
    assertEquals(
        "saescope", d.path("uid").asText(), "dashboard uid (links and provisioning use it)");
    assertTrue(
        d.path("schemaVersion").asInt() >= 39,
        "schemaVersion >= 39, got " + d.path("schemaVersion"));
    assertTrue(
        d.path("id").isNull() || d.path("id").isMissingNode(),
        "a provisioned dashboard has no numeric id");
    Set<Integer> ids = new HashSet<>();
    List<String> problems = new ArrayList<>();
    int queryPanels = 0;
    for (JsonNode p : DashboardContract.panels(d)) {
      String title = p.path("title").asText();
      if (!ids.add(p.path("id").asInt(-1)) || p.path("id").asInt(-1) < 0) {
        problems.add("panel '" + title + "': missing or duplicate id " + p.path("id"));
      }
      if (!p.path("gridPos").has("w") || !p.path("gridPos").has("h")) {
        problems.add("panel '" + title + "': no gridPos");
      }
      if (p.path("type").asText().equals("row")) {
        continue;
      }
      queryPanels++;
      if (!p.path("datasource").path("uid").asText().equals("saescope-prometheus")) {
        problems.add(
            "panel '"
                + title
                + "': datasource uid is not saescope-prometheus: "
                + p.path("datasource"));
      }
      if (p.path("targets").isEmpty()) {
        problems.add("panel '" + title + "': no targets");
      }
      for (JsonNode t : p.path("targets")) {
        if (!t.path("datasource").isMissingNode()
            && !t.path("datasource").path("uid").asText().equals("saescope-prometheus")) {
          problems.add(
              "panel '"
                  + title
                  + "' target "
                  + t.path("refId").asText()
                  + ": datasource uid is not saescope-prometheus");
        }
      }
    }
    Set<String> vars = new HashSet<>();
    d.path("templating").path("list").forEach(v -> vars.add(v.path("name").asText()));
    assertTrue(vars.contains("worker"), "template variable 'worker'; have " + vars);
    assertFalse(
        vars.contains("run"),
        "no 'run' variable: meters are never tagged per run (DESIGN, Observability)");
    assertTrue(queryPanels >= 15, "the panels issue 5 asks for; have " + queryPanels);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /** Each scrape target's port is the role command's default {@code --metrics-port}. */
  @TestFactory
  List<DynamicTest> prometheusTargetsMatchTheCommandsMetricsPorts() throws IOException {
    Map<String, CommandLine> commands = new CommandLine(new Main()).getSubcommands();
    JsonNode compose = yaml(repoRoot().resolve("docker-compose.yml"));
    List<DynamicTest> tests = new ArrayList<>();
    for (String file : List.of("monitoring/prometheus.yml", "monitoring/prometheus-local.yml")) {
      JsonNode config = yaml(repoRoot().resolve(file));
      boolean local = file.endsWith("-local.yml");
      for (Role role : ROLES) {
        tests.add(
            DynamicTest.dynamicTest(
                file + " " + role.job(),
                () -> {
                  List<String> targets = targets(config, role.job(), file);
                  assertEquals(
                      1,
                      targets.size(),
                      file + ": job " + role.job() + " has one target, got " + targets);
                  String target = targets.get(0);
                  int colon = target.lastIndexOf(':');
                  assertTrue(colon > 0, file + ": target " + target + " has no port");
                  String host = target.substring(0, colon);
                  int port = Integer.parseInt(target.substring(colon + 1));
                  assertEquals(
                      local ? "127.0.0.1" : role.service(), host, file + ": host of " + role.job());
                  if (!local) {
                    composeMetricsPort(compose, role.service())
                        .ifPresent(
                            p ->
                                assertEquals(
                                    p,
                                    port,
                                    "docker-compose.yml service "
                                        + role.service()
                                        + " --metrics-port vs "
                                        + file));
                  }
                  CommandLine cmd = commands.get(role.command());
                  assumeTrue(
                      cmd != null,
                      "no '" + role.command() + "' command yet; port " + port + " not checked");
                  OptionSpec option = cmd.getCommandSpec().findOption("--metrics-port");
                  assumeTrue(
                      option != null,
                      "'"
                          + role.command()
                          + "' has no --metrics-port yet; port "
                          + port
                          + " not checked");
                  assertEquals(
                      String.valueOf(port),
                      option.defaultValue(),
                      file
                          + ": "
                          + role.job()
                          + " port vs '"
                          + role.command()
                          + " --metrics-port' default");
                }));
      }
    }
    return tests;
  }

  @Test
  void workerMetricsPortDefaultIs9401() {
    OptionSpec option =
        new CommandLine(new Main())
            .getSubcommands()
            .get("worker")
            .getCommandSpec()
            .findOption("--metrics-port");
    assertNotNull(option, "worker --metrics-port");
    assertEquals("9401", option.defaultValue());
  }

  static JsonNode yaml(Path file) throws IOException {
    try {
      JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
      assertTrue(n != null && n.isObject(), file + ": a YAML mapping");
      return n;
    } catch (IOException e) {
      throw new IOException(file + ": not valid YAML: " + e.getMessage(), e);
    }
  }

  private static List<String> targets(JsonNode config, String job, String file) {
    for (JsonNode sc : config.path("scrape_configs")) {
      if (sc.path("job_name").asText().equals(job)) {
        List<String> out = new ArrayList<>();
        sc.path("static_configs").forEach(s -> s.path("targets").forEach(t -> out.add(t.asText())));
        return out;
      }
    }
    return fail(file + ": no scrape_config with job_name " + job);
  }

  /** The value after "--metrics-port" in a compose service's command list, if any. */
  private static java.util.Optional<Integer> composeMetricsPort(JsonNode compose, String service) {
    JsonNode command = compose.path("services").path(service).path("command");
    for (int i = 0; i + 1 < command.size(); i++) {
      if (command.get(i).asText().equals("--metrics-port")) {
        return java.util.Optional.of(Integer.parseInt(command.get(i + 1).asText()));
      }
    }
    return java.util.Optional.empty();
  }
}
