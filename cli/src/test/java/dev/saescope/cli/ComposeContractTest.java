package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saescope.common.kafka.KafkaOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * docker-compose.yml and cli/Dockerfile against the code, statically: no Docker engine runs in the
 * test environment, so this is what stands in for {@code docker compose up}. Each saescope
 * service's command must parse with the real CLI, images are pinned, bind mounts come from the
 * repository, the worker scales, published ports stay on loopback, and the Dockerfile copies files
 * that exist.
 */
class ComposeContractTest {
  static Path composeFile() {
    return MonitoringContractTest.repoRoot().resolve("docker-compose.yml");
  }

  static Map<String, JsonNode> services() throws IOException {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    DeployContract.yaml(composeFile())
        .path("services")
        .properties()
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    assertFalse(out.isEmpty(), composeFile() + ": no services");
    return out;
  }

  /** Services that run the saescope image (they have a build section or a saescope image). */
  static Map<String, JsonNode> saescopeServices() throws IOException {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    services()
        .forEach(
            (name, s) -> {
              if (s.has("build") || s.path("image").asText().startsWith("saescope:")) {
                out.put(name, s);
              }
            });
    return out;
  }

  static List<String> command(JsonNode service) {
    assertTrue(
        service.path("command").isArray(),
        "command must be a list (exec form), so that no shell splits it: "
            + service.path("command"));
    return DeployContract.strings(service.path("command"));
  }

  @TestFactory
  List<DynamicTest> everySaescopeCommandParsesWithTheCli() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    saescopeServices()
        .forEach(
            (name, s) ->
                tests.add(
                    DynamicTest.dynamicTest(
                        name,
                        () -> {
                          List<String> problems =
                              DeployContract.commandProblems(
                                  "docker-compose.yml service " + name, command(s));
                          assertTrue(problems.isEmpty(), String.join("\n", problems));
                        })));
    assertTrue(
        saescopeServices().keySet().containsAll(Set.of("worker", "aggregator", "producer")),
        "services for the three roles; have " + saescopeServices().keySet());
    return tests;
  }

  @Test
  void everyImageHasAnExplicitTag() throws IOException {
    List<String> problems = new ArrayList<>();
    services()
        .forEach(
            (name, s) -> {
              if (!s.has("image")) {
                problems.add(name + ": no image (a built image without one is named by Compose)");
              } else {
                DeployContract.imageProblem(s.path("image").asText())
                    .ifPresent(p -> problems.add(name + ": " + p));
              }
            });
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void everyBindMountComesFromTheRepository() throws IOException {
    Path root = MonitoringContractTest.repoRoot();
    Set<String> named = new HashSet<>();
    DeployContract.yaml(composeFile()).path("volumes").fieldNames().forEachRemaining(named::add);
    List<String> problems = new ArrayList<>();
    int binds = 0;
    for (Map.Entry<String, JsonNode> e : services().entrySet()) {
      for (JsonNode v : e.getValue().path("volumes")) {
        String source =
            v.isTextual()
                ? DeployContract.withComposeDefaults(v.asText()).split(":")[0]
                : DeployContract.withComposeDefaults(v.path("source").asText());
        boolean bind =
            v.isTextual()
                ? source.startsWith(".") || source.startsWith("/") || source.startsWith("~")
                : "bind".equals(v.path("type").asText());
        if (!bind) {
          if (!named.contains(source)) {
            problems.add(
                e.getKey() + ": volume " + source + " is not declared under top-level volumes");
          }
          continue;
        }
        binds++;
        Path p = root.resolve(source).normalize();
        if (source.startsWith("/") || source.startsWith("~") || !p.startsWith(root)) {
          problems.add(e.getKey() + ": bind mount " + v.asText() + " is outside the repository");
        } else if (!Files.exists(p)) {
          problems.add(e.getKey() + ": bind mount source " + source + " does not exist in " + root);
        }
      }
    }
    assertTrue(binds > 0, "no bind mounts found (monitoring/ and datasets/ are mounted)");
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @TestFactory
  List<DynamicTest> workerServicesCanBeScaled() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    saescopeServices()
        .forEach(
            (name, s) -> {
              if (!command(s).get(0).equals("worker")) {
                return;
              }
              tests.add(
                  DynamicTest.dynamicTest(
                      name,
                      () -> {
                        List<String> problems = new ArrayList<>();
                        if (s.has("container_name")) {
                          problems.add("container_name (one container per name: --scale fails)");
                        }
                        if (s.has("hostname")) {
                          problems.add(
                              "hostname (the worker id is the host name: replicas would share it)");
                        }
                        if (!s.path("ports").isEmpty()) {
                          problems.add("published ports " + s.path("ports") + " (replicas clash)");
                        }
                        if (command(s).contains("--worker-id")
                            || s.path("environment").has("SAESCOPE_WORKER_ID")) {
                          problems.add(
                              "a fixed worker id: replicas would fence each other's transactions");
                        }
                        if (s.path("deploy").has("replicas")) {
                          problems.add("deploy.replicas (leave the count to --scale)");
                        }
                        assertTrue(problems.isEmpty(), name + ": " + String.join("; ", problems));
                      }));
            });
    assertTrue(tests.size() >= 1, "a worker service");
    return tests;
  }

  @Test
  void everyPublishedPortIsBoundToLoopback() throws IOException {
    List<String> published = new ArrayList<>();
    List<String> open = new ArrayList<>();
    services()
        .forEach(
            (name, s) -> {
              for (JsonNode port : s.path("ports")) {
                String binding = name + " " + port.asText();
                published.add(binding);
                if (!port.asText().startsWith("127.0.0.1:")) {
                  open.add(binding);
                }
              }
            });
    assertFalse(published.isEmpty(), "docker-compose.yml publishes no ports at all");
    assertTrue(open.isEmpty(), "published on every interface: " + open);
  }

  /**
   * Each role listens on the port the service exposes or publishes, on every interface (else
   * Prometheus and the host cannot reach it).
   */
  @TestFactory
  List<DynamicTest> listeningPortsAreExposedBeyondLoopback() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    saescopeServices()
        .forEach(
            (name, s) -> {
              List<String> argv = command(s);
              List<String> options = DeployContract.LISTENS.get(argv.get(0));
              if (options == null) {
                return;
              }
              tests.add(
                  DynamicTest.dynamicTest(
                      name,
                      () -> {
                        String host =
                            DeployContract.effectiveValue(argv, argv.get(0), options.get(0));
                        String port =
                            DeployContract.effectiveValue(argv, argv.get(0), options.get(1));
                        assertEquals("0.0.0.0", host, name + ": " + options.get(0));
                        List<String> reachable = DeployContract.strings(s.path("expose"));
                        for (JsonNode p : s.path("ports")) {
                          String[] parts = p.asText().split(":");
                          reachable.add(parts[parts.length - 1]);
                        }
                        assertTrue(
                            reachable.contains(port),
                            name + ": listens on " + port + " but exposes/publishes " + reachable);
                      }));
            });
    return tests;
  }

  @Test
  void theAggregatorAlwaysRunsWithItsStateAndReportsOnVolumes() throws IOException {
    JsonNode s = services().get("aggregator");
    assertTrue(s != null, "an aggregator service");
    assertTrue(
        s.path("profiles").isEmpty(),
        "aggregator starts with `docker compose up` (no profile): " + s.path("profiles"));
    List<String> argv = command(s);
    assertEquals("aggregate", argv.get(0));
    List<String> targets = new ArrayList<>();
    for (JsonNode v : s.path("volumes")) {
      targets.add(
          v.isTextual()
              ? DeployContract.withComposeDefaults(v.asText()).split(":")[1]
              : v.path("target").asText());
    }
    for (String option : List.of("--state-dir", "--out")) {
      String dir =
          DeployContract.optionValue(argv, option)
              .orElseThrow(() -> new AssertionError("aggregator: no " + option));
      assertTrue(
          targets.stream().anyMatch(t -> dir.equals(t) || dir.startsWith(t + "/")),
          "aggregator " + option + " " + dir + " is on none of its volumes " + targets);
    }
    String advertised = DeployContract.effectiveValue(argv, "aggregate", "--advertised");
    assertFalse(
        advertised == null || advertised.startsWith("0.0.0.0"),
        "aggregator --advertised must name a reachable host, not " + advertised);
  }

  /**
   * The first command to reach Kafka creates the topics: every service that may do so asks for the
   * same partition count, which bounds the worker group.
   */
  @Test
  void topicCreatorsAgreeOnThePartitionCount() throws IOException {
    Map<String, String> partitions = new TreeMap<>();
    saescopeServices()
        .forEach(
            (name, s) -> {
              List<String> argv = command(s);
              if (List.of("worker", "produce").contains(argv.get(0))) {
                partitions.put(
                    name, DeployContract.effectiveValue(argv, argv.get(0), "--partitions"));
              }
            });
    assertTrue(partitions.size() >= 2, "worker and producer services; have " + partitions);
    assertEquals(
        1, Set.copyOf(partitions.values()).size(), "--partitions per service: " + partitions);
  }

  @Test
  void everySaescopeServiceFindsKafka() throws IOException {
    saescopeServices()
        .forEach(
            (name, s) -> {
              List<String> argv = command(s);
              if (argv.get(0).startsWith("fetch-")) {
                return;
              }
              boolean env = s.path("environment").has(KafkaOptions.BOOTSTRAP_ENV);
              assertTrue(
                  env || argv.contains("--bootstrap-servers"),
                  name + ": neither " + KafkaOptions.BOOTSTRAP_ENV + " nor --bootstrap-servers");
            });
  }

  @Test
  void theGpuWorkerReservesAnNvidiaGpu() throws IOException {
    JsonNode s = services().get("worker-gpu");
    assertTrue(s != null, "a worker-gpu service");
    assertEquals(List.of("gpu"), DeployContract.strings(s.path("profiles")), "worker-gpu profiles");
    assertEquals(
        "gpu", s.path("build").path("target").asText(), "worker-gpu builds the gpu target");
    List<String> argv = command(s);
    assertEquals("cuda", DeployContract.optionValue(argv, "--device").orElse(""), "--device");
    JsonNode devices = s.path("deploy").path("resources").path("reservations").path("devices");
    assertEquals(1, devices.size(), "one device reservation: " + devices);
    JsonNode d = devices.get(0);
    assertEquals("nvidia", d.path("driver").asText(), "device driver");
    assertTrue(
        DeployContract.strings(d.path("capabilities")).contains("gpu"),
        "capabilities include gpu: " + d);
    assertTrue(d.has("count") || d.has("device_ids"), "count or device_ids: " + d);
  }

  /**
   * Build targets exist, every COPY source (outside --from) is in the build context, and the
   * context's .dockerignore keeps build outputs out but none of those sources.
   */
  @Test
  void dockerfilesCopyFilesThatExist() throws IOException {
    Path root = MonitoringContractTest.repoRoot();
    Map<Path, Set<String>> targets = new LinkedHashMap<>();
    for (JsonNode s : saescopeServices().values()) {
      JsonNode build = s.path("build");
      assertEquals(".", build.path("context").asText(), "build context: the repository root");
      Path dockerfile = root.resolve(build.path("dockerfile").asText("Dockerfile"));
      assertTrue(Files.isRegularFile(dockerfile), "no Dockerfile " + dockerfile);
      targets.computeIfAbsent(dockerfile, k -> new HashSet<>());
      if (build.has("target")) {
        targets.get(dockerfile).add(build.path("target").asText());
      }
    }
    assertFalse(targets.isEmpty(), "a service builds the saescope image");
    List<String> ignore = DockerBuild.dockerignore(root);
    for (String needed : List.of("**/target", ".git")) {
      assertTrue(
          ignore.contains(needed),
          ".dockerignore must exclude " + needed + " (build outputs, VCS data); has " + ignore);
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<Path, Set<String>> e : targets.entrySet()) {
      DockerBuild dockerfile = DockerBuild.read(e.getKey());
      for (String src : dockerfile.contextSources()) {
        if (!Files.exists(root.resolve(src))) {
          problems.add(e.getKey() + ": COPY source " + src + " does not exist");
        }
        DockerBuild.ignoredBy(src, ignore)
            .ifPresent(
                p -> problems.add(e.getKey() + ": COPY " + src + " is in .dockerignore: " + p));
      }
      for (String t : e.getValue()) {
        if (!dockerfile.stages().contains(t)) {
          problems.add(e.getKey() + ": no stage '" + t + "' (have " + dockerfile.stages() + ")");
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }
}
