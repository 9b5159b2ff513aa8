package dev.saescope.aggregator.bench;

import dev.saescope.aggregator.Aggregator;
import dev.saescope.aggregator.service.AggregatorConfig;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.Topics;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.ResultMessages;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code bench aggregate --summary-latency}: a real aggregator (topology, stores, HTTP API) on a
 * run of {@code loaded} synthetic items, asked {@code GET /api/runs/{id}/summary} one request after
 * another while the results of {@code streamed} more items arrive; the latency each request saw at
 * the client, as the dashboard's progress polling sees it.
 */
public final class SummaryLatencyBench {
  /** Requests before the stream starts, to warm the JIT, the client and the stores; not counted. */
  private static final int WARMUP_REQUESTS = 300;

  private static final long SEED = 23;
  private static final int MAX_MESSAGE_BYTES = 1 << 20;

  /**
   * What one measurement saw.
   *
   * @param loadedItems items observed before the requests began
   * @param streamedItems items whose results arrived while they ran
   * @param tasksAtStart tasks done when the first counted request went out
   * @param tasksAtEnd tasks done when the last one did
   * @param latenciesMs every counted request's latency, sorted
   * @param cpuCores cores the JVM could use
   */
  public record Figures(
      int loadedItems,
      int streamedItems,
      long tasksAtStart,
      long tasksAtEnd,
      double[] latenciesMs,
      int cpuCores) {
    public Figures {
      latenciesMs = latenciesMs.clone();
      Arrays.sort(latenciesMs);
    }

    /** Requests counted. */
    public int requests() {
      return latenciesMs.length;
    }

    /** The {@code q}-quantile of the latencies (nearest rank), ms; NaN with no request. */
    public double quantileMs(double q) {
      if (latenciesMs.length == 0) {
        return Double.NaN;
      }
      int rank = (int) Math.ceil(q * latenciesMs.length);
      return latenciesMs[Math.max(0, Math.min(latenciesMs.length - 1, rank - 1))];
    }

    public double maxMs() {
      return latenciesMs.length == 0 ? Double.NaN : latenciesMs[latenciesMs.length - 1];
    }
  }

  private final KafkaSettings kafka;
  private final Path stateDir;
  private final Duration timeout;

  /**
   * @param kafka the broker (its topic prefix is replaced)
   * @param stateDir where the aggregator keeps its stores
   * @param timeout longest wait for the loaded run, and for the stream
   */
  public SummaryLatencyBench(KafkaSettings kafka, Path stateDir, Duration timeout) {
    this.kafka = kafka;
    this.stateDir = stateDir;
    this.timeout = timeout;
  }

  /**
   * Loads {@code loaded} items of {@code shape}'s size (its item count is ignored), then measures
   * while {@code streamed} more stream in.
   *
   * @throws TimeoutException when the aggregator does not observe the loaded run in time
   */
  public Figures measure(BenchShape shape, int loaded, int streamed) throws Exception {
    if (loaded < 1 || streamed < 1) {
      throw new IllegalArgumentException(
          "items loaded and streamed must be at least 1, got " + loaded + " and " + streamed);
    }
    String run = "bench-summary";
    BenchShape whole =
        new BenchShape(
            loaded + streamed,
            shape.layers(),
            shape.saeLayers(),
            shape.dModel(),
            shape.dSae(),
            shape.k(),
            shape.positions());
    List<List<LayerResult>> tasks = SyntheticResults.tasks(run, whole, SEED);
    int split = loaded * SyntheticResults.VARIANTS.length;
    KafkaSettings topics = kafka.withTopics(new Topics("bench-summary."));
    TopicAdmin.ensureTopics(
        topics, TopicSpec.standard(topics.topics(), 4, TopicSpec.BROKER_DEFAULT));
    try (KafkaProducer<String, byte[]> producer = producer(topics)) {
      producer.send(
          new ProducerRecord<>(
              topics.topics().runs(),
              run,
              Codecs.runAnnouncement()
                  .encode(
                      new RunAnnouncement(
                          run, "synthetic", SEED, whole.items(), whole.tasks(), false, 1L))));
      send(producer, topics, tasks.subList(0, split));
      producer.flush();
      int port = freePort();
      try (Aggregator aggregator =
          Aggregator.start(
              new AggregatorConfig(
                  topics, stateDir, "127.0.0.1:" + port, Duration.ofMillis(200), 1),
              "127.0.0.1",
              port,
              null)) {
        awaitTasks(aggregator, run, split);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest summary =
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/runs/" + run + "/summary"))
                .build();
        for (int i = 0; i < WARMUP_REQUESTS; i++) {
          time(http, summary);
        }
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread stream =
            Thread.ofPlatform()
                .name("bench-summary-stream")
                .start(
                    () -> {
                      try {
                        // Task by task with a flush, as workers deliver: results arrive throughout.
                        for (List<LayerResult> t : tasks.subList(split, tasks.size())) {
                          send(producer, topics, List.of(t));
                          producer.flush();
                        }
                      } catch (RuntimeException e) {
                        failed.set(e);
                      }
                    });
        long start = aggregator.tasksDone(run);
        double[] ms = new double[1 << 16];
        int n = 0;
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((stream.isAlive() || aggregator.tasksDone(run) < tasks.size())
            && System.nanoTime() < deadline) {
          if (n == ms.length) {
            ms = Arrays.copyOf(ms, n * 2);
          }
          ms[n++] = time(http, summary);
        }
        long end = aggregator.tasksDone(run);
        stream.join();
        if (failed.get() != null) {
          throw failed.get();
        }
        return new Figures(
            loaded,
            streamed,
            start,
            end,
            Arrays.copyOf(ms, n),
            Runtime.getRuntime().availableProcessors());
      }
    }
  }

  private static KafkaProducer<String, byte[]> producer(KafkaSettings kafka) {
    Properties p = kafka.client();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // Whole results up to 1 MiB go in one record, as the worker's do.
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * MAX_MESSAGE_BYTES);
    // Loading is not what is measured: batch generously (the stream flushes per task anyway).
    p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
    return new KafkaProducer<>(p);
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, KafkaSettings kafka, List<List<LayerResult>> tasks) {
    for (List<LayerResult> task : tasks) {
      for (LayerResult r : task) {
        for (byte[] part : ResultMessages.encode(r, MAX_MESSAGE_BYTES)) {
          producer.send(new ProducerRecord<>(kafka.topics().results(), r.itemId(), part));
        }
      }
    }
  }

  /** One request's latency in ms; a non-200 answer is a failure of the bench, not a sample. */
  private static double time(HttpClient http, HttpRequest request)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    double ms = (System.nanoTime() - t0) / 1e6;
    if (r.statusCode() != 200) {
      throw new IOException(request.uri() + " answered " + r.statusCode() + ": " + r.body());
    }
    return ms;
  }

  private void awaitTasks(Aggregator aggregator, String run, long tasks) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (tasksDone(aggregator, run) < tasks) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(
            "aggregator observed "
                + aggregator.tasksDone(run)
                + " of "
                + tasks
                + " loaded tasks of run "
                + run
                + " within "
                + timeout.toSeconds()
                + " s");
      }
      Thread.sleep(50);
    }
  }

  /** Tasks done, 0 while the stores are still being opened or restored. */
  private static long tasksDone(Aggregator aggregator, String run) {
    try {
      return aggregator.tasksDone(run);
    } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
      return 0;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
