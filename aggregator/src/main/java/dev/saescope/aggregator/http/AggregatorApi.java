package dev.saescope.aggregator.http;

import dev.saescope.aggregator.service.RunQueries;
import dev.saescope.aggregator.service.RunReports;
import dev.saescope.aggregator.stream.AggregatorMetrics;
import dev.saescope.schemas.RunAnnouncement;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.kafka.streams.state.HostInfo;

/**
 * What the endpoints answer, as JSON, from this instance's stores; requests for a run another
 * instance holds are redirected there. Field names are the API's contract (openapi.yaml, a resource
 * of this module).
 */
public final class AggregatorApi {
  private static final long RATE_WINDOW_MS = 60_000;

  private final RunQueries queries;
  private final Function<byte[], RunAnnouncement> announcementCodec;
  private final RunReports reports;
  private final HostInfo self;
  private final AggregatorMetrics metrics;
  private final BooleanSupplier healthy;
  private final Map<String, Deque<long[]>> samples = new ConcurrentHashMap<>();

  /** Tasks sent into a run through {@code POST /api/prompts}: not in the producer's total. */
  private volatile ToLongFunction<String> submitted = run -> 0;

  public AggregatorApi(
      RunQueries queries,
      Function<byte[], RunAnnouncement> announcementCodec,
      RunReports reports,
      HostInfo self,
      AggregatorMetrics metrics,
      BooleanSupplier healthy) {
    this.queries = queries;
    this.announcementCodec = announcementCodec;
    this.reports = reports;
    this.self = self;
    this.metrics = metrics;
    this.healthy = healthy;
  }

  /**
   * Counts the tasks {@code prompts} sent into each run as expected, on top of the announced total
   * (the server links the two: they are built apart).
   */
  void countSubmitted(ToLongFunction<String> prompts) {
    this.submitted = prompts;
  }

  /** {@code GET /api/runs}: every run this instance knows, with its progress. */
  public JsonArray runs() {
    JsonArray out = new JsonArray();
    for (String run : queries.runs()) {
      Optional<RunAnnouncement> a = announcement(run);
      out.add(
          new JsonObject()
              .put("run_id", run)
              .put("tasks_done", queries.tasksDone(run))
              .put("tasks_expected", expected(a, submitted.applyAsLong(run)))
              .put("announced", a.isPresent()));
    }
    return out;
  }

  /**
   * The announced total plus the tasks sent in through the API (a prompt's tasks are done like any
   * other, so they must be expected too), or null while the total is unknown.
   */
  private static Long expected(Optional<RunAnnouncement> a, long submitted) {
    return a.filter(RunAnnouncement::tasksKnown).map(x -> x.tasks() + submitted).orElse(null);
  }

  /** {@code GET /api/runs/{id}/summary}: counts, progress, rate and the SAEs seen. */
  public JsonObject summary(String run, String path) {
    requireHere(run, path);
    Optional<RunAnnouncement> a = announcement(run);
    long done = queries.tasksDone(run);
    if (done == 0 && a.isEmpty()) {
      throw ApiException.notFound("no run '" + run + "' (see /api/runs)");
    }
    double rate = rate(run, done);
    long fromPrompts = submitted.applyAsLong(run);
    Long expected = expected(a, fromPrompts);
    JsonObject o =
        new JsonObject()
            .put("run_id", run)
            .put("announced", a.isPresent())
            .put("dataset", a.map(RunAnnouncement::dataset).orElse(null))
            .put("seed", a.map(RunAnnouncement::seed).orElse(null))
            .put("open", a.map(RunAnnouncement::open).orElse(null))
            .put("tasks_done", done)
            .put("tasks_expected", expected)
            .put("tasks_submitted", fromPrompts)
            .put(
                "items_expected",
                a.filter(x -> x.items() >= 0).map(RunAnnouncement::items).orElse(null))
            .put(
                "progress",
                expected == null || expected == 0 ? null : Math.min(1.0, done / (double) expected))
            .put("tasks_per_second", rate)
            .put(
                "eta_seconds",
                expected == null || rate <= 0 ? null : Math.max(0, (expected - done) / rate));
    JsonArray saes = new JsonArray();
    queries
        .saes(run)
        .forEach(
            (id, v) ->
                saes.add(
                    new JsonObject().put("sae_id", id).put("layer", v[0]).put("positions", v[1])));
    o.put("saes", saes);
    JsonObject skipped = new JsonObject();
    for (String reason : new String[] {"undecodable", "inconsistent", "incomplete"}) {
      skipped.put(reason, (long) metrics.skippedCount(reason));
    }
    return o.put("skipped_input", skipped);
  }

  /** {@code GET /api/runs/{id}/report}: report.json computed now. */
  public JsonObject report(String run, String path) {
    requireHere(run, path);
    Optional<RunAnnouncement> a = announcement(run);
    if (queries.tasksDone(run) == 0 && a.isEmpty()) {
      throw ApiException.notFound("no run '" + run + "' (see /api/runs)");
    }
    return reports.report(run, a);
  }

  /** {@code GET /health}. */
  public JsonObject health() {
    return new JsonObject()
        .put("status", healthy.getAsBoolean() ? "up" : "down")
        .put("instance", self.host() + ":" + self.port());
  }

  private Optional<RunAnnouncement> announcement(String run) {
    return queries.announcement(run).map(announcementCodec);
  }

  void requireHere(String run, String path) {
    queries
        .owner(run)
        .filter(h -> !h.equals(self))
        .ifPresent(
            h -> {
              throw ApiException.elsewhere(h.host() + ":" + h.port(), path);
            });
  }

  /** Tasks per second over the last minute of summary requests. */
  private double rate(String run, long done) {
    long now = System.currentTimeMillis();
    Deque<long[]> s = samples.computeIfAbsent(run, k -> new ArrayDeque<>());
    synchronized (s) {
      s.addLast(new long[] {now, done});
      while (s.size() > 2 && now - s.peekFirst()[0] > RATE_WINDOW_MS) {
        s.removeFirst();
      }
      long[] first = s.peekFirst();
      double secs = (now - first[0]) / 1000.0;
      return secs <= 0 ? 0 : (done - first[1]) / secs;
    }
  }
}
