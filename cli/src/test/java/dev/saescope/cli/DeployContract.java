package dev.saescope.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.device.ComputeTarget;
import dev.saescope.runtime.device.CpuFeatures;
import dev.saescope.runtime.device.DeviceChoice;
import dev.saescope.runtime.device.DtypeChoice;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What {@link ComposeContractTest} and {@link KubernetesManifestTest} check in common: a
 * container's command line against the real picocli tree of {@link Main}, image references, and
 * YAML read with anchors and merge keys resolved (docker-compose.yml uses {@code <<: *saescope};
 * Jackson's YAML parser does not resolve them, SnakeYAML's does).
 */
final class DeployContract {
  /** {@code ${NAME}}, {@code ${NAME:-default}} or {@code ${NAME-default}} in a Compose value. */
  private static final Pattern INTERPOLATION =
      Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?}");

  /**
   * The host and port options of each long-running role's HTTP endpoint, by subcommand: /metrics
   * and /health for worker and produce, the API (with /metrics) for aggregate.
   */
  static final Map<String, List<String>> LISTENS =
      Map.of(
          "worker", List.of("--metrics-host", "--metrics-port"),
          "produce", List.of("--metrics-host", "--metrics-port"),
          "aggregate", List.of("--http-host", "--http-port"));

  private DeployContract() {}

  /** Every YAML document of {@code file}, anchors and merge keys resolved. */
  static List<JsonNode> yamlDocuments(Path file) throws IOException {
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    ObjectMapper mapper = new ObjectMapper();
    List<JsonNode> docs = new ArrayList<>();
    try (Reader in = Files.newBufferedReader(file)) {
      for (Object doc : yaml.loadAll(in)) {
        if (doc != null) {
          docs.add(mapper.valueToTree(doc));
        }
      }
    } catch (RuntimeException e) { // SnakeYAML's YAMLException is unchecked
      throw new IOException(file + ": not valid YAML: " + e.getMessage(), e);
    }
    return docs;
  }

  /** The one YAML document of {@code file}. */
  static JsonNode yaml(Path file) throws IOException {
    List<JsonNode> docs = yamlDocuments(file);
    if (docs.size() != 1 || !docs.get(0).isObject()) {
      throw new IOException(
          file + ": expected one YAML mapping, got " + docs.size() + " documents");
    }
    return docs.get(0);
  }

  /** A YAML list of strings as Java strings (a missing node is an empty list). */
  static List<String> strings(JsonNode list) {
    List<String> out = new ArrayList<>();
    list.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** {@code value} with Compose's variables replaced by their defaults, as with none set. */
  static String withComposeDefaults(String value) {
    Matcher m = INTERPOLATION.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(3) == null ? "" : m.group(3)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * What is wrong with {@code argv} as a saescope command line ({@code where} names its place): the
   * first word is no subcommand, an {@code --option} is not one of that subcommand's, picocli
   * refuses the line (a value that does not convert, a required option missing), or a {@code
   * --dtype}/{@code --device} pair is one the worker would refuse at start.
   */
  static List<String> commandProblems(String where, List<String> argv) {
    List<String> problems = new ArrayList<>();
    if (argv.isEmpty()) {
      return List.of(where + ": no command (the image's entry point would only print --help)");
    }
    Map<String, CommandLine> commands = new CommandLine(new Main()).getSubcommands();
    CommandLine sub = commands.get(argv.get(0));
    if (sub == null) {
      return List.of(
          where + ": '" + argv.get(0) + "' is not a saescope command; have " + commands.keySet());
    }
    for (String word : argv.subList(1, argv.size())) {
      if (word.startsWith("--")) {
        String name = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
        if (sub.getCommandSpec().findOption(name) == null) {
          problems.add(where + ": '" + argv.get(0) + "' has no option " + name);
        }
      }
    }
    try {
      new CommandLine(new Main()).parseArgs(argv.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      problems.add(where + ": picocli refuses " + argv + ": " + e.getMessage());
    }
    problems.addAll(computeTargetProblems(where, argv));
    return problems;
  }

  /**
   * {@code --dtype} and {@code --device} must parse and resolve as the worker resolves them at
   * start: here as on a machine with GPUs, without an engine.
   */
  private static List<String> computeTargetProblems(String where, List<String> argv) {
    Optional<String> dtype = optionValue(argv, "--dtype");
    Optional<String> device = optionValue(argv, "--device");
    if (dtype.isEmpty() && device.isEmpty()) {
      return List.of();
    }
    try {
      Device resolved = DeviceChoice.parse(device.orElse("cpu")).resolve(8);
      new ComputeTarget(
          DtypeChoice.parse(dtype.orElse("fp32")).resolve(resolved, CpuFeatures.detect()),
          resolved);
      return List.of();
    } catch (IllegalArgumentException e) {
      return List.of(where + ": the worker would refuse to start: " + e.getMessage());
    }
  }

  /** The value of {@code option} in {@code argv} ({@code --x v} or {@code --x=v}), if given. */
  static Optional<String> optionValue(List<String> argv, String option) {
    for (int i = 0; i < argv.size(); i++) {
      String w = argv.get(i);
      if (w.equals(option) && i + 1 < argv.size()) {
        return Optional.of(argv.get(i + 1));
      }
      if (w.startsWith(option + "=")) {
        return Optional.of(w.substring(option.length() + 1));
      }
    }
    return Optional.empty();
  }

  /**
   * The value {@code option} of subcommand {@code command} takes in {@code argv}, or its default.
   */
  static String effectiveValue(List<String> argv, String command, String option) {
    return optionValue(argv, option)
        .orElseGet(
            () -> {
              OptionSpec spec =
                  new CommandLine(new Main())
                      .getSubcommands()
                      .get(command)
                      .getCommandSpec()
                      .findOption(option);
              if (spec == null) {
                throw new AssertionError("'" + command + "' has no option " + option);
              }
              return spec.defaultValue();
            });
  }

  /** Why {@code image} is not pinned to an explicit tag or digest, if it is not. */
  static Optional<String> imageProblem(String image) {
    if (image.contains("@sha256:")) {
      return Optional.empty();
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon < slash + 1) {
      return Optional.of("image " + image + " has no tag (it would mean :latest)");
    }
    if (image.substring(colon + 1).equals("latest")) {
      return Optional.of("image " + image + " is :latest; pin a version");
    }
    return Optional.empty();
  }
}
