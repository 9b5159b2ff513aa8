package dev.saescope.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The demo's workers, each a {@code saescope worker} child process of this JVM (same Java, class
 * path and JVM options) writing everything it prints, native libraries' warnings included, to its
 * own log file. They stop with this process even when it is killed ({@code --stop-with-parent}).
 */
final class WorkerProcesses implements AutoCloseable {
  /** One running worker. */
  record Child(String id, Process process, Path log, int metricsPort) {}

  /**
   * How long a worker may take to finish its batch in flight when the demo stops (its {@code
   * --shutdown-timeout}); an unfinished batch is simply not committed.
   */
  static final int SHUTDOWN_SECONDS = 15;

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final List<Child> children;

  /** Per worker, the largest token count it has reported: a counter only grows. */
  private final long[] lastTokens;

  private WorkerProcesses(List<Child> children, int count) {
    this.children = children;
    this.lastTokens = new long[count];
  }

  /**
   * Starts the workers.
   *
   * @param workerArgs the {@code worker} options every worker gets
   * @param metricsPorts one /metrics port per worker
   * @param logs folder of {@code worker-N.log}
   * @throws IOException when a process cannot be started; those already started are stopped
   */
  static WorkerProcesses start(List<String> workerArgs, List<Integer> metricsPorts, Path logs)
      throws IOException {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / metricsPorts.size());
    List<Child> children = new ArrayList<>();
    WorkerProcesses started = new WorkerProcesses(children, metricsPorts.size());
    try {
      for (int w = 0; w < metricsPorts.size(); w++) {
        String id = "demo-" + (w + 1);
        Path log = logs.resolve("worker-" + (w + 1) + ".log");
        List<String> cmd = new ArrayList<>(javaCommand(threads));
        cmd.addAll(List.of("worker", "--stop-with-parent", "--worker-id", id));
        cmd.addAll(List.of("--shutdown-timeout", String.valueOf(SHUTDOWN_SECONDS)));
        cmd.addAll(List.of("--metrics-port", String.valueOf(metricsPorts.get(w))));
        cmd.addAll(workerArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        children.add(new Child(id, pb.start(), log, metricsPorts.get(w)));
      }
    } catch (IOException e) {
      started.close();
      throw e;
    }
    return started;
  }

  /**
   * This JVM's java, its options (heap, native access, system properties) and class path, then
   * saescope's main class; PyTorch gets an equal share of the cores.
   */
  private static List<String> javaCommand(int threads) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) {
        cmd.add(arg); // a debugger's or profiler's agent would clash on its port
      }
    }
    cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    return cmd;
  }

  List<Child> children() {
    return children;
  }

  /** The first worker that has exited, if any. */
  Optional<Child> exited() {
    return children.stream().filter(c -> !c.process().isAlive()).findFirst();
  }

  /** Workers whose /health says the model is loaded. */
  int ready() {
    int n = 0;
    for (Child c : children) {
      n +=
          get(c.metricsPort(), "/health").filter(h -> !h.contains("\"loading\"")).isPresent()
              ? 1
              : 0;
    }
    return n;
  }

  /**
   * Tokens the workers have computed so far, from their {@code /metrics}; a worker that does not
   * answer (still loading, busy past the scrape timeout, or gone) counts what it said last.
   */
  long tokens() {
    long sum = 0;
    for (int i = 0; i < children.size(); i++) {
      long now = (long) sample(children.get(i).metricsPort(), "saescope_worker_tokens_total");
      lastTokens[i] = Math.max(lastTokens[i], now);
      sum += lastTokens[i];
    }
    return sum;
  }

  /**
   * The workers' mean in-process rate: each one's tokens over the seconds its forward passes, lens
   * and SAEs took (its compute timer), without Kafka, waiting or the other workers' share of time.
   * NaN before any worker has computed a batch.
   */
  double inProcessTokensPerSecond() {
    double sum = 0;
    int n = 0;
    for (Child c : children) {
      double seconds = sample(c.metricsPort(), "saescope_worker_compute_latency_seconds_sum");
      if (seconds > 0) {
        sum += sample(c.metricsPort(), "saescope_worker_tokens_total") / seconds;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /** The sum of a meter's series in a worker's /metrics; 0 when it does not answer. */
  private static double sample(int port, String name) {
    String body = get(port, "/metrics").orElse("");
    try {
      return body.lines()
          .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
          .sum();
    } catch (NumberFormatException e) {
      return 0; // not a Prometheus text line: counted as not answering
    }
  }

  /** The body of a 200 answer from a worker's metrics server, if it gives one. */
  private static Optional<String> get(int port, String path) {
    HttpRequest get =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(2))
            .build();
    try {
      HttpResponse<String> r = HTTP.send(get, HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The last lines of a worker's log, to show why it stopped. */
  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(" + log + " unreadable: " + e.getMessage() + ")";
    }
  }

  /**
   * Asks every worker to stop (SIGTERM: the batch in flight is finished and committed if it can be
   * within {@link #SHUTDOWN_SECONDS}), waits a little longer for each, then kills what is left.
   */
  @Override
  public void close() {
    children.forEach(c -> c.process().destroy());
    for (Child c : children) {
      try {
        if (!c.process().waitFor(SHUTDOWN_SECONDS + 15, TimeUnit.SECONDS)) {
          c.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        c.process().destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
