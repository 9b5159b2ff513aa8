package dev.saescope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The objects of a folder of Kubernetes manifests, as {@link KubernetesManifestTest} reads them.
 */
final class KubernetesObjects {
  /** Kinds whose {@code spec.template} is a pod template. */
  private static final Set<String> WORKLOADS = Set.of("Deployment", "StatefulSet", "Job");

  private KubernetesObjects() {}

  /** One object of the manifest set and the file it came from. */
  record Manifest(Path file, JsonNode node) {
    String kind() {
      return node.path("kind").asText();
    }

    String name() {
      return node.path("metadata").path("name").asText();
    }

    @Override
    public String toString() {
      return file.getFileName() + " " + kind() + "/" + name();
    }
  }

  /** A container of a workload, with its pod template. */
  record Container(Manifest owner, JsonNode pod, JsonNode spec) {
    List<String> args() {
      return DeployContract.strings(spec.path("args"));
    }

    String where() {
      return owner + " container " + spec.path("name").asText();
    }

    Optional<JsonNode> env(String name) {
      for (JsonNode e : spec.path("env")) {
        if (e.path("name").asText().equals(name)) {
          return Optional.of(e);
        }
      }
      return Optional.empty();
    }

    /** Container ports by name (unnamed ones under their number) to their number. */
    Map<String, String> ports() {
      Map<String, String> out = new LinkedHashMap<>();
      for (JsonNode p : spec.path("ports")) {
        String number = p.path("containerPort").asText();
        out.put(p.path("name").asText(number), number);
      }
      return out;
    }

    /** Whether a Service's or selector's {@code matchLabels} picks this container's pod. */
    boolean selectedBy(JsonNode selector) {
      if (selector.isEmpty()) {
        return false;
      }
      JsonNode labels = pod.path("metadata").path("labels");
      for (Map.Entry<String, JsonNode> e : selector.properties()) {
        if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
          return false;
        }
      }
      return true;
    }
  }

  /** Every object of every {@code *.yaml} file in {@code dir}, files in name order. */
  static List<Manifest> read(Path dir) throws IOException {
    List<Manifest> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (JsonNode doc : DeployContract.yamlDocuments(f)) {
          out.add(new Manifest(f, doc));
        }
      }
    }
    return out;
  }

  /** The containers and init containers of every workload among {@code manifests}. */
  static List<Container> containers(List<Manifest> manifests) {
    List<Container> out = new ArrayList<>();
    for (Manifest m : manifests) {
      if (WORKLOADS.contains(m.kind())) {
        JsonNode pod = m.node().path("spec").path("template");
        pod.path("spec").path("containers").forEach(c -> out.add(new Container(m, pod, c)));
        pod.path("spec").path("initContainers").forEach(c -> out.add(new Container(m, pod, c)));
      }
    }
    return out;
  }
}
