package dev.saescope.cli;

import dev.saescope.broker.EmbeddedBroker;
import dev.saescope.common.cli.ModelOptions;
import dev.saescope.common.kafka.Consumers;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.runtime.device.ComputeTarget;
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

  @Option(
      names = "--in-process-only",
      description = {
        "Measure the in-process rate only (no broker): what tools/side_by_side.py compares with",
        "a transformers + SAELens script doing the same work."
      })
  boolean inProcessOnly;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = Files.createTempDirectory("saescope-bench-pipeline-");
    String model = modelOptions.spec();
    LoadedModel loaded =
        LoadedModel.open(
            model,
            modelOptions.tokenizer(),
            modelOptions.offline(),
            ComputeTarget.resolve(modelOptions.dtype(), modelOptions.device()));
    List<Sae> opened = new ArrayList<>();
    try {
      Bench bench = prepare(loaded, model, opened);
      Rate inProcess = measureInProcess(bench, err);
      if (inProcessOnly) {
        double lensSeconds = bench.processor().lensNanos() / 1e9;
        PipelineMeasurement.renderInProcess(
            out,
            json,
            model,
            loaded.model().dtype().label(),
            bench.taskList().size(),
            inProcess.tokens(),
            inProcess.seconds(),
            lensSeconds / inProcess.seconds(),
            bench.processor().lensSharedFraction());
        return 0;
      }
      return throughKafka(bench, inProcess, model, dir, out, err);
    } finally {
      opened.forEach(Sae::close);
      loaded.close();
    }
  }

  /** Phases 2 and 3 on an embedded broker, then the whole measurement printed. */
  private int throughKafka(
      Bench bench, Rate inProcess, String model, Path dir, PrintWriter out, PrintWriter err)
      throws Exception {
    try (EmbeddedBroker broker =
        EmbeddedBroker.start(EmbeddedBroker.Config.at(dir.resolve("kafka")).withPort(0))) {
      KafkaSettings kafka = KafkaSettings.forBootstrap(broker.bootstrapServers());
      KafkaRun throughKafka = measureThroughKafka(bench, kafka, err);
      double tasksPerSecond = bench.taskList().size() / inProcess.seconds() / 2;
      StreamRun streamRun = measureStream(bench, kafka, throughKafka.loop(), tasksPerSecond, err);
      new PipelineMeasurement(
              model,
              bench.taskList().size(),
              inProcess.tokens(),
              bench.layers().size(),
              bench.attached().size(),
              inProcess.seconds(),
              throughKafka.seconds(),
              tasksPerSecond,
              streamRun.latencies(),
              streamRun.join().millis(),
              bench.processor().lensNanos() / 1e9 / (inProcess.seconds() + throughKafka.seconds()))
          .render(out, json);
      return 0;
    }
  }

  /** The model, the attached SAEs and the tasks shared by every phase. */
  private record Bench(
      GemmaModel gemma,
      GemmaTokenizer tokenizer,
      List<ExperimentProcessor.AttachedSae> attached,
      java.util.SortedSet<Integer> layers,
      ExperimentProcessor processor,
      List<Task> taskList) {}

  /** Opens the SAEs (recorded in {@code opened} for closing) and builds the first processor. */
  private Bench prepare(LoadedModel loaded, String model, List<Sae> opened) throws Exception {
    GemmaModel gemma = loaded.model();
    GemmaTokenizer tokenizer = loaded.tokenizer();
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
    return new Bench(gemma, tokenizer, attached, layers, processor, taskList);
  }

  /** Phase 1: the processor alone on the tasks, after one warm-up task. */
  private Rate measureInProcess(Bench bench, PrintWriter err) throws Exception {
    err.println("bench pipeline: in-process rate on " + tasks + " tasks");
    err.flush();
    ExperimentProcessor processor = bench.processor();
    processor.process(
        List.of(
            (TaskProcessor.Accepted<PreparedTask>)
                processor.check(bench.taskList().get(0)))); // warm-up
    return inProcess(processor, bench.taskList());
  }

  /** The one-worker Kafka phase: its worker (still running) and the seconds it took. */
  private record KafkaRun(WorkerLoop loop, double seconds) {}

  /** Phase 2: the same tasks through Kafka with one worker, timed from its joining the group. */
  private KafkaRun measureThroughKafka(Bench bench, KafkaSettings kafka, PrintWriter err)
      throws Exception {
    err.println("bench pipeline: the same tasks through Kafka, one worker");
    err.flush();
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 4, TopicSpec.BROKER_DEFAULT));
    List<Task> taskList = bench.taskList();
    WorkerLoop loop =
        new WorkerLoop(
            kafka,
            settings("w1"),
            bench.processor(),
            new WorkerMetrics(new SimpleMeterRegistry(), "w1"));
    Thread worker = new Thread(loop, "bench-w1");
    worker.start();
    while (!loop.hasJoined()) { // joining the group is start-up, not throughput
      Thread.sleep(50);
    }
    long t0 = System.nanoTime();
    publish(kafka, taskList, 0);
    awaitResults(kafka, taskList.size(), bench.layers().size(), Duration.ofMinutes(30), null);
    double kafkaSeconds = (System.nanoTime() - t0) / 1e9;
    return new KafkaRun(loop, kafkaSeconds);
  }

  /** The streaming phase: sorted end-to-end latencies and when the second worker took over. */
  private record StreamRun(double[] latencies, JoinProbe join) {}

  /**
   * Phase 3: stops the Kafka phase's worker {@code previous}, then streams tasks at {@code
   * tasksPerSecond} to a fresh worker, with a second one joining a quarter of the way in.
   */
  private StreamRun measureStream(
      Bench bench, KafkaSettings kafka, WorkerLoop previous, double tasksPerSecond, PrintWriter err)
      throws Exception {
    err.println("bench pipeline: streaming at half the in-process rate to measure latency");
    err.flush();
    KafkaSettings stream = kafka.withTopics(new dev.saescope.schemas.Topics("stream."));
    TopicAdmin.ensureTopics(
        stream, TopicSpec.standard(stream.topics(), 4, TopicSpec.BROKER_DEFAULT));
    previous.stop();
    previous.awaitStopped(Duration.ofMinutes(2));
    WorkerLoop streamLoop = streamWorker(bench, stream, "s1");
    Thread streamWorker = new Thread(streamLoop, "bench-s1");
    streamWorker.start();
    List<Task> streamed = BenchTasks.make("stream", bench.taskList().size());
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
              second[0] = streamWorker(bench, stream, "s2");
              second[0].run();
            },
            "bench-s2");
    joiner.start();
    Map<String, Long> done =
        awaitResults(stream, streamed.size(), bench.layers().size(), Duration.ofMinutes(30), join);
    publisher.join();
    streamLoop.stop();
    if (second[0] != null) {
      second[0].stop();
    }
    streamLoop.awaitStopped(Duration.ofMinutes(2));
    joiner.join(120_000);
    return new StreamRun(latencies(streamed, done), join);
  }

  /** A worker on the stream topics with its own processor and metrics, named {@code id}. */
  private WorkerLoop streamWorker(Bench bench, KafkaSettings stream, String id) {
    return new WorkerLoop(
        stream,
        settings(id),
        processor(bench.gemma(), bench.tokenizer(), bench.attached(), bench.layers(), id),
        new WorkerMetrics(new SimpleMeterRegistry(), id));
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
