package dev.saescope.cli;

import dev.saescope.broker.EmbeddedBroker;
import dev.saescope.common.cli.ModelOptions;
import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.runtime.load.LoadedModel;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.tokenizer.GemmaTokenizer;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.ResultAssembler;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.worker.compute.BenchTasks;
import dev.saescope.worker.compute.ExperimentProcessor;
import dev.saescope.worker.compute.LayerList;
import dev.saescope.worker.compute.PreparedTask;
import dev.saescope.worker.compute.SaeAttachment;
import dev.saescope.worker.service.TaskProcessor;
import dev.saescope.worker.service.WorkerLoop;
import dev.saescope.worker.service.WorkerMetrics;
import dev.saescope.worker.service.WorkerSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code saescope bench pipeline}: the worker's token rate through a real (embedded) Kafka broker
 * against the same worker's in-process rate on the same tasks, measured in one run; then the
 * end-to-end latency of tasks streamed at a steady rate, and how long a second worker takes from
 * joining to its first committed result.
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = {
      "Tokens/s through Kafka with one worker against the same worker in-process (ratio), task latency",
      "p50/p99 under a steady stream, and the time for a joining worker to take its share."
    })
public final class BenchPipelineCommand implements Callable<Integer> {
  /** When each streamed task was published, by task id: the start of its end-to-end latency. */
  private static final Map<String, Long> SENT = new java.util.concurrent.ConcurrentHashMap<>();

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--sae",
      paramLabel = "SPEC",
      description = "SAEs to attach, as for worker (repeatable).")
  List<String> saes = new ArrayList<>();

  @Option(
      names = "--tasks",
      defaultValue = "96",
      description = "Tasks per phase (default: ${DEFAULT-VALUE}).")
  int tasks;

  @Option(
      names = "--batch-tokens",
      defaultValue = "1024",
      description = "Worker micro-batch budget (default: ${DEFAULT-VALUE}).")
  int batchTokens;

  @Option(names = "--json", description = "Print one JSON object with 'ratio' and the raw figures.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = Files.createTempDirectory("saescope-bench-pipeline-");
    String model = modelOptions.spec();
    LoadedModel loaded = LoadedModel.open(model, modelOptions.tokenizer(), modelOptions.offline());
    GemmaModel gemma = loaded.model();
    GemmaTokenizer tokenizer = loaded.tokenizer();
    List<Sae> opened = new ArrayList<>();
    try (EmbeddedBroker broker =
        EmbeddedBroker.start(EmbeddedBroker.Config.at(dir.resolve("kafka")).withPort(0))) {
      List<ExperimentProcessor.AttachedSae> attached = new ArrayList<>();
      for (String s : saes) {
        ExperimentProcessor.AttachedSae a = SaeAttachment.parse(s).open(model, true);
        opened.add(a.sae());
        attached.add(a);
      }
      java.util.SortedSet<Integer> layers = LayerList.parse("all", gemma.config().nLayers());
      ExperimentProcessor processor =
          new ExperimentProcessor(gemma, tokenizer, model, "bench", attached, layers, 512);
      List<Task> taskList = BenchTasks.make("bench", tasks);

      err.println("bench pipeline: in-process rate on " + tasks + " tasks");
      err.flush();
      processor.process(
          List.of(
              (TaskProcessor.Accepted<PreparedTask>) processor.check(taskList.get(0)))); // warm-up
      Rate inProcess = inProcess(processor, taskList);

      err.println("bench pipeline: the same tasks through Kafka, one worker");
      err.flush();
      KafkaSettings kafka = KafkaSettings.forBootstrap(broker.bootstrapServers());
      TopicAdmin.ensureTopics(
          kafka, TopicSpec.standard(kafka.topics(), 4, TopicSpec.BROKER_DEFAULT));
      long tokens = inProcess.tokens();
      WorkerLoop loop =
          new WorkerLoop(
              kafka, settings("w1"), processor, new WorkerMetrics(new SimpleMeterRegistry(), "w1"));
      Thread worker = new Thread(loop, "bench-w1");
      worker.start();
      while (!loop.hasJoined()) { // joining the group is start-up, not throughput
        Thread.sleep(50);
      }
      long t0 = System.nanoTime();
      publish(kafka, taskList, 0);
      Map<String, Long> seen =
          awaitResults(kafka, taskList.size(), layers.size(), Duration.ofMinutes(30), null);
      double kafkaSeconds = (System.nanoTime() - t0) / 1e9;
      Rate throughKafka = new Rate(tokens, kafkaSeconds);

      err.println("bench pipeline: streaming at half the in-process rate to measure latency");
      err.flush();
      KafkaSettings stream = kafka.withTopics(new dev.saescope.schemas.Topics("stream."));
      TopicAdmin.ensureTopics(
          stream, TopicSpec.standard(stream.topics(), 4, TopicSpec.BROKER_DEFAULT));
      loop.stop();
      loop.awaitStopped(Duration.ofMinutes(2));
      WorkerLoop streamLoop =
          new WorkerLoop(
              stream,
              settings("s1"),
              processor(gemma, tokenizer, attached, layers, "s1"),
              new WorkerMetrics(new SimpleMeterRegistry(), "s1"));
      Thread streamWorker = new Thread(streamLoop, "bench-s1");
      streamWorker.start();
      double tasksPerSecond = taskList.size() / inProcess.seconds() / 2;
      List<Task> streamed = BenchTasks.make("stream", taskList.size());
      Thread publisher =
          new Thread(() -> publish(stream, streamed, tasksPerSecond), "bench-publisher");
      publisher.start();
      // A second worker joins a quarter of the way in; its first committed result ends "join time".
      long joinAt = System.nanoTime() + (long) (streamed.size() / tasksPerSecond / 4 * 1e9);
      JoinProbe join = new JoinProbe(joinAt);
      WorkerLoop[] second = new WorkerLoop[1];
      Thread joiner =
          new Thread(
              () -> {
                sleepUntil(joinAt);
                second[0] =
                    new WorkerLoop(
                        stream,
                        settings("s2"),
                        processor(gemma, tokenizer, attached, layers, "s2"),
                        new WorkerMetrics(new SimpleMeterRegistry(), "s2"));
                second[0].run();
              },
              "bench-s2");
      joiner.start();
      Map<String, Long> done =
          awaitResults(stream, streamed.size(), layers.size(), Duration.ofMinutes(30), join);
      publisher.join();
      streamLoop.stop();
      if (second[0] != null) {
        second[0].stop();
      }
      streamLoop.awaitStopped(Duration.ofMinutes(2));
      joiner.join(120_000);
      double[] latencies = latencies(streamed, done);

      double ratio = throughKafka.tokensPerSecond() / inProcess.tokensPerSecond();
      JsonObject result =
          new JsonObject()
              .put("bench", "pipeline")
              .put("model", model)
              .put("tasks", taskList.size())
              .put("tokens", tokens)
              .put("layers", layers.size())
              .put("saes", attached.size())
              .put("in_process_tokens_per_s", inProcess.tokensPerSecond())
              .put("kafka_tokens_per_s", throughKafka.tokensPerSecond())
              .put("ratio", ratio)
              .put("stream_tasks_per_s", tasksPerSecond)
              .put("latency_p50_ms", percentile(latencies, 50))
              .put("latency_p99_ms", percentile(latencies, 99))
              .put("join_to_first_result_ms", join.millis())
              .put(
                  "lens_share", processor.lensNanos() / 1e9 / (inProcess.seconds() + kafkaSeconds));
      if (json) {
        out.println(result.encode());
      } else {
        out.printf(
            "in-process   %.1f tokens/s (%d tokens, %.1f s)%n",
            inProcess.tokensPerSecond(), tokens, inProcess.seconds());
        out.printf(
            "through Kafka %.1f tokens/s (%.1f s, one worker)   ratio %.3f%n",
            throughKafka.tokensPerSecond(), kafkaSeconds, ratio);
        out.printf(
            "streamed at %.2f tasks/s: latency p50 %.0f ms, p99 %.0f ms%n",
            tasksPerSecond, percentile(latencies, 50), percentile(latencies, 99));
        out.printf("second worker: first committed result %d ms after joining%n", join.millis());
        out.printf(
            "full-vocabulary lens: %.0f%% of compute time%n", 100 * result.getDouble("lens_share"));
      }
      out.flush();
      return 0;
    } finally {
      opened.forEach(Sae::close);
      loaded.close();
    }
  }

  /** One processor per worker, sharing the model: results carry the worker's id. */
  private ExperimentProcessor processor(
      GemmaModel gemma,
      GemmaTokenizer tokenizer,
      List<ExperimentProcessor.AttachedSae> saes,
      java.util.SortedSet<Integer> layers,
      String id) {
    return new ExperimentProcessor(gemma, tokenizer, modelOptions.spec(), id, saes, layers, 512);
  }

  private WorkerSettings settings(String id) {
    return new WorkerSettings(
        id,
        "bench",
        batchTokens,
        64,
        WorkerSettings.DEFAULT_MAX_MESSAGE_BYTES,
        Duration.ofSeconds(60));
  }

  private record Rate(long tokens, double seconds) {
    double tokensPerSecond() {
      return tokens / seconds;
    }
  }

  /** The processor alone, batched the way the worker batches (token budget, task cap). */
  private Rate inProcess(ExperimentProcessor processor, List<Task> tasks) throws Exception {
    long tokens = 0;
    long t0 = System.nanoTime();
    List<TaskProcessor.Accepted<PreparedTask>> batch = new ArrayList<>();
    int batchTok = 0;
    for (Task t : tasks) {
      var a = (TaskProcessor.Accepted<PreparedTask>) processor.check(t);
      if (!batch.isEmpty() && (batchTok + a.tokens() > batchTokens || batch.size() >= 64)) {
        processor.process(batch);
        batch = new ArrayList<>();
        batchTok = 0;
      }
      batch.add(a);
      batchTok += a.tokens();
      tokens += a.tokens();
    }
    if (!batch.isEmpty()) {
      processor.process(batch);
    }
    return new Rate(tokens, (System.nanoTime() - t0) / 1e9);
  }

  private static void publish(KafkaSettings kafka, List<Task> tasks, double perSecond) {
    try (TaskPublisher p = TaskPublisher.open(kafka)) {
      long start = System.nanoTime();
      for (int i = 0; i < tasks.size(); i++) {
        Task t = tasks.get(i);
        if (perSecond > 0) {
          sleepUntil(start + (long) (i / perSecond * 1e9));
        }
        long now = System.currentTimeMillis();
        SENT.put(t.taskId(), now);
        p.publish(t.withCreatedAtMs(now));
        if (perSecond > 0) {
          p.flush();
        }
      }
      p.flush();
    } catch (Exception e) {
      throw new IllegalStateException("publishing bench tasks failed: " + e.getMessage(), e);
    }
  }

  /** Notes when the joining worker's first result arrives. */
  private static final class JoinProbe {
    final long joinedAt;
    volatile long firstResultAt = -1;

    JoinProbe(long joinedAt) {
      this.joinedAt = joinedAt;
    }

    long millis() {
      return firstResultAt < 0 ? -1 : (firstResultAt - joinedAt) / 1_000_000;
    }
  }

  /** Task id → wall-clock ms when its last layer became visible to a read_committed reader. */
  private static Map<String, Long> awaitResults(
      KafkaSettings kafka, int tasks, int layers, Duration timeout, JoinProbe join)
      throws Exception {
    Map<String, Integer> count = new HashMap<>();
    Map<String, Long> done = new HashMap<>();
    ResultAssembler assembler = new ResultAssembler();
    try (KafkaConsumer<byte[], byte[]> c = Consumers.raw(kafka)) {
      String topic = kafka.topics().results();
      List<TopicPartition> parts = Consumers.assignFromBeginning(c, topic, kafka.brokerTimeout());
      long deadline = System.nanoTime() + timeout.toNanos();
      while (done.size() < tasks && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
          LayerResult part =
              Codecs.layerResult().decode(r.value(), r.topic(), r.partition(), r.offset());
          if (join != null && join.firstResultAt < 0 && part.workerId().equals("s2")) {
            join.firstResultAt = System.nanoTime();
          }
          // a layer counts once all of its parts are visible
          if (assembler.offer(part).isPresent()
              && count.merge(part.taskId(), 1, Integer::sum) == layers) {
            done.put(part.taskId(), System.currentTimeMillis());
          }
        }
      }
    }
    if (done.size() < tasks) {
      throw new IllegalStateException(
          "only " + done.size() + " of " + tasks + " tasks finished within " + timeout);
    }
    return done;
  }

  /** Milliseconds from publishing each task to its last result becoming visible, sorted. */
  private static double[] latencies(List<Task> tasks, Map<String, Long> done) {
    return tasks.stream()
        .filter(t -> done.containsKey(t.taskId()))
        .mapToDouble(t -> done.get(t.taskId()) - SENT.get(t.taskId()))
        .sorted()
        .toArray();
  }

  private static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static void sleepUntil(long nanoTime) {
    long wait = nanoTime - System.nanoTime();
    if (wait > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
