package dev.saescope.worker.cli;

import dev.saescope.common.cli.ModelOptions;
import dev.saescope.common.kafka.BrokerUnavailableException;
import dev.saescope.common.kafka.KafkaConfigException;
import dev.saescope.common.kafka.KafkaOptions;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicAdminException;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.metrics.MetricsServer;
import dev.saescope.runtime.device.ComputeDtype;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.sae.LatentLogits;
import dev.saescope.runtime.sae.LogitEffects;
import dev.saescope.worker.compute.ExperimentProcessor;
import dev.saescope.worker.compute.LatentInfoChunks;
import dev.saescope.worker.service.LatentInfoPublisher;
import dev.saescope.worker.service.WorkerFatalException;
import dev.saescope.worker.service.WorkerLoop;
import dev.saescope.worker.service.WorkerMetrics;
import dev.saescope.worker.service.WorkerSettings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code saescope worker}: one elastic experiment worker. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Run one elastic experiment worker (model + SAEs on micro-batches of tasks from Kafka).",
      "Results, dead letters and consumed offsets are published in one Kafka transaction. Start as",
      "many as you like, on any machines; kill or add them while a run streams.",
      "Stops cleanly on SIGTERM/Ctrl-C after the batch in flight.",
      ""
    },
    footer = {
      "",
      "Exit codes: 0 stopped on request (SIGTERM or Ctrl-C once running; during",
      "start-up the JVM ends at once, with 143 or 130); 1 bad options (also: the",
      "metrics host or port cannot be used); 2 model, tokenizer or SAE will not load",
      "(or --layers, or a layer an SAE reads, outside the model); 3 Kafka unreachable",
      "(no --bootstrap-servers host resolves) or a fatal Kafka error (e.g. fenced by",
      "a worker with the same --worker-id).",
      "",
      "Example: ./saescope worker --model gemma-3-270m --sae ~/.cache/saescope/saes/gemma-3-270m/layer_9_resid_post"
    })
public final class WorkerCommand implements Callable<Integer> {
  /** Tokens kept per latent and sign: what Neuronpedia's logit lists show. */
  private static final int TOP_TOKENS = 10;

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions = new ModelOptions();

  @Option(
      names = "--sae",
      paramLabel = "SPEC",
      description = {
        "An SAE to attach (repeatable): a Gemma Scope params.npz, a Gemma Scope 2 or SAELens folder.",
        "Append #LAYER:SITE when its config does not say where it reads, e.g. params.npz#12:resid_post."
      })
  List<String> saes = new ArrayList<>();

  @Option(
      names = "--layers",
      paramLabel = "LIST",
      defaultValue = "all",
      description =
          "Layers whose resid_post is reported: all, or e.g. 0,6,12 or 0-17 (default: ${DEFAULT-VALUE}).")
  String layers;

  @Option(
      names = "--batch-tokens",
      paramLabel = "N",
      defaultValue = "1024",
      description = "Micro-batch budget in tokens (default: ${DEFAULT-VALUE}).")
  int batchTokens;

  @Option(
      names = "--max-batch-tasks",
      paramLabel = "N",
      defaultValue = "64",
      description = "At most this many tasks per micro-batch (default: ${DEFAULT-VALUE}).")
  int maxBatchTasks;

  @Option(
      names = "--max-task-tokens",
      paramLabel = "N",
      defaultValue = "512",
      description =
          "Longer tasks go to dead-letter as TOO_LONG (default: ${DEFAULT-VALUE}; capped by the model's context).")
  int maxTaskTokens;

  @Option(
      names = "--worker-id",
      paramLabel = "ID",
      defaultValue = "${env:SAESCOPE_WORKER_ID}",
      description = {
        "Stable id of this worker slot (default: env SAESCOPE_WORKER_ID, else host name and pid).",
        "A restarted worker with the same id fences its predecessor's open transaction at once."
      })
  String workerId;

  @Option(
      names = "--group",
      paramLabel = "ID",
      defaultValue = WorkerSettings.DEFAULT_GROUP,
      description = "Consumer group of the worker pool (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "12",
      description =
          "Partitions for topics this worker creates if missing (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--metrics-host",
      paramLabel = "HOST",
      defaultValue = "127.0.0.1",
      description = "Address of the /metrics and /health endpoint (default: ${DEFAULT-VALUE}).")
  String metricsHost;

  @Option(
      names = "--metrics-port",
      paramLabel = "P",
      defaultValue = "9401",
      description =
          "Port of the /metrics endpoint; 0 picks a free one, -1 disables (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Option(
      names = "--shutdown-timeout",
      paramLabel = "SECONDS",
      defaultValue = "60",
      description = "How long SIGTERM waits for the batch in flight (default: ${DEFAULT-VALUE}).")
  int shutdownSeconds;

  @Option(
      names = "--stop-with-parent",
      description =
          "Stop (as on SIGTERM) when the process that started this one exits: the demo starts its"
              + " workers so, and none outlives it, even after kill -9.")
  boolean stopWithParent;

  @Mixin KafkaOptions kafka = new KafkaOptions();

  private volatile WorkerLoop running;

  /** What {@link #call()} returned (null if it threw), for {@link StopOnSignal}. */
  private final CompletableFuture<Integer> returned = new CompletableFuture<>();

  @Override
  public Integer call() {
    Integer code = null;
    try {
      code = run();
      return code;
    } finally {
      returned.complete(code);
    }
  }

  private int run() {
    PrintWriter err = spec.commandLine().getErr();
    if (stopWithParent) {
      // exit runs the shutdown hooks: StopOnSignal finishes the batch in flight first.
      ProcessHandle.current()
          .parent()
          .ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(143)));
    }
    String id = workerId == null || workerId.isBlank() ? defaultWorkerId() : workerId;
    WorkerSettings settings;
    KafkaSettings kafkaSettings;
    try {
      settings =
          new WorkerSettings(
              id,
              group,
              batchTokens,
              maxBatchTasks,
              WorkerSettings.DEFAULT_MAX_MESSAGE_BYTES,
              Duration.ofSeconds(shutdownSeconds));
      kafkaSettings = kafka.resolve();
    } catch (IllegalArgumentException | KafkaConfigException e) {
      err.println("worker: " + e.getMessage());
      return 1;
    }
    Optional<String> badOption = badOption();
    if (badOption.isPresent()) {
      err.println("worker: " + badOption.get());
      return 1;
    }
    // Host names and the metrics port are checked before the model loads, which takes a while:
    // a typo should fail in a second, not after the load.
    List<String> unresolved = StartChecks.unresolvedHosts(kafkaSettings.bootstrapServers());
    if (!unresolved.isEmpty()) {
      err.println(
          "worker: --bootstrap-servers "
              + kafkaSettings.bootstrapServers()
              + ": no host resolves ("
              + String.join(", ", unresolved)
              + ")");
      return 3;
    }
    PrometheusMeterRegistry registry = MetricsServer.newRegistry("worker");
    AtomicReference<LoadedWorker> loading = new AtomicReference<>();
    MetricsServer metricsServer;
    try {
      metricsServer =
          metricsPort < 0
              ? null
              : MetricsServer.start(
                  registry, metricsHost, metricsPort, () -> health(id, loading.get(), running));
    } catch (IOException e) {
      err.println(
          "worker: "
              + e.getMessage()
              + " (check --metrics-host and --metrics-port; -1 serves no metrics)");
      return 1;
    }
    try (metricsServer) {
      LoadedWorker loaded;
      try {
        loaded = LoadedWorker.load(modelOptions, saes, layers, maxTaskTokens, registry, id);
      } catch (IOException | IllegalArgumentException e) {
        err.println("worker: " + e.getMessage());
        return 2;
      }
      loading.set(loaded);
      return serve(loaded, metricsServer, id, settings, kafkaSettings, registry, err);
    }
  }

  /** What is wrong with an option the settings records do not check, if anything. */
  private Optional<String> badOption() {
    if (partitions < 1) {
      return Optional.of("--partitions " + partitions + " must be at least 1");
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      return Optional.of(
          "--metrics-port "
              + metricsPort
              + " is not a port: give 0..65535, 0 for any free one, or -1 for none");
    }
    return Optional.empty();
  }

  /** Topics, latent metadata, then the loop until stopped; returns the exit code. */
  private int serve(
      LoadedWorker loaded,
      MetricsServer metricsServer,
      String id,
      WorkerSettings settings,
      KafkaSettings kafkaSettings,
      PrometheusMeterRegistry registry,
      PrintWriter err) {
    try (loaded) {
      TopicAdmin.ensureTopics(
          kafkaSettings,
          TopicSpec.standard(kafkaSettings.topics(), partitions, TopicSpec.BROKER_DEFAULT));
      publishLatentInfo(kafkaSettings, loaded, err);
      WorkerLoop loop =
          new WorkerLoop(
              kafkaSettings, settings, loaded.processor(), new WorkerMetrics(registry, id));
      running = loop;
      if (metricsServer != null) {
        err.println(
            "worker "
                + id
                + ": metrics on http://"
                + metricsHost
                + ":"
                + metricsServer.port()
                + "/metrics");
      }
      err.println("worker " + id + ": " + loaded.processor().describe());
      err.flush();
      StopOnSignal hook = StopOnSignal.install(loop, settings.shutdownTimeout(), returned);
      try {
        loop.run();
      } finally {
        hook.close();
      }
      return 0;
    } catch (BrokerUnavailableException | TopicAdminException | WorkerFatalException e) {
      err.println("worker: " + e.getMessage());
      return 3;
    } catch (IOException e) {
      err.println("worker: cannot compute latent logit effects: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 3;
    } catch (ExecutionException | TimeoutException e) {
      err.println("worker: cannot publish latent metadata to Kafka: " + e.getMessage());
      return 3;
    }
  }

  /**
   * Logit effects of each SAE, computed once (cached on disk) and published once per SAE version.
   */
  private static void publishLatentInfo(KafkaSettings kafka, LoadedWorker loaded, PrintWriter err)
      throws IOException, InterruptedException, ExecutionException, TimeoutException {
    Set<String> already = LatentInfoPublisher.published(kafka, kafka.brokerTimeout());
    Path cache = SaescopeHome.resolve().resolve("latent-logits");
    String modelId = loaded.processor().modelId();
    for (ExperimentProcessor.AttachedSae a : loaded.processor().saes()) {
      if (already.contains(a.id())) {
        continue;
      }
      err.println(
          "worker: computing logit effects of "
              + a.id()
              + " ("
              + a.sae().dSae()
              + " latents, cached after the first time)");
      err.flush();
      // The embedding's precision is part of the cache key: bf16 rounds W_U.
      ComputeDtype dtype = loaded.model().model().dtype();
      String cacheKey = dtype == ComputeDtype.FP32 ? modelId : modelId + "-" + dtype.label();
      List<LatentLogits> effects =
          LogitEffects.cachedFromEmbedding(
              a.sae(), cache, cacheKey, TOP_TOKENS, () -> loaded.model().model().embedding());
      LatentInfoPublisher.publish(
          kafka, LatentInfoChunks.of(a, modelId, effects, loaded.model().tokenizer()));
    }
  }

  /**
   * Stops a worker started in-process (the demo, tests) after its batch in flight; {@link #call()}
   * then returns 0. Does nothing before the worker has started.
   */
  public void stop() {
    WorkerLoop loop = running;
    if (loop != null) {
      loop.stop();
    }
  }

  /**
   * {@code /health} fields; the processor is "loading" until the model and SAEs are in, and the
   * status "stuck" while the batch in flight keeps failing.
   */
  private static JsonObject health(String id, LoadedWorker loaded, WorkerLoop loop) {
    JsonObject o =
        new JsonObject()
            .put("worker", id)
            .put("processor", loaded == null ? "loading" : loaded.processor().describe());
    if (loop != null && loop.stuck()) {
      o.put("status", "stuck");
    }
    return o;
  }

  private static String defaultWorkerId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "worker";
    }
    return host + "-" + ProcessHandle.current().pid();
  }
}
