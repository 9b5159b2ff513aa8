package dev.saescope.aggregator.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.Aggregator;
import dev.saescope.aggregator.report.ReportJson;
import dev.saescope.aggregator.report.RunReport;
import dev.saescope.aggregator.stream.AggregatorMetrics;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.TopicAdmin;
import dev.saescope.common.kafka.TopicSpec;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.schemas.ArchivedMessage;
import dev.saescope.schemas.TopicKind;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming aggregator on a real broker computes exactly what {@code analyze} computes offline
 * from the same messages: in another order, with parts split, duplicates and garbage mixed in,
 * after a restart, after its local state is lost (restored from the changelogs), and with two
 * instances sharing the partitions. Results say their task's size (v3) except in the two-instance
 * test, which covers the idle-time fallback for older workers: under heavy load (a pause longer
 * than the 300 ms idle time in the middle of a task's messages) that fallback can finish a task
 * early, which is why v3 results carry the size.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class AggregatorServiceTest {
  private static final String RUN = "synthetic-run";
  private static final int ITEMS = 12;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

  @TempDir Path dir;

  @Test
  void streamedReportEqualsOfflineAnalysisAcrossRestartsAndLostState(KafkaSettings kafka)
      throws Exception {
    List<ArchivedMessage> messages = SyntheticRun.messages(RUN, ITEMS, 7, 1500, 3);
    JsonObject expected = offline(messages);
    assertFalse(expected.getJsonArray("histograms").isEmpty(), "latent histograms compared too");
    publishShuffledWithNoise(kafka, messages, 11);

    JsonObject first;
    try (Aggregator a = start(kafka, dir.resolve("state-1"), freePort(), dir.resolve("out"))) {
      first = awaitReport(a.httpPort());
      assertTrue(a.service().healthy());
      JsonObject summary = get(a.httpPort(), "/api/runs/" + RUN + "/summary");
      assertEquals(SyntheticRun.tasks(ITEMS), summary.getLong("tasks_done"));
      assertEquals(SyntheticRun.tasks(ITEMS), summary.getLong("tasks_expected"));
      assertTrue(
          summary.getJsonObject("skipped_input").getLong("undecodable") >= 2, summary.encode());
      awaitFile(dir.resolve("out").resolve(RUN).resolve("report.json"));
    }
    sameReport(expected, first, "stream = analyze");
    try (Aggregator again = start(kafka, dir.resolve("state-1"), freePort(), null)) {
      sameReport(expected, awaitReport(again.httpPort()), "after a restart on the same state");
    }
    try (Aggregator restored = start(kafka, dir.resolve("state-2"), freePort(), null)) {
      sameReport(expected, awaitReport(restored.httpPort()), "state restored from changelogs");
    }
  }

  /** Results of workers before v3 (no task size): tasks finish after the idle time instead. */
  @Test
  void twoInstancesShareThePartitionsAndGiveTheSameReport(KafkaSettings kafka) throws Exception {
    List<ArchivedMessage> messages = SyntheticRun.messages(RUN, ITEMS, 3, 100_000);
    JsonObject expected = offline(messages);
    publishShuffledWithNoise(kafka, messages, 5);
    try (Aggregator a = start(kafka, dir.resolve("a"), freePort(), null);
        Aggregator b = start(kafka, dir.resolve("b"), freePort(), null)) {
      // Asked of either instance, the run's owner answers (the other redirects there).
      sameReport(expected, awaitReport(a.httpPort()), "asked of instance a");
      sameReport(expected, awaitReport(b.httpPort()), "asked of instance b");
    }
  }

  /**
   * Results that say how many results their task has finish the task as its last part arrives: with
   * an idle time of an hour the run still completes, split parts and duplicates included.
   */
  @Test
  void tasksWhoseResultsSayTheirSizeFinishWithoutWaitingForIdle(KafkaSettings kafka)
      throws Exception {
    List<ArchivedMessage> messages = SyntheticRun.messages(RUN, ITEMS, 9, 1500, 3);
    JsonObject expected = offline(messages);
    publishShuffledWithNoise(kafka, messages, 17);
    int port = freePort();
    AggregatorConfig config =
        new AggregatorConfig(
            kafka, dir.resolve("exact"), "127.0.0.1:" + port, Duration.ofHours(1), 1);
    try (Aggregator a = Aggregator.start(config, "127.0.0.1", port, null)) {
      sameReport(expected, awaitReport(port), "complete by count, not by idle time");
    }
  }

  /**
   * A task whose results say their number waits past the idle time for one that never comes (a long
   * pause of the aggregator looks the same as a late result), then, after {@link
   * dev.saescope.aggregator.stream.TaskIntake} has waited 30 idle times, it is finished with what
   * came and the missing result is reported as incomplete input.
   */
  @Test
  void aTaskMissingAStatedResultWaitsThenFinishesAndIsReported(KafkaSettings kafka)
      throws Exception {
    List<ArchivedMessage> messages =
        new ArrayList<>(SyntheticRun.messages(RUN, ITEMS, 19, 100_000, 3));
    assertEquals(1 + 3 * SyntheticRun.tasks(ITEMS), messages.size(), "one message per result");
    messages.remove(3); // the first task's layer 2
    publishShuffledWithNoise(kafka, messages, 23);
    int port = freePort();
    AggregatorConfig config =
        new AggregatorConfig(
            kafka, dir.resolve("missing"), "127.0.0.1:" + port, Duration.ofMillis(200), 1);
    long start = System.nanoTime();
    try (Aggregator a = Aggregator.start(config, "127.0.0.1", port, null)) {
      long deadline = start + Duration.ofSeconds(120).toNanos();
      JsonObject summary = null;
      while (System.nanoTime() < deadline) {
        HttpResponse<String> r = send(port, "/api/runs/" + RUN + "/summary");
        if (r.statusCode() == 200) {
          summary = new JsonObject(r.body());
          if (summary.getLong("tasks_done") == SyntheticRun.tasks(ITEMS)) {
            break;
          }
        }
        Thread.sleep(100);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertEquals(SyntheticRun.tasks(ITEMS), summary.getLong("tasks_done"), summary.encode());
      assertTrue(seconds >= 30 * 0.2, "finished after " + seconds + " s, before 30 idle times");
      assertTrue(
          summary.getJsonObject("skipped_input").getLong("incomplete", 0L) >= 1, summary.encode());
    }
  }

  @Test
  void killedWithSigkillMidRunItRestartsToTheSameNumbers(KafkaSettings kafka) throws Exception {
    List<ArchivedMessage> messages = SyntheticRun.messages(RUN, ITEMS, 5, 3000, 3);
    JsonObject expected = offline(messages);
    publishShuffledWithNoise(kafka, messages, 13);
    int port = freePort();
    Path state = dir.resolve("state");
    Process first = child(kafka, state, port);
    try {
      awaitSomeTasks(port);
    } finally {
      first.destroyForcibly().waitFor(); // SIGKILL: no clean shutdown, no final commit
    }
    Process second = child(kafka, state, port);
    try {
      sameReport(expected, awaitReport(port), "after kill -9 and restart");
    } finally {
      second.destroyForcibly().waitFor();
    }
  }

  private static Process child(KafkaSettings kafka, Path state, int port) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                AggregatorProcessMain.class.getName(),
                kafka.bootstrapServers(),
                kafka.topics().prefix(),
                state.toString(),
                Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(
                state.resolveSibling("child-" + port + "-" + System.nanoTime() + ".log").toFile())
            .start();
    return p;
  }

  /** Waits until the run is partly observed (so the kill lands mid-run). */
  private static void awaitSomeTasks(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> s = send(port, "/api/runs/" + RUN + "/summary");
        if (s.statusCode() == 200 && new JsonObject(s.body()).getLong("tasks_done") > 0) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the first aggregator observed no task within 120 s");
  }

  /** Equal reports, or a failure naming the first path where they differ. */
  static void sameReport(JsonObject expected, JsonObject actual, String what) {
    String diff = firstDifference("", expected.getMap(), actual.getMap());
    assertTrue(diff == null, what + ": reports differ at " + diff);
  }

  private static String firstDifference(String path, Object a, Object b) {
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      if (!ma.keySet().equals(mb.keySet())) {
        return path + " keys " + ma.keySet() + " vs " + mb.keySet();
      }
      for (Object k : ma.keySet()) {
        String d = firstDifference(path + "." + k, ma.get(k), mb.get(k));
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      if (la.size() != lb.size()) {
        return path + " sizes " + la.size() + " vs " + lb.size();
      }
      for (int i = 0; i < la.size(); i++) {
        String d = firstDifference(path + "[" + i + "]", la.get(i), lb.get(i));
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (a instanceof JsonObject ja) {
      return firstDifference(path, ja.getMap(), b instanceof JsonObject jb ? jb.getMap() : b);
    }
    if (a instanceof io.vertx.core.json.JsonArray ja) {
      return firstDifference(
          path, ja.getList(), b instanceof io.vertx.core.json.JsonArray jb ? jb.getList() : b);
    }
    return java.util.Objects.equals(a, b) ? null : path + ": " + a + " vs " + b;
  }

  static JsonObject offline(List<ArchivedMessage> messages) {
    Map<String, RunReport> reports = OfflineAnalysis.analyze(messages, AggregatorMetrics.none());
    return new JsonObject(ReportJson.write(reports.get(RUN)));
  }

  private static Aggregator start(KafkaSettings kafka, Path state, int port, Path out) {
    AggregatorConfig config =
        new AggregatorConfig(kafka, state, "127.0.0.1:" + port, Duration.ofMillis(300), 1);
    return Aggregator.start(config, "127.0.0.1", port, out);
  }

  /**
   * Every task's messages in a shuffled order of tasks (a worker publishes a task's results in one
   * transaction, so they stay together), some tasks twice, and two undecodable messages between.
   */
  private static void publishShuffledWithNoise(
      KafkaSettings kafka, List<ArchivedMessage> messages, long seed) throws Exception {
    TopicAdmin.ensureTopics(kafka, TopicSpec.standard(kafka.topics(), 4, TopicSpec.BROKER_DEFAULT));
    Map<String, List<ArchivedMessage>> byTask = new java.util.LinkedHashMap<>();
    List<ArchivedMessage> other = new ArrayList<>();
    for (ArchivedMessage m : messages) {
      if (m.kind() == TopicKind.RESULTS) {
        String task =
            dev.saescope.schemas.serde.Codecs.layerResult().decode(m.value(), "t", -1, -1).taskId();
        byTask.computeIfAbsent(task, k -> new ArrayList<>()).add(m);
      } else {
        other.add(m);
      }
    }
    List<List<ArchivedMessage>> groups = new ArrayList<>(byTask.values());
    Random rnd = new Random(seed);
    for (int i = 0; i < 5; i++) {
      groups.add(groups.get(rnd.nextInt(byTask.size())));
    }
    groups.add(List.of(new ArchivedMessage(TopicKind.RESULTS, "garbage", new byte[] {1, 2, 3})));
    groups.add(List.of(new ArchivedMessage(TopicKind.RESULTS, "garbage", new byte[300])));
    Collections.shuffle(groups, rnd);
    groups.add(0, other);
    Properties p = kafka.client();
    p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (List<ArchivedMessage> g : groups) {
        for (ArchivedMessage m : g) {
          producer.send(new ProducerRecord<>(kafka.topics().name(m.kind()), m.key(), m.value()));
        }
      }
      producer.flush();
    }
  }

  private static JsonObject awaitReport(int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> s;
      try {
        s = send(port, "/api/runs/" + RUN + "/summary");
      } catch (java.io.IOException e) { // a restarted process is not listening yet
        Thread.sleep(200);
        continue;
      }
      if (s.statusCode() == 200
          && new JsonObject(s.body()).getLong("tasks_done") == SyntheticRun.tasks(ITEMS)) {
        HttpResponse<String> report = send(port, "/api/runs/" + RUN + "/report");
        if (report.statusCode() == 200) {
          return new JsonObject(report.body());
        } // 503 while a second instance joining moves the run's state: ask again
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "run not complete on port "
            + port
            + ": "
            + send(port, "/api/runs/" + RUN + "/summary").body());
  }

  private static void awaitFile(Path file) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!Files.isRegularFile(file) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(Files.isRegularFile(file), file + " written when the run completed");
  }

  static JsonObject get(int port, String path) throws Exception {
    HttpResponse<String> r = send(port, path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return new JsonObject(r.body());
  }

  static HttpResponse<String> send(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
