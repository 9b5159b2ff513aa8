package dev.saescope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.aggregator.Aggregator;
import dev.saescope.aggregator.report.Headlines;
import dev.saescope.aggregator.report.RunReport;
import dev.saescope.aggregator.service.AggregatorConfig;
import dev.saescope.aggregator.service.RunFolders;
import dev.saescope.broker.BrokerStartException;
import dev.saescope.broker.EmbeddedBroker;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.lab.cli.FetchModelCommand;
import dev.saescope.lab.cli.FetchSaeCommand;
import dev.saescope.producer.cli.ProduceCommand;
import dev.saescope.schemas.RunAnnouncement;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code saescope demo}: the whole system on one machine. Provisions the offline model and SAEs,
 * starts an embedded Kafka broker, an aggregator (API and dashboard) in this process and workers as
 * child processes, streams the knowledge-neurons facts through them, prints each experiment's
 * headline with its CI and keeps the dashboard up until Ctrl-C.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline on this machine and print each experiment's headline result.",
      "Embedded Kafka broker, aggregator with its dashboard, producer and workers on the offline"
          + " Gemma 3 270M and saescope's SAEs (both provisioned on first use).",
      ""
    },
    footer = {
      "",
      "Exit codes: 0 done (or stopped with Ctrl-C while serving); 1 bad options; 2 provisioning"
          + " failed; 3 the broker, the aggregator or a worker failed; 4 timed out.",
      "",
      "Examples:",
      "  ./saescope demo",
      "  ./saescope demo --items 300 --no-serve",
      "  ./saescope demo --relations P36,P103 --items 20 --workers 1"
    })
public final class DemoCommand implements Callable<Integer> {
  /** Relations of the bundled knowledge-neurons facts: the default spreads items over them. */
  static final int KNOWLEDGE_NEURONS_RELATIONS = 34;

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--dataset",
      defaultValue = "knowledge-neurons",
      description = "knowledge-neurons, pararel or jsonl (default: ${DEFAULT-VALUE}).")
  String dataset;

  @Option(
      names = "--data",
      paramLabel = "PATH",
      description =
          "Dataset folder or file (default: the repository's datasets/knowledge-neurons, which the"
              + " ./saescope script passes as -Dsaescope.datasets).")
  Path data;

  @Option(
      names = "--relations",
      paramLabel = "LIST",
      description = "Only these relations, e.g. P36,P103 (default: all).")
  String relations;

  @Option(
      names = "--items",
      paramLabel = "N",
      defaultValue = "34",
      description =
          "Items (facts) to stream, spread evenly over the relations (default: ${DEFAULT-VALUE},"
              + " one per relation: about 300 tasks).")
  int items;

  @Option(
      names = "--workers",
      paramLabel = "N",
      defaultValue = "2",
      description = "Worker processes (default: ${DEFAULT-VALUE}); they share the cores.")
  int workers;

  @Option(
      names = "--model",
      paramLabel = "NAME|DIR",
      defaultValue = "gemma-3-270m",
      description = "The workers' model, as the worker's --model (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--layers",
      paramLabel = "LIST",
      defaultValue = "all",
      description = "Layers the workers report (default: ${DEFAULT-VALUE}).")
  String layers;

  @Option(
      names = "--sae",
      paramLabel = "SPEC",
      description =
          "SAEs to attach (repeatable; see worker --help). Default: saescope's own, from fetch-sae.")
  List<String> saes = new ArrayList<>();

  @Option(names = "--no-sae", description = "Run without SAEs (no latents; skips fetch-sae).")
  boolean noSae;

  @Option(
      names = "--dtype",
      paramLabel = "fp32|bf16|fp16|auto",
      defaultValue = "${env:SAESCOPE_DTYPE:-fp32}",
      description = "Precision of the workers' model and SAEs (as the worker's --dtype).")
  String dtype;

  @Option(
      names = "--device",
      paramLabel = "cpu|cuda[:N]|auto",
      defaultValue = "${env:SAESCOPE_DEVICE:-cpu}",
      description = "Device of the workers' model and SAEs (as the worker's --device).")
  String device;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed of the item sample and of the statistics (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--run-id",
      paramLabel = "ID",
      description = "The run's id (default: demo-<UTC time>).")
  String runId;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "runs",
      description = "Reports and logs go to DIR/<run id>/ (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--http-port",
      paramLabel = "P",
      defaultValue = "9402",
      description =
          "Port of the aggregator's API and dashboard; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--metrics-port",
      paramLabel = "P",
      defaultValue = "9401",
      description =
          "First worker's /metrics port, the next ones 10 apart (9401, 9411, ...); 0 picks free"
              + " ports (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(names = "--no-serve", description = "Exit after the results instead of serving them.")
  boolean noServe;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "3600",
      description = "Give up on the stream after this long (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Optional<String> bad = badOption();
    if (bad.isPresent()) {
      err.println("demo: " + bad.get());
      return 1;
    }
    Path dataPath = data != null ? data : defaultData();
    if (!Files.exists(dataPath)) {
      err.println("demo: no dataset at " + dataPath + "; give one with --data");
      return 1;
    }
    String run =
        runId != null
            ? runId
            : "demo-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                    .format(ZonedDateTime.now(ZoneOffset.UTC));
    Path runDir = out.resolve(run);
    Path logs = Files.createDirectories(runDir.resolve("logs"));
    plan(err, dataPath, runDir);
    DemoLogs.toFile(logs.resolve("demo.log"));
    DemoClock clock = new DemoClock();
    int provisioned = provision(err);
    if (provisioned != 0) {
      return provisioned;
    }
    clock.lap("provisioning");
    try (DemoResources resources = DemoResources.closedOnExit()) {
      return pipeline(err, resources, clock, run, dataPath, logs);
    } catch (BrokerStartException e) {
      err.println("demo: " + e.getMessage());
      return 3;
    }
  }

  private Optional<String> badOption() {
    if (items <= 0 || workers <= 0) {
      return Optional.of("--items and --workers must be positive");
    }
    if (httpPort < 0 || httpPort > 65535 || metricsPort < 0 || metricsPort > 65535) {
      return Optional.of("--http-port and --metrics-port must be in 0..65535");
    }
    if (metricsPort > 0 && metricsPort + 10 * (workers - 1) > 65535) {
      return Optional.of(
          "--metrics-port " + metricsPort + " leaves no port for " + workers + " workers");
    }
    if (runId != null && !RunFolders.RUN_ID.matcher(runId).matches()) {
      return Optional.of("--run-id '" + runId + "': use letters, digits and . _ : - (at most 200)");
    }
    if (timeoutSeconds <= 0) {
      return Optional.of("--timeout must be positive");
    }
    return Optional.empty();
  }

  private static Path defaultData() {
    String datasets = System.getProperty("saescope.datasets", "datasets");
    return Path.of(datasets, "knowledge-neurons");
  }

  /** What the demo is about to do, before it does it. */
  private void plan(PrintWriter err, Path dataPath, Path runDir) {
    err.println(
        "saescope demo: the whole system on this machine, answering the study's questions.");
    String provision =
        (model.equals("gemma-3-270m") ? model + " (first run: ~1 min from PyPI and npm)" : model)
            + (noSae || !saes.isEmpty()
                ? ""
                : "; saescope's SAEs (first run: ~20 min of training, once; --no-sae skips)");
    err.println("  1. provision  " + provision);
    err.println(
        "  2. start      embedded Kafka broker, aggregator with dashboard, "
            + workers
            + " worker process(es) (model load: ~15 s alone, ~50 s for two on 2 cores)");
    err.println(
        "  3. stream     "
            + items
            + " items of "
            + dataset
            + " ("
            + dataPath
            + ")"
            + (relations == null ? " over all relations" : " of " + relations)
            + ", ~9 tasks each; a progress line shows the rate and the time left");
    err.println("  4. analyse    bootstrap CIs and permutation tests (seconds)");
    err.println(
        "  5. results    the headline of each experiment; report and logs in "
            + runDir
            + (noServe ? "" : "; the dashboard stays up until Ctrl-C"));
    err.flush();
  }

  /** The model and, unless given or declined, saescope's SAEs for it; 0 or the exit code. */
  private int provision(PrintWriter err) throws IOException {
    if (model.equals("gemma-3-270m")) {
      err.println("[1/5] provisioning " + model);
      err.flush();
      int fetched = new CommandLine(new FetchModelCommand()).setOut(err).setErr(err).execute(model);
      if (fetched != 0) {
        err.println("demo: could not provision " + model + " (see above)");
        return 2;
      }
    }
    if (saes.isEmpty() && !noSae) {
      err.println("[1/5] provisioning saescope's SAEs for " + model + " (reused when present)");
      err.flush();
      StringWriter json = new StringWriter();
      int provisioned =
          new CommandLine(new FetchSaeCommand())
              .setOut(new PrintWriter(json))
              .setErr(err)
              .execute(model, "--json");
      if (provisioned != 0) {
        err.println("demo: could not provision the SAEs (see above); --no-sae runs without them");
        return 2;
      }
      for (JsonNode sae : new ObjectMapper().readTree(json.toString())) {
        saes.add(sae.path("path").asText());
      }
    }
    return 0;
  }

  private int pipeline(
      PrintWriter err,
      DemoResources resources,
      DemoClock clock,
      String run,
      Path dataPath,
      Path logs)
      throws Exception {
    Path work = resources.tempFolder("saescope-demo-");
    err.println("[2/5] starting the broker, the aggregator and " + workers + " worker(s)");
    err.flush();
    EmbeddedBroker broker =
        resources.add(
            EmbeddedBroker.start(EmbeddedBroker.Config.at(work.resolve("kafka")).withPort(0)));
    KafkaSettings kafka = KafkaSettings.forBootstrap(broker.bootstrapServers());
    Aggregator aggregator;
    try {
      aggregator =
          resources.add(
              Aggregator.start(
                  new AggregatorConfig(
                      kafka,
                      work.resolve("aggregator"),
                      "127.0.0.1:" + httpPort,
                      Duration.ofSeconds(2),
                      1),
                  "127.0.0.1",
                  httpPort,
                  out));
    } catch (IllegalStateException e) {
      err.println("demo: the aggregator did not start: " + e.getMessage());
      return 3;
    }
    WorkerProcesses running =
        resources.add(WorkerProcesses.start(workerArgs(kafka), metricsPorts(), logs));
    int produced = produce(err, run, dataPath, kafka);
    if (produced != 0) {
      return produced;
    }
    Optional<RunAnnouncement> announced = awaitAnnouncement(aggregator, run);
    if (announced.isEmpty()) {
      err.println("demo: the aggregator has not seen the run's announcement; see " + logs);
      return 3;
    }
    long expected = announced.get().tasks();
    if (!awaitWorkers(err, running, resources, clock)) {
      return 3;
    }
    err.println("[3/5] streaming " + expected + " tasks of run " + run);
    err.flush();
    int streamed = stream(err, aggregator, running, resources, run, expected);
    if (streamed == 4 && aggregator.tasksDone(run) > 0) {
      // Nothing analysed is lost on a timeout: the report of what came in is written.
      RunReport partial = aggregator.report(run);
      err.println(
          "demo: the report of the "
              + partial.tasks()
              + " tasks analysed so far ("
              + partial.items()
              + " items) is in "
              + aggregator.reportFolder(run).map(Path::toString).orElse("(not written)"));
    }
    if (streamed != 0) {
      return streamed;
    }
    clock.lap("streaming");
    err.println("[4/5] analysing");
    err.flush();
    RunReport report = aggregator.report(run);
    clock.lap("analysis");
    PrintWriter stdout = spec.commandLine().getOut();
    err.println(
        "[5/5] results ("
            + report.items()
            + " items, "
            + report.tasks()
            + " tasks, 95% bootstrap CIs over items)");
    err.flush();
    Headlines.print(stdout, Headlines.of(report));
    Path folder = aggregator.reportFolder(run).orElseThrow();
    stdout.println();
    stdout.println(
        "report:    " + folder.resolve("report.html") + " (and report.json, CSVs, plots)");
    stdout.println("logs:      " + logs);
    stdout.println(
        "timings:   "
            + clock.summary()
            + "; "
            + String.format(
                Locale.ROOT,
                "%.1f tokens/s end to end, %.1f tokens/s per worker in-process (compute time only)",
                running.tokens() / clock.seconds("streaming"),
                running.inProcessTokensPerSecond()));
    if (noServe) {
      stdout.flush();
      return 0;
    }
    stdout.println(
        "dashboard: http://127.0.0.1:" + aggregator.httpPort() + "/  (Ctrl-C stops everything)");
    stdout.flush();
    new CountDownLatch(1).await(); // until Ctrl-C: the shutdown hook closes everything
    return 0;
  }

  private List<String> workerArgs(KafkaSettings kafka) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--model", model,
                "--dtype", dtype,
                "--device", device,
                "--layers", layers,
                "--bootstrap-servers", kafka.bootstrapServers(),
                // The broker is this process's own: a slow answer means a busy machine, not a typo.
                "--broker-timeout", "60"));
    for (String s : saes) {
      args.addAll(List.of("--sae", s));
    }
    return args;
  }

  private List<Integer> metricsPorts() throws IOException {
    List<Integer> ports = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      ports.add(metricsPort > 0 ? metricsPort + 10 * w : freePort());
    }
    return ports;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The producer, in this process; its exit code (1 for bad options, else 3). */
  private int produce(PrintWriter err, String run, Path dataPath, KafkaSettings kafka) {
    int relationCount =
        relations == null ? KNOWLEDGE_NEURONS_RELATIONS : relations.split(",").length;
    List<String> produce =
        new ArrayList<>(
            List.of(
                "--dataset",
                dataset,
                "--data",
                dataPath.toString(),
                "--limit",
                String.valueOf(items),
                "--per-relation",
                String.valueOf((items + relationCount - 1) / relationCount),
                "--seed",
                String.valueOf(seed),
                "--run-id",
                run,
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--metrics-port",
                "-1", // it is done in a second; the workers' metrics show the run
                "--quiet"));
    if (relations != null) {
      produce.addAll(List.of("--relations", relations));
    }
    StringWriter said = new StringWriter();
    int code =
        new CommandLine(new ProduceCommand())
            .setOut(new PrintWriter(said))
            .setErr(new PrintWriter(said))
            .execute(produce.toArray(String[]::new));
    if (code != 0) {
      err.println("demo: the producer failed:");
      err.print(said);
      err.flush();
    }
    return code == 0 ? 0 : code == 1 || code == 2 ? 1 : 3;
  }

  /** The run's closed announcement (its task count), as the aggregator has read it. */
  private static Optional<RunAnnouncement> awaitAnnouncement(Aggregator aggregator, String run)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<RunAnnouncement> a = aggregator.announcement(run);
      if (a.isPresent() && !a.get().open() && a.get().tasksKnown()) {
        return a;
      }
      Thread.sleep(200);
    }
    return Optional.empty();
  }

  /** Waits for every worker to load its model; false (with the reason printed) if one exits. */
  private boolean awaitWorkers(
      PrintWriter err, WorkerProcesses running, DemoResources resources, DemoClock clock)
      throws InterruptedException {
    while (running.ready() < workers) {
      if (failedWorker(err, running, resources)) {
        return false;
      }
      Thread.sleep(250);
    }
    clock.lap("start and model load");
    return true;
  }

  /** Progress until every task is analysed; 0, 3 when a worker died, 4 on timeout. */
  private int stream(
      PrintWriter err,
      Aggregator aggregator,
      WorkerProcesses running,
      DemoResources resources,
      String run,
      long expected)
      throws InterruptedException {
    DemoProgress progress = new DemoProgress(err, System.console() != null);
    long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
    try {
      while (true) {
        long done = aggregator.tasksDone(run);
        progress.update(done, expected, running.tokens());
        if (done >= expected) {
          return 0;
        }
        if (failedWorker(err, running, resources)) {
          return 3;
        }
        if (aggregator.failed()) {
          err.println();
          err.println(
              "demo: the aggregator's stream failed; see "
                  + out.resolve(run).resolve("logs/demo.log"));
          return 3;
        }
        if (System.nanoTime() > deadline) {
          err.println();
          err.println(
              "demo: timed out after "
                  + timeoutSeconds
                  + " s with "
                  + done
                  + " of "
                  + expected
                  + " tasks analysed (--timeout)");
          return 4;
        }
        Thread.sleep(250);
      }
    } finally {
      progress.finish();
    }
  }

  /**
   * Whether a worker has exited, with its log's end printed; while the demo is being stopped
   * (Ctrl-C) that is expected and nothing is printed.
   */
  private static boolean failedWorker(
      PrintWriter err, WorkerProcesses running, DemoResources resources) {
    Optional<WorkerProcesses.Child> gone = running.exited();
    if (resources.closing()) {
      return gone.isPresent();
    }
    gone.ifPresent(
        c -> {
          err.println();
          err.println(
              "demo: worker "
                  + c.id()
                  + " exited with code "
                  + c.process().exitValue()
                  + "; the end of "
                  + c.log()
                  + ":");
          err.println(WorkerProcesses.tail(c.log(), 15));
          err.flush();
        });
    return gone.isPresent();
  }
}
