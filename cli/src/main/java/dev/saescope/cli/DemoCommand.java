package dev.saescope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.broker.BrokerStartException;
import dev.saescope.broker.EmbeddedBroker;
import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.lab.cli.FetchModelCommand;
import dev.saescope.lab.cli.FetchSaeCommand;
import dev.saescope.producer.cli.ProduceCommand;
import dev.saescope.schemas.LayerResult;
import dev.saescope.worker.cli.WorkerCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code saescope demo}: the main job on one machine. Provisions the offline model, starts an
 * embedded Kafka broker, publishes tasks, runs workers in this process and prints a per-layer
 * summary of direct-versus-evasive distances and the logit lens, while the workers' metrics are
 * served for Prometheus.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole pipeline on this machine and print a per-layer summary.",
      "Embedded Kafka broker, producer, workers on the offline Gemma 3 270M (provisioned on first use).",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  ./saescope demo",
      "  ./saescope demo --dataset knowledge-neurons --data ~/knowledge-neurons/data --relations P36,P103 --items 20"
    })
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--dataset",
      defaultValue = "jsonl",
      description =
          "knowledge-neurons, pararel or jsonl (default: the bundled sample of ${DEFAULT-VALUE} items).")
  String dataset;

  @Option(
      names = "--data",
      paramLabel = "PATH",
      description = "Dataset folder or file (default: a bundled sample of 12 facts).")
  Path data;

  @Option(
      names = "--relations",
      paramLabel = "LIST",
      description = "Only these relations, e.g. P36,P103.")
  String relations;

  @Option(
      names = "--items",
      paramLabel = "N",
      defaultValue = "6",
      description = "Items (facts) to run (default: ${DEFAULT-VALUE}).")
  int items;

  @Option(
      names = "--workers",
      paramLabel = "N",
      defaultValue = "1",
      description = "Workers in this process (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(
      names = "--layers",
      paramLabel = "LIST",
      defaultValue = "all",
      description = "Layers to report (default: ${DEFAULT-VALUE}).")
  String layers;

  @Option(
      names = "--sae",
      paramLabel = "SPEC",
      description =
          "SAEs to attach (repeatable; see worker --help). Default: saescope's own, from fetch-sae.")
  List<String> saes = new ArrayList<>();

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

  @Option(names = "--no-sae", description = "Run without SAEs (no latents; skips fetch-sae).")
  boolean noSae;

  @Option(
      names = "--metrics-port",
      paramLabel = "P",
      defaultValue = "9401",
      description =
          "First worker's /metrics port; 0 picks free ports, -1 disables (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "1800",
      description = "Give up after this long (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (items <= 0 || workers <= 0) {
      err.println("demo: --items and --workers must be positive");
      return 1;
    }
    int provisioned = provision(err);
    if (provisioned != 0) {
      return provisioned;
    }
    Path work = Files.createTempDirectory("saescope-demo-");
    Path items = data != null ? data : sampleItems(work);
    err.println("[2/5] starting an embedded Kafka broker");
    err.flush();
    try (EmbeddedBroker broker =
        EmbeddedBroker.start(EmbeddedBroker.Config.at(work.resolve("kafka")).withPort(0))) {
      String bootstrap = broker.bootstrapServers();
      err.println("[3/5] publishing tasks to " + bootstrap);
      err.flush();
      int produced = produce(err, items, bootstrap);
      if (produced != 0) {
        return produced;
      }
      KafkaSettings kafka = KafkaSettings.forBootstrap(bootstrap);
      long tasks = countMessages(kafka, kafka.topics().tasks());
      err.println(
          "[4/5] " + workers + " worker(s) computing " + tasks + " tasks (results stream below)");
      err.flush();
      Workers running = startWorkers(err, bootstrap);
      List<LayerResult> results;
      try {
        results =
            DemoResults.collect(
                kafka, tasks, Duration.ofSeconds(timeoutSeconds), running.threads());
      } finally {
        running.stop();
      }
      err.println("[5/5] summary");
      err.flush();
      DemoSummary.print(out, results);
      return 0;
    } catch (BrokerStartException e) {
      err.println("demo: " + e.getMessage());
      return 3;
    } finally {
      deleteQuietly(work);
    }
  }

  /** Step 1: the offline model and, unless given or declined, saescope's SAEs for it. */
  private int provision(PrintWriter err) throws IOException {
    err.println("[1/5] provisioning the offline model (once)");
    err.flush();
    int fetched =
        new CommandLine(new FetchModelCommand()).setOut(err).setErr(err).execute("gemma-3-270m");
    if (fetched != 0) {
      err.println("demo: could not provision gemma-3-270m (see above)");
      return 2;
    }
    if (saes.isEmpty() && !noSae) {
      err.println(
          "[1/5] provisioning saescope's SAEs for it (reused when present; training them takes up to ~20 min once)");
      err.flush();
      StringWriter json = new StringWriter();
      int provisioned =
          new CommandLine(new FetchSaeCommand())
              .setOut(new PrintWriter(json))
              .setErr(err)
              .execute("gemma-3-270m", "--json");
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

  /** Step 3: the producer, in this process; its exit code. */
  private int produce(PrintWriter err, Path items, String bootstrap) {
    List<String> produce =
        new ArrayList<>(
            List.of(
                "--dataset",
                data != null ? dataset : "jsonl",
                "--data",
                items.toString(),
                "--limit",
                String.valueOf(this.items),
                "--seed",
                "1",
                "--run-id",
                "demo-" + System.currentTimeMillis(),
                "--bootstrap-servers",
                bootstrap,
                "--partitions",
                "4",
                "--quiet"));
    if (relations != null) {
      produce.addAll(List.of("--relations", relations));
    }
    return new CommandLine(new ProduceCommand())
        .setOut(err)
        .setErr(err)
        .execute(produce.toArray(String[]::new));
  }

  /** The workers of step 4, each a {@link WorkerCommand} on its own thread. */
  private record Workers(List<WorkerCommand> commands, List<Thread> threads) {
    /** Stops every worker after its batch in flight and waits for it (up to a minute each). */
    void stop() throws InterruptedException {
      commands.forEach(WorkerCommand::stop);
      for (Thread t : threads) {
        t.join(60_000);
      }
    }
  }

  private Workers startWorkers(PrintWriter err, String bootstrap) {
    List<WorkerCommand> commands = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      WorkerCommand worker = new WorkerCommand();
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--model",
                  "gemma-3-270m",
                  "--dtype",
                  dtype,
                  "--device",
                  device,
                  "--layers",
                  layers,
                  "--bootstrap-servers",
                  bootstrap,
                  "--worker-id",
                  "demo-" + (w + 1),
                  "--partitions",
                  "4",
                  "--metrics-port",
                  String.valueOf(metricsPort <= 0 ? metricsPort : metricsPort + w)));
      for (String s : saes) {
        args.addAll(List.of("--sae", s));
      }
      Thread t =
          new Thread(
              () -> new CommandLine(worker).setErr(err).execute(args.toArray(String[]::new)),
              "demo-worker-" + (w + 1));
      t.start();
      commands.add(worker);
      threads.add(t);
    }
    return new Workers(commands, threads);
  }

  private static Path sampleItems(Path dir) throws IOException {
    Path file = dir.resolve("items.jsonl");
    try (InputStream in = DemoCommand.class.getResourceAsStream("/demo/items.jsonl")) {
      if (in == null) {
        throw new IOException(
            "the bundled demo items are missing from the jar (/demo/items.jsonl)");
      }
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
    }
    return file;
  }

  private static long countMessages(KafkaSettings kafka, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(topic, p.partition()))
              .toList();
      return c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp folder left behind is harmless
    }
  }
}
