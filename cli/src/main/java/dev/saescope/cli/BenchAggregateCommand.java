package dev.saescope.cli;

import dev.saescope.aggregator.bench.AggregatorBench;
import dev.saescope.aggregator.bench.BenchFigures;
import dev.saescope.aggregator.bench.BenchShape;
import dev.saescope.aggregator.bench.SummaryLatencyBench;
import dev.saescope.broker.EmbeddedBroker;
import dev.saescope.common.kafka.KafkaSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code saescope bench aggregate}: results/s and MB/s one aggregator instance sustains on
 * pre-loaded synthetic results of the worker's shapes, through an embedded broker, against the pure
 * reduction of the same results in-process; at a base size and with items, layers and latents each
 * scaled, so the cost per result and the state's growth with each are visible.
 */
@Command(
    name = "aggregate",
    mixinStandardHelpOptions = true,
    description = {
      "Results/s and MB/s of one aggregator instance (one stream thread, exactly-once) on results",
      "pre-loaded into an embedded broker, against the in-process reduction of the same results;",
      "a warm-up at the base size (not to be compared), the base size, then items, layers and",
      "latents (d_sae and k) each times every --scales value.",
      "With --summary-latency instead: p50/p99 of GET /api/runs/{id}/summary on a run of",
      "--summary-items items while the results of --summary-stream-items more stream in."
    })
public final class BenchAggregateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--items",
      defaultValue = "40",
      description = "Base items, 3 tasks each (default: ${DEFAULT-VALUE}).")
  int items;

  @Option(
      names = "--layers",
      defaultValue = "4",
      description = "Base layers per task, one result each (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--sae-layers",
      description =
          "Of those, layers with an SAE, evenly spaced (default: all; the demo's worker runs 3 of"
              + " 18).")
  Integer saeLayers;

  @Option(
      names = "--d-model",
      defaultValue = "2304",
      description = "Dense row width (default: ${DEFAULT-VALUE}, gemma-2-2b).")
  int dModel;

  @Option(
      names = "--d-sae",
      defaultValue = "16384",
      description = "Base latents per SAE (default: ${DEFAULT-VALUE}, Gemma Scope 16k).")
  int dSae;

  @Option(
      names = "--k",
      defaultValue = "64",
      description = "Base active latents per position (default: ${DEFAULT-VALUE}).")
  int k;

  @Option(
      names = "--positions",
      defaultValue = "16",
      description = "Prompt positions per task (default: ${DEFAULT-VALUE}).")
  int positions;

  @Option(
      names = "--scales",
      split = ",",
      defaultValue = "2,4",
      description =
          "Factors each of items, layers and latents is scaled by in turn (default: ${DEFAULT-VALUE}).")
  List<Integer> scales;

  @Option(
      names = "--timeout-s",
      defaultValue = "300",
      description = "Longest wait for one size (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(
      names = "--cache-mb",
      defaultValue = "128",
      description =
          "The aggregator's record cache in MB, as aggregate --cache-mb; 0 turns it off"
              + " (default: ${DEFAULT-VALUE}).")
  long cacheMb;

  @Option(
      names = "--commit-interval-ms",
      defaultValue = "1000",
      description =
          "The aggregator's commit interval, as aggregate --commit-interval-ms (default:"
              + " ${DEFAULT-VALUE}).")
  long commitIntervalMs;

  @Option(names = "--json", description = "Print one JSON object per size instead of the table.")
  boolean json;

  @Option(
      names = "--summary-latency",
      description =
          "Measure the API's summary latency instead of throughput (results of the small"
              + " SUMMARY_SHAPE; the --items, --layers, ... options do not apply).")
  boolean summaryLatency;

  @Option(
      names = "--summary-items",
      defaultValue = "10000",
      description = "Items in the run before the requests begin (default: ${DEFAULT-VALUE}).")
  int summaryItems;

  @Option(
      names = "--summary-stream-items",
      defaultValue = "1000",
      description = "Items whose results stream in while they run (default: ${DEFAULT-VALUE}).")
  int summaryStreamItems;

  /**
   * Results of the summary bench: the summary reads counts, not vectors, and small results let
   * 10,000 items load in about a minute on 2 cores.
   */
  static final BenchShape SUMMARY_SHAPE = new BenchShape(1, 2, 2, 32, 256, 8, 8);

  @Override
  public Integer call() throws Exception {
    if (summaryLatency) {
      return summary();
    }
    Map<String, BenchShape> sizes = sizes();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = Files.createTempDirectory("saescope-bench-aggregate-");
    List<BenchFigures> figures = new ArrayList<>();
    try (EmbeddedBroker broker =
        EmbeddedBroker.start(EmbeddedBroker.Config.at(dir.resolve("kafka")).withPort(0))) {
      AggregatorBench bench =
          new AggregatorBench(
              KafkaSettings.forBootstrap(broker.bootstrapServers()),
              dir.resolve("state"),
              Duration.ofSeconds(timeoutSeconds),
              cacheMb << 20,
              Duration.ofMillis(commitIntervalMs));
      for (Map.Entry<String, BenchShape> e : sizes.entrySet()) {
        err.printf("bench aggregate: %s %s%n", e.getKey(), e.getValue());
        err.flush();
        BenchFigures f = bench.measure(e.getKey(), e.getValue());
        figures.add(f);
        if (json) {
          out.println(json(e.getKey(), f));
          out.flush();
        }
      }
    } finally {
      deleteTree(dir); // the broker's log and each size's stores: hundreds of MB at the defaults
    }
    if (!json) {
      table(out, new ArrayList<>(sizes.keySet()), figures);
    }
    return 0;
  }

  /** The summary latency bench: its figures as one line of JSON or a few lines of text. */
  private int summary() throws Exception {
    if (summaryItems < 1 || summaryStreamItems < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--summary-items and --summary-stream-items must be at least 1, got "
              + summaryItems
              + " and "
              + summaryStreamItems);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = Files.createTempDirectory("saescope-bench-summary-");
    String loadBefore = loadAverage();
    SummaryLatencyBench.Figures f;
    try (EmbeddedBroker broker =
        EmbeddedBroker.start(EmbeddedBroker.Config.at(dir.resolve("kafka")).withPort(0))) {
      err.printf(
          "bench aggregate: summary latency, %d items loaded, %d streamed, %s%n",
          summaryItems, summaryStreamItems, SUMMARY_SHAPE);
      err.flush();
      f =
          new SummaryLatencyBench(
                  KafkaSettings.forBootstrap(broker.bootstrapServers()),
                  dir.resolve("state"),
                  Duration.ofSeconds(timeoutSeconds))
              .measure(SUMMARY_SHAPE, summaryItems, summaryStreamItems);
    } finally {
      deleteTree(dir);
    }
    String loadAfter = loadAverage();
    if (json) {
      out.println(summaryJson(f, loadBefore, loadAfter));
    } else {
      out.printf(
          Locale.ROOT,
          "GET /api/runs/{id}/summary, %d items loaded + %d streaming (tasks done %d -> %d):%n"
              + "%d requests, p50 %.2f ms, p99 %.2f ms, max %.2f ms; %d cores, load average %s"
              + " before, %s after%n",
          f.loadedItems(),
          f.streamedItems(),
          f.tasksAtStart(),
          f.tasksAtEnd(),
          f.requests(),
          f.quantileMs(0.5),
          f.quantileMs(0.99),
          f.maxMs(),
          f.cpuCores(),
          loadBefore,
          loadAfter);
    }
    out.flush();
    return 0;
  }

  static String summaryJson(SummaryLatencyBench.Figures f, String loadBefore, String loadAfter) {
    return String.format(
        Locale.ROOT,
        "{\"bench\":\"summary-latency\",\"items_loaded\":%d,\"items_streamed\":%d,"
            + "\"tasks_at_start\":%d,\"tasks_at_end\":%d,\"requests\":%d,\"p50_ms\":%.3f,"
            + "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"cores\":%d,\"load_before\":\"%s\","
            + "\"load_after\":\"%s\"}",
        f.loadedItems(),
        f.streamedItems(),
        f.tasksAtStart(),
        f.tasksAtEnd(),
        f.requests(),
        f.quantileMs(0.5),
        f.quantileMs(0.99),
        f.maxMs(),
        f.cpuCores(),
        loadBefore,
        loadAfter);
  }

  /** The 1, 5 and 15 minute load averages (Linux), or "?" elsewhere: what else ran matters. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "?";
    }
  }

  /** The base size, then each dimension times each scale, in a stable order. */
  Map<String, BenchShape> sizes() {
    BenchShape base;
    try {
      int withSae = saeLayers == null ? layers : saeLayers;
      base = new BenchShape(items, layers, withSae, dModel, dSae, k, positions);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (timeoutSeconds < 1) {
      throw new ParameterException(
          spec.commandLine(), "--timeout-s must be at least 1, got " + timeoutSeconds);
    }
    if (cacheMb < 0) {
      throw new ParameterException(
          spec.commandLine(), "--cache-mb must be at least 0 (0: no cache), got " + cacheMb);
    }
    if (commitIntervalMs < 1) {
      throw new ParameterException(
          spec.commandLine(), "--commit-interval-ms must be at least 1, got " + commitIntervalMs);
    }
    Map<String, BenchShape> out = new LinkedHashMap<>();
    // The first size in a JVM pays for JIT compilation and the broker's first topics: measured at
    // the base size and reported as "warmup", not to be compared.
    out.put("warmup", base);
    out.put("base", base);
    for (int s : scales) {
      if (s < 2) {
        throw new ParameterException(
            spec.commandLine(), "--scales values must be at least 2, got " + s);
      }
      for (String dimension : List.of("items", "layers", "latents")) {
        out.put(dimension + "-x" + s, base.scaled(dimension, s));
      }
    }
    return out;
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void table(PrintWriter out, List<String> labels, List<BenchFigures> figures) {
    out.printf(
        "%-12s %6s %6s %6s %5s %8s %9s %9s %8s %10s %9s %7s %9s %9s%n",
        "size",
        "items",
        "layers",
        "d_sae",
        "k",
        "results",
        "KB/result",
        "results/s",
        "MB/s",
        "observe/s",
        "us/result",
        "ratio",
        "entries",
        "state MB");
    for (int i = 0; i < figures.size(); i++) {
      BenchFigures f = figures.get(i);
      BenchShape s = f.shape();
      out.printf(
          Locale.ROOT,
          "%-12s %6d %6d %6d %5d %8d %9.1f %9.0f %8.1f %10.0f %9.0f %7.3f %9d %9.2f%n",
          labels.get(i),
          s.items(),
          s.layers(),
          s.dSae(),
          s.k(),
          f.results(),
          f.bytesPerResult() / 1e3,
          f.streamResultsPerSecond(),
          f.streamMegabytesPerSecond(),
          f.observeResultsPerSecond(),
          f.streamMicrosPerResult(),
          f.ratio(),
          f.stateEntries(),
          f.stateBytes() / 1e6);
    }
    out.printf(
        "one instance, one stream thread, %d cores visible; ratio = through-broker results/s over"
            + " in-process reduction results/s%n",
        figures.isEmpty() ? 0 : figures.get(0).cpuCores());
    out.flush();
  }

  static String json(String label, BenchFigures f) {
    BenchShape s = f.shape();
    return String.format(
        Locale.ROOT,
        "{\"bench\":\"aggregate\",\"size\":\"%s\",\"items\":%d,\"tasks\":%d,\"layers\":%d,"
            + "\"sae_layers\":%d,\"d_model\":%d,\"d_sae\":%d,\"k\":%d,\"positions\":%d,\"results\":%d,"
            + "\"result_bytes\":%d,\"stream_ms\":%d,\"stream_results_per_s\":%.1f,"
            + "\"stream_mb_per_s\":%.2f,\"observe_ns_per_result\":%.0f,"
            + "\"observe_results_per_s\":%.1f,\"ratio\":%.4f,\"state_entries\":%d,"
            + "\"state_bytes\":%d,\"cores\":%d}",
        label,
        s.items(),
        s.tasks(),
        s.layers(),
        s.saeLayers(),
        s.dModel(),
        s.dSae(),
        s.k(),
        s.positions(),
        f.results(),
        f.resultBytes(),
        f.streamMs(),
        f.streamResultsPerSecond(),
        f.streamMegabytesPerSecond(),
        f.observeNsPerResult(),
        f.observeResultsPerSecond(),
        f.ratio(),
        f.stateEntries(),
        f.stateBytes(),
        f.cpuCores());
  }
}
