package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
 * The contract between the code's meters and {@code monitoring/}: every dashboard query on worker
 * meters names a metric (and labels) the worker really exports, and the Prometheus configs scrape
 * the ports the commands listen on by default. A real worker process is scraped in {@link
 * WorkerProcessScrapeTest}; the aggregator's and producer's queries are run against a real
 * Prometheus scraping a running pipeline in {@link PrometheusPipelineTest}.
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

  /**
   * Meters of the other roles (aggregator, producer, Kafka Streams): a worker's registry has none,
   * {@link PrometheusPipelineTest} checks them.
   */
  static final Predicate<String> OTHER_ROLES =
      n ->
          n.startsWith("saescope_aggregator_")
              || n.startsWith("saescope_producer_")
              || n.startsWith("kafka_stream_");

  /**
   * (Prometheus job and role label, saescope command, the command's option whose port serves
   * /metrics, docker-compose service) per role. The aggregator serves /metrics on its API port.
   */
  record Role(String job, String role, String command, String portOption, String service) {}

  static final List<Role> ROLES =
      List.of(
          new Role("saescope-worker", "worker", "worker", "--metrics-port", "worker"),
          new Role("saescope-aggregator", "aggregator", "aggregate", "--http-port", "aggregator"),
          new Role("saescope-producer", "producer", "produce", "--metrics-port", "producer"));

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
                DashboardContract.read(dashboardFile()), scrape, LOAD_TIMERS.or(OTHER_ROLES));
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

  /**
   * Each scrape target's port is the port option's default of the role's command ({@code worker
   * --metrics-port}, {@code aggregate --http-port}, {@code produce --metrics-port}) and, for docker
   * compose, the port the service passes; {@code prometheus.yml} discovers the replicas of the
   * compose service by DNS (A records), {@code prometheus-local.yml} lists 127.0.0.1.
   */
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
                  JsonNode job = job(config, role.job(), file);
                  assertTrue(
                      job.path("honor_labels").asBoolean(false),
                      file + ": job " + role.job() + " keeps the roles' own labels (honor_labels)");
                  Target target = local ? staticTarget(job, file) : dnsTarget(job, file);
                  assertEquals(
                      local ? "127.0.0.1" : role.service(),
                      target.host(),
                      file + ": host (or DNS name) of " + role.job());
                  assertEquals(
                      role.role(), target.role(), file + ": label role of job " + role.job());
                  if (!local) {
                    composePort(compose, role.service(), role.portOption())
                        .ifPresent(
                            p ->
                                assertEquals(
                                    p,
                                    target.port(),
                                    "docker-compose.yml service "
                                        + role.service()
                                        + " "
                                        + role.portOption()
                                        + " vs "
                                        + file));
                  }
                  CommandLine cmd = commands.get(role.command());
                  assertNotNull(cmd, "no '" + role.command() + "' command");
                  OptionSpec option = cmd.getCommandSpec().findOption(role.portOption());
                  assertNotNull(option, "'" + role.command() + "' has no " + role.portOption());
                  assertEquals(
                      String.valueOf(target.port()),
                      option.defaultValue(),
                      file
                          + ": "
                          + role.job()
                          + " port vs '"
                          + role.command()
                          + " "
                          + role.portOption()
                          + "' default");
                }));
      }
    }
    return tests;
  }

  @Test
  void produceMetricsOptionsReadLikeTheWorkers() {
    Map<String, CommandLine> commands = new CommandLine(new Main()).getSubcommands();
    for (String name : List.of("--metrics-host", "--metrics-port")) {
      OptionSpec worker = commands.get("worker").getCommandSpec().findOption(name);
      OptionSpec produce = commands.get("produce").getCommandSpec().findOption(name);
      assertNotNull(produce, "produce " + name);
      assertEquals(worker.paramLabel(), produce.paramLabel(), name + " parameter label");
    }
    assertEquals(
        "127.0.0.1",
        commands.get("produce").getCommandSpec().findOption("--metrics-host").defaultValue());
    assertFalse(
        commands.get("aggregate").getCommandSpec().optionsMap().containsKey("--metrics-port"),
        "aggregate serves /metrics on --http-port; a --metrics-port would be a second port");
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

  /** One scrape target: host or DNS name, port, and the role label the job gives it. */
  record Target(String host, int port, String role) {}

  private static JsonNode job(JsonNode config, String job, String file) {
    for (JsonNode sc : config.path("scrape_configs")) {
      if (sc.path("job_name").asText().equals(job)) {
        return sc;
      }
    }
    return fail(file + ": no scrape_config with job_name " + job);
  }

  /** The one {@code static_configs} target of {@code job}, with its {@code role} label. */
  private static Target staticTarget(JsonNode job, String file) {
    List<String> targets = new ArrayList<>();
    List<String> roles = new ArrayList<>();
    for (JsonNode s : job.path("static_configs")) {
      s.path("targets").forEach(t -> targets.add(t.asText()));
      roles.add(s.path("labels").path("role").asText());
    }
    String name = file + ": job " + job.path("job_name").asText();
    assertEquals(1, targets.size(), name + " has one static target, got " + targets);
    String target = targets.get(0);
    int colon = target.lastIndexOf(':');
    assertTrue(colon > 0, name + ": target " + target + " has no port");
    return new Target(
        target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)), roles.get(0));
  }

  /**
   * The first {@code dns_sd_configs} name of {@code job} (type A: one target per replica), its
   * port, and the role its {@code relabel_configs} set (dns_sd has no static labels).
   */
  private static Target dnsTarget(JsonNode job, String file) {
    String name = file + ": job " + job.path("job_name").asText();
    assertTrue(
        job.path("static_configs").isMissingNode(),
        name + ": static targets would scrape one replica of a scaled service; use dns_sd_configs");
    JsonNode sd = job.path("dns_sd_configs");
    assertEquals(1, sd.size(), name + " has one dns_sd_configs entry");
    JsonNode c = sd.get(0);
    assertEquals("A", c.path("type").asText(), name + ": DNS record type");
    assertFalse(c.path("names").isEmpty(), name + ": DNS names");
    assertTrue(c.path("port").canConvertToInt(), name + ": type A needs a port");
    String role = null;
    for (JsonNode r : job.path("relabel_configs")) {
      if (r.path("target_label").asText().equals("role")) {
        role = r.path("replacement").asText();
      }
    }
    // The first name is the role's compose service; more may follow (worker-gpu, same port).
    return new Target(c.path("names").get(0).asText(), c.path("port").asInt(), role);
  }

  /** The value after {@code option} in a compose service's command list, if any. */
  private static java.util.Optional<Integer> composePort(
      JsonNode compose, String service, String option) {
    JsonNode command = compose.path("services").path(service).path("command");
    for (int i = 0; i + 1 < command.size(); i++) {
      if (command.get(i).asText().equals(option)) {
        return java.util.Optional.of(Integer.parseInt(command.get(i + 1).asText()));
      }
    }
    return java.util.Optional.empty();
  }
}
