package dev.saescope.aggregator.cli;

import dev.saescope.aggregator.Aggregator;
import dev.saescope.aggregator.service.AggregatorConfig;
import dev.saescope.common.kafka.KafkaConfigException;
import dev.saescope.common.kafka.KafkaOptions;
import dev.saescope.common.kafka.KafkaSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code saescope aggregate}: one aggregator instance (Kafka Streams), its API and report files.
 */
@Command(
    name = "aggregate",
    mixinStandardHelpOptions = true,
    description = {
      "Run one aggregator instance: consumes results and latent-info (read committed) and the run"
          + " announcements, and keeps every run's statistics (EXPERIMENTS.md) up to date as results"
          + " stream in. State lives in Kafka Streams stores with changelog topics: kill it and"
          + " start it again, or start more instances (same --topic-prefix) to share the partitions.",
      "Serves GET /api/runs, /api/runs/{id}/summary, /api/runs/{id}/report, /metrics and /health.",
      ""
    },
    footer = {
      "",
      "Exit codes: 0 stopped on request (SIGTERM/Ctrl-C); 1 bad options or an unusable --out or"
          + " --state-dir; 3 Kafka unreachable or a fatal stream error.",
      "",
      "Example: ./saescope aggregate --out runs --http-port 8080"
    })
public final class AggregateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka = new KafkaOptions();

  @Option(
      names = "--out",
      paramLabel = "DIR",
      description =
          "Write each run's report.json, CSVs and plots to DIR/<run id>/ when the run completes.")
  Path out;

  @Option(
      names = "--http-host",
      defaultValue = "127.0.0.1",
      description = "Address the API listens on (default ${DEFAULT-VALUE}; 0.0.0.0 to expose it).")
  String httpHost;

  @Option(
      names = "--http-port",
      defaultValue = "9402",
      description = "API port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int httpPort;

  @Option(
      names = "--advertised",
      paramLabel = "HOST:PORT",
      description =
          "Where other instances reach this one's API (default: --http-host:--http-port).")
  String advertised;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "Local store folder (default: $SAESCOPE_HOME/aggregator/<prefix>; restored from Kafka when lost).")
  Path stateDir;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Stream threads (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--cache-mb",
      defaultValue = "128",
      description =
          "Kafka Streams record cache in MB, shared by the stream threads: latent cards rewritten"
              + " between two commits stay in memory and reach RocksDB and the changelog once per"
              + " commit. Size it to the run's cards (under 1 KB per latent and SAE); 0 turns it off"
              + " (default ${DEFAULT-VALUE}).")
  long cacheMb;

  @Option(
      names = "--commit-interval-ms",
      defaultValue = "1000",
      description =
          "How often state and outputs commit, one transaction each. Each commit writes every card"
              + " rewritten since the last, so longer intervals cost less when many cards are hot;"
              + " a task reaches the summary within about two intervals (default"
              + " ${DEFAULT-VALUE}).")
  long commitIntervalMs;

  @Option(
      names = "--task-idle-ms",
      defaultValue = "2000",
      description =
          "Results of workers before schema v3 do not say their task's size: such a task counts as"
              + " complete after this long without a new result part (default ${DEFAULT-VALUE}).")
  long taskIdleMs;

  private final CountDownLatch stop = new CountDownLatch(1);
  private volatile Aggregator running;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (httpPort < 0 || httpPort > 65535) {
      err.println("error: --http-port must be in 0..65535, got " + httpPort);
      return 1;
    }
    KafkaSettings settings;
    AggregatorConfig config;
    try {
      settings = kafka.resolve();
      Path state =
          stateDir != null
              ? stateDir
              : saescopeHome().resolve("aggregator").resolve(settings.topics().prefix() + "state");
      config =
          new AggregatorConfig(
              settings,
              state,
              advertised != null ? advertised : httpHost + ":" + httpPort,
              Duration.ofMillis(taskIdleMs),
              threads,
              cacheMb << 20,
              Duration.ofMillis(commitIntervalMs));
    } catch (KafkaConfigException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    Thread hook = new Thread(this::stop, "aggregator-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try (Aggregator a = Aggregator.start(config, httpHost, httpPort, out)) {
      running = a;
      err.println(
          "aggregator: API on http://"
              + httpHost
              + ":"
              + a.httpPort()
              + "/api/runs"
              + (out == null ? "" : "; reports in " + out.toAbsolutePath()));
      err.flush();
      a.awaitStopOr(stop);
      return a.failed() ? 3 : 0;
    } catch (IllegalStateException e) {
      err.println("error: " + e.getMessage());
      return 3;
    } finally {
      running = null;
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down
      }
    }
  }

  /**
   * {@code $SAESCOPE_HOME}, default {@code ~/.cache/saescope}: the rule of the runtime's
   * SaescopeHome, which this module does not depend on.
   */
  private static Path saescopeHome() {
    String home = System.getenv("SAESCOPE_HOME");
    return home != null && !home.isBlank()
        ? Path.of(home)
        : Path.of(System.getProperty("user.home"), ".cache", "saescope");
  }

  /** Stops an aggregator started in-process (demo, tests); {@link #call()} then returns 0. */
  public void stop() {
    stop.countDown();
  }

  /** The API port once started (port 0 picks one), or -1. */
  public int httpPort() {
    Aggregator a = running;
    return a == null ? -1 : a.httpPort();
  }
}
