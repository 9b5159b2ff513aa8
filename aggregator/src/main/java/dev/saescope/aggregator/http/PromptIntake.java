package dev.saescope.aggregator.http;

import dev.saescope.aggregator.service.RunQueries;
import dev.saescope.common.kafka.KafkaConfigException;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.kafka.PublishException;
import dev.saescope.common.kafka.RunAnnouncer;
import dev.saescope.common.kafka.TaskPublisher;
import dev.saescope.producer.dataset.DatasetException;
import dev.saescope.producer.dataset.Item;
import dev.saescope.producer.dataset.JsonlItemParser;
import dev.saescope.producer.run.TaskSizeLimit;
import dev.saescope.producer.template.Templates;
import dev.saescope.producer.variant.TaskBuilder;
import dev.saescope.producer.variant.VariantOptions;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.Task;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code POST /api/prompts}: a question with its answers, in the producer's item JSON, checked by
 * the producer's own parser, built into tasks by the producer's own task builder (default variants,
 * as {@code saescope produce} with no options) and published to the tasks topic, where the workers
 * pick it up like any other item. The run is announced as open if it never was.
 */
public final class PromptIntake implements AutoCloseable {
  /** Largest request body accepted (bytes); larger ones get 413 before any parsing. */
  public static final int MAX_BODY_BYTES = 16 * 1024;

  /** Longest text in any field (characters): a question or answer, not a document. */
  public static final int MAX_TEXT_CHARS = 1000;

  /** Most answers of one kind in one item: each becomes a task a worker must run. */
  public static final int MAX_LIST = 16;

  /** The run prompts go to when the request names none. */
  public static final String DEFAULT_RUN = "prompts";

  private static final long WINDOW_MS = 60_000;

  private final KafkaSettings kafka;
  private final RunQueries queries;
  private final int perMinute;
  private final Templates templates = Templates.load();
  private final Map<String, long[]> windows = new ConcurrentHashMap<>(); // client -> [start, n]
  private final Map<String, LongAdder> submitted = new ConcurrentHashMap<>(); // run -> tasks
  private TaskPublisher publisher;

  /**
   * @param perMinute requests one client (remote address) may make per minute
   */
  public PromptIntake(KafkaSettings kafka, RunQueries queries, int perMinute) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("prompt rate limit must be >= 1 per minute");
    }
    this.kafka = kafka;
    this.queries = queries;
    this.perMinute = perMinute;
  }

  /**
   * Counts one request of {@code client}.
   *
   * @throws ApiException 429 when the client is over its limit this minute
   */
  void admit(String client) {
    long now = System.currentTimeMillis();
    long[] w = windows.computeIfAbsent(client, k -> new long[] {now, 0});
    synchronized (w) {
      if (now - w[0] >= WINDOW_MS) {
        w[0] = now;
        w[1] = 0;
      }
      if (++w[1] > perMinute) {
        long retry = Math.max(1, (w[0] + WINDOW_MS - now + 999) / 1000);
        throw ApiException.tooMany(
            "rate limit: " + perMinute + " prompts per minute per client; retry in " + retry + " s",
            retry);
      }
    }
  }

  /**
   * Tasks this instance published into {@code run} since it started: the run's progress adds them
   * to the producer's announced total. Another instance's prompts and those before a restart are
   * not counted (the announcement stays the producer's word).
   */
  public long submittedTasks(String run) {
    LongAdder n = submitted.get(run);
    return n == null ? 0 : n.sum();
  }

  /** Parses, builds and publishes one item; answers {@code {"run_id", "item_id", "tasks"}}. */
  public JsonObject submit(String run, String body) {
    JsonObject item;
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(body == null ? "" : body);
      if (!(parsed instanceof JsonObject o)) {
        throw ApiException.badRequest("the body must be a JSON object (the producer's item JSON)");
      }
      item = o;
    } catch (DecodeException e) {
      throw ApiException.badRequest("the body is not JSON: " + firstLine(e.getMessage()));
    }
    checkSizes(item);
    if (!item.containsKey("item_id")) {
      // Each submission is a new item: the same question twice must not collide on task ids.
      byte[] r = new byte[4];
      ThreadLocalRandom.current().nextBytes(r);
      item.put("item_id", "web-" + System.currentTimeMillis() + "-" + HexFormat.of().formatHex(r));
    }
    Item parsedItem;
    try {
      parsedItem = new JsonlItemParser(templates::hasQuestions).parse("body", 1, item.encode());
    } catch (DatasetException e) {
      throw ApiException.badRequest(e.getMessage());
    }
    List<Task> tasks =
        new TaskBuilder(templates, VariantOptions.defaults(), run, 0, System::currentTimeMillis)
            .build(parsedItem, List.of(), List.of());
    if (tasks.isEmpty()) {
      throw ApiException.badRequest("the item makes no task");
    }
    TaskSizeLimit.KAFKA_DEFAULT
        .firstOver(tasks)
        .ifPresent(
            o -> {
              throw ApiException.badRequest(
                  "task "
                      + o.task().taskId()
                      + " is "
                      + o.recordBytes()
                      + " bytes, over the limit");
            });
    publish(run, tasks);
    JsonArray out = new JsonArray();
    for (Task t : tasks) {
      out.add(
          new JsonObject()
              .put("task_id", t.taskId())
              .put("variant", t.variant().name().toLowerCase(Locale.ROOT))
              .put("family", t.family())
              .put("text", t.text()));
    }
    return new JsonObject()
        .put("run_id", run)
        .put("item_id", parsedItem.itemId())
        .put("tasks", out);
  }

  /** Every string at most {@link #MAX_TEXT_CHARS}, every list at most {@link #MAX_LIST}. */
  private static void checkSizes(JsonObject item) {
    for (Map.Entry<String, Object> e : item) {
      check(e.getKey(), e.getValue());
    }
  }

  private static void check(String field, Object v) {
    if (v instanceof String s && s.length() > MAX_TEXT_CHARS) {
      throw ApiException.badRequest(
          "field \"" + field + "\" is " + s.length() + " characters; at most " + MAX_TEXT_CHARS);
    }
    if (v instanceof JsonArray a) {
      if (a.size() > MAX_LIST) {
        throw ApiException.badRequest(
            "field \"" + field + "\" has " + a.size() + " entries; at most " + MAX_LIST);
      }
      a.forEach(x -> check(field, x));
    }
    if (v instanceof JsonObject o) {
      o.forEach(x -> check(field + "." + x.getKey(), x.getValue()));
    }
  }

  private synchronized void publish(String run, List<Task> tasks) {
    try {
      if (queries.announcement(run).isEmpty()) {
        // Open and of unknown size: the dashboard shows tasks done without a total.
        RunAnnouncer.announce(
            kafka,
            new RunAnnouncement(run, "prompts", 0, -1, -1, true, System.currentTimeMillis()));
      }
      if (publisher == null) {
        publisher = TaskPublisher.open(kafka);
      }
      for (Task t : tasks) {
        publisher.publish(t);
      }
      publisher.flush();
      submitted.computeIfAbsent(run, k -> new LongAdder()).add(tasks.size());
    } catch (PublishException | KafkaConfigException e) {
      throw ApiException.unavailable(
          "cannot publish to " + kafka.topics().tasks() + ": " + e.getMessage());
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  @Override
  public synchronized void close() {
    if (publisher != null) {
      publisher.close();
    }
  }
}
