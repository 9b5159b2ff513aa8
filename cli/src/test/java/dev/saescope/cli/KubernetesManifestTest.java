package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saescope.cli.KubernetesObjects.Container;
import dev.saescope.cli.KubernetesObjects.Manifest;
import dev.saescope.common.kafka.KafkaOptions;
import dev.saescope.schemas.Topics;
import dev.saescope.worker.service.WorkerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * deploy/k8s against the code, statically: no cluster runs in the test environment. Container
 * arguments parse with the real CLI, KEDA scales on the worker's real consumer group and tasks
 * topic within the partition count, selectors and ports line up, and the aggregator keeps its state
 * on a claim.
 */
class KubernetesManifestTest {
  /** {@code $(VAR)}: the kubelet expands it in args from the container's env. */
  private static final Pattern ENV_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

  private static List<Manifest> manifests;

  @BeforeAll
  static void read() throws IOException {
    Path dir = MonitoringContractTest.repoRoot().resolve("deploy/k8s");
    assertTrue(Files.isDirectory(dir), "no " + dir);
    manifests = KubernetesObjects.read(dir);
    assertFalse(manifests.isEmpty(), dir + ": no manifests");
  }

  static List<Manifest> ofKind(String kind) {
    return manifests.stream().filter(m -> m.kind().equals(kind)).toList();
  }

  static Manifest one(String kind, String name) {
    return manifests.stream()
        .filter(m -> m.kind().equals(kind) && m.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " in deploy/k8s"));
  }

  static List<Container> containers() {
    return KubernetesObjects.containers(manifests);
  }

  /** The worker Deployment's one container. */
  static Container worker() {
    List<Container> workers =
        containers().stream()
            .filter(c -> c.owner().kind().equals("Deployment"))
            .filter(c -> !c.args().isEmpty() && c.args().get(0).equals("worker"))
            .toList();
    assertEquals(1, workers.size(), "one worker container in a Deployment: " + workers);
    return workers.get(0);
  }

  @Test
  void everyObjectIsNamespaceLessAndNamed() {
    for (Manifest m : manifests) {
      assertFalse(m.kind().isEmpty(), m + ": no kind");
      assertFalse(m.node().path("apiVersion").asText().isEmpty(), m + ": no apiVersion");
      assertFalse(m.name().isEmpty(), m + ": no metadata.name");
      assertFalse(
          m.node().path("metadata").has("namespace"),
          m + ": metadata.namespace (apply with kubectl -n instead)");
    }
  }

  /** Arguments as the kubelet passes them: each $(VAR) must be defined in the container's env. */
  @TestFactory
  List<DynamicTest> containerArgsParseWithTheCli() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Container c : containers()) {
      tests.add(
          DynamicTest.dynamicTest(
              c.where(),
              () -> {
                List<String> problems = new ArrayList<>();
                List<String> argv = new ArrayList<>();
                for (String a : c.args()) {
                  Matcher m = ENV_REF.matcher(a);
                  StringBuilder expanded = new StringBuilder();
                  while (m.find()) {
                    if (c.env(m.group(1)).isEmpty()) {
                      problems.add(c.where() + ": $(" + m.group(1) + ") is not in env");
                    }
                    // A pod name stands in for any value: what matters is the shape around it.
                    m.appendReplacement(expanded, "saescope-pod-0");
                  }
                  m.appendTail(expanded);
                  argv.add(expanded.toString());
                }
                assertTrue(
                    c.spec().path("command").isMissingNode(),
                    c.where() + ": command replaces the image's entry point; use args");
                problems.addAll(DeployContract.commandProblems(c.where(), argv));
                DeployContract.imageProblem(c.spec().path("image").asText())
                    .ifPresent(p -> problems.add(c.where() + ": " + p));
                assertTrue(problems.isEmpty(), String.join("\n", problems));
              }));
    }
    assertTrue(tests.size() >= 2, "worker and aggregator containers; have " + tests.size());
    return tests;
  }

  @Test
  void selectorsMatchThePodLabels() {
    for (Manifest m : manifests) {
      if (!m.kind().equals("Deployment") && !m.kind().equals("StatefulSet")) {
        continue;
      }
      JsonNode selector = m.node().path("spec").path("selector").path("matchLabels");
      JsonNode labels = m.node().path("spec").path("template").path("metadata").path("labels");
      assertFalse(selector.isEmpty(), m + ": no spec.selector.matchLabels");
      selector
          .properties()
          .forEach(
              e ->
                  assertEquals(
                      e.getValue().asText(),
                      labels.path(e.getKey()).asText(null),
                      m + ": pod label " + e.getKey() + " vs the selector"));
    }
  }

  /** Each Service selects pods that have every port it targets. */
  @Test
  void servicesSelectPodsWithTheirTargetPorts() {
    List<Manifest> services = ofKind("Service");
    assertFalse(services.isEmpty(), "a Service for the aggregator API");
    for (Manifest s : services) {
      JsonNode selector = s.node().path("spec").path("selector");
      List<Container> selected = containers().stream().filter(c -> c.selectedBy(selector)).toList();
      assertFalse(selected.isEmpty(), s + ": its selector " + selector + " matches no pod");
      for (JsonNode port : s.node().path("spec").path("ports")) {
        String target = port.path("targetPort").asText(port.path("port").asText());
        for (Container c : selected) {
          assertTrue(
              c.ports().containsKey(target) || c.ports().containsValue(target),
              s + ": targetPort " + target + " is not a port of " + c.where());
        }
      }
    }
  }

  /**
   * Named container ports are the ports the command listens on, probes and Prometheus annotations
   * name existing ports, and metrics listen beyond loopback.
   */
  @TestFactory
  List<DynamicTest> portsAreConsistent() {
    List<DynamicTest> tests = new ArrayList<>();
    for (Container c : containers()) {
      List<String> argv = c.args();
      List<String> options = argv.isEmpty() ? null : DeployContract.LISTENS.get(argv.get(0));
      if (options == null) {
        continue;
      }
      tests.add(
          DynamicTest.dynamicTest(
              c.where(),
              () -> {
                String host = DeployContract.effectiveValue(argv, argv.get(0), options.get(0));
                String port = DeployContract.effectiveValue(argv, argv.get(0), options.get(1));
                assertEquals("0.0.0.0", host, c.where() + ": " + options.get(0));
                Map<String, String> ports = c.ports();
                assertTrue(
                    ports.containsValue(port),
                    c.where() + ": listens on " + port + " but declares ports " + ports);
                JsonNode probe = c.spec().path("readinessProbe").path("httpGet");
                assertEquals("/health", probe.path("path").asText(), c.where() + ": readiness");
                String probePort = probe.path("port").asText();
                assertEquals(
                    port,
                    ports.getOrDefault(probePort, probePort),
                    c.where() + ": readiness probe port");
                JsonNode annotations = c.pod().path("metadata").path("annotations");
                assertEquals("true", annotations.path("prometheus.io/scrape").asText(), c.where());
                assertEquals(
                    port,
                    annotations.path("prometheus.io/port").asText(),
                    c.where() + ": prometheus.io/port");
              }));
    }
    assertTrue(tests.size() >= 2, "worker and aggregator ports; have " + tests.size());
    return tests;
  }

  @Test
  void workersFindKafkaAndHaveUniqueIds() {
    Container w = worker();
    JsonNode bootstrap =
        w.env(KafkaOptions.BOOTSTRAP_ENV)
            .orElseThrow(
                () -> new AssertionError(w.where() + ": no " + KafkaOptions.BOOTSTRAP_ENV));
    assertFalse(bootstrap.path("value").asText().isBlank(), w.where() + ": empty bootstrap");
    assertFalse(w.args().contains("--worker-id"), w.where() + ": a fixed --worker-id");
    w.env("SAESCOPE_WORKER_ID")
        .ifPresent(
            id ->
                assertEquals(
                    "metadata.name",
                    id.path("valueFrom").path("fieldRef").path("fieldPath").asText(),
                    w.where() + ": SAESCOPE_WORKER_ID must differ per pod (the pod name)"));
    assertTrue(
        w.spec().path("resources").path("requests").has("cpu")
            && w.spec().path("resources").path("limits").has("memory"),
        w.where() + ": resources (cpu request, memory limit)");
  }

  @Test
  void kedaScalesTheWorkersOnTheirRealGroupAndTopic() {
    List<Manifest> scaled = ofKind("ScaledObject");
    assertEquals(1, scaled.size(), "one KEDA ScaledObject");
    JsonNode spec = scaled.get(0).node().path("spec");
    Container w = worker();
    assertEquals(
        w.owner().name(), spec.path("scaleTargetRef").path("name").asText(), "scaleTargetRef");
    assertTrue(
        spec.path("scaleTargetRef").path("kind").asText("Deployment").equals("Deployment"),
        "scaleTargetRef kind");
    JsonNode triggers = spec.path("triggers");
    assertEquals(1, triggers.size(), "one trigger: " + triggers);
    assertEquals("kafka", triggers.get(0).path("type").asText(), "trigger type");
    JsonNode meta = triggers.get(0).path("metadata");

    List<String> argv = w.args();
    assertEquals(
        DeployContract.optionValue(argv, "--group").orElse(WorkerSettings.DEFAULT_GROUP),
        meta.path("consumerGroup").asText(),
        "consumerGroup vs the worker's --group");
    String prefix =
        DeployContract.optionValue(argv, "--topic-prefix")
            .or(() -> w.env(KafkaOptions.PREFIX_ENV).map(e -> e.path("value").asText()))
            .orElse(Topics.DEFAULT_PREFIX);
    assertEquals(new Topics(prefix).tasks(), meta.path("topic").asText(), "topic");
    assertEquals(
        w.env(KafkaOptions.BOOTSTRAP_ENV).map(e -> e.path("value").asText()).orElse(""),
        meta.path("bootstrapServers").asText(),
        "bootstrapServers vs the worker's " + KafkaOptions.BOOTSTRAP_ENV);
    assertTrue(
        Integer.parseInt(meta.path("lagThreshold").asText("0")) > 0,
        "lagThreshold must be a positive count: " + meta.path("lagThreshold"));
    assertFalse(
        meta.path("allowIdleConsumers").asText("false").equals("true"),
        "allowIdleConsumers would scale past the partition count");

    int partitions =
        Integer.parseInt(DeployContract.effectiveValue(argv, "worker", "--partitions"));
    int min = spec.path("minReplicaCount").asInt(0);
    int max = spec.path("maxReplicaCount").asInt(100); // KEDA's default
    assertTrue(0 <= min && min <= max, "0 <= minReplicaCount " + min + " <= max " + max);
    assertTrue(
        max <= partitions,
        "maxReplicaCount "
            + max
            + " > "
            + partitions
            + " partitions of the tasks topic (worker --partitions): the rest would idle");
  }

  @Test
  void theAggregatorKeepsItsStateOnAClaimAndIsReachable() {
    Manifest sts = one("StatefulSet", "saescope-aggregator");
    Container c =
        containers().stream()
            .filter(x -> x.owner() == sts)
            .findFirst()
            .orElseThrow(() -> new AssertionError(sts + ": no container"));
    List<String> argv = c.args();
    assertEquals("aggregate", argv.get(0), c.where());
    Set<String> claims = new HashSet<>();
    sts.node()
        .path("spec")
        .path("volumeClaimTemplates")
        .forEach(t -> claims.add(t.path("metadata").path("name").asText()));
    for (String option : List.of("--state-dir", "--out")) {
      String dir =
          DeployContract.optionValue(argv, option)
              .orElseThrow(() -> new AssertionError(c.where() + ": no " + option));
      boolean onClaim = false;
      for (JsonNode mount : c.spec().path("volumeMounts")) {
        String path = mount.path("mountPath").asText();
        if ((dir.equals(path) || dir.startsWith(path + "/"))
            && claims.contains(mount.path("name").asText())) {
          onClaim = true;
        }
      }
      assertTrue(onClaim, c.where() + ": " + option + " " + dir + " is on no volumeClaimTemplate");
    }
    String serviceName = sts.node().path("spec").path("serviceName").asText();
    Manifest headless = one("Service", serviceName);
    assertEquals(
        "None",
        headless.node().path("spec").path("clusterIP").asText(),
        serviceName + " must be headless (per-pod DNS names)");
    String advertised = DeployContract.optionValue(argv, "--advertised").orElse("");
    assertTrue(
        advertised.startsWith("$(POD_NAME)." + serviceName + ":"),
        "--advertised is the pod's name under " + serviceName + ", got " + advertised);
  }

  @Test
  void everyClaimThatPodsMountExists() {
    Set<String> claims = new HashSet<>();
    ofKind("PersistentVolumeClaim").forEach(m -> claims.add(m.name()));
    for (Container c : containers()) {
      for (JsonNode v : c.pod().path("spec").path("volumes")) {
        String claim = v.path("persistentVolumeClaim").path("claimName").asText(null);
        if (claim != null) {
          assertTrue(claims.contains(claim), c.where() + ": no PersistentVolumeClaim " + claim);
        }
      }
      Set<String> volumes = new HashSet<>();
      c.pod().path("spec").path("volumes").forEach(v -> volumes.add(v.path("name").asText()));
      c.owner()
          .node()
          .path("spec")
          .path("volumeClaimTemplates")
          .forEach(t -> volumes.add(t.path("metadata").path("name").asText()));
      for (JsonNode mount : c.spec().path("volumeMounts")) {
        assertTrue(
            volumes.contains(mount.path("name").asText()),
            c.where() + ": mounts undeclared volume " + mount.path("name").asText());
      }
    }
  }
}
