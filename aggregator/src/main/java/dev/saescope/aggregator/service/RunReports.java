package dev.saescope.aggregator.service;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.cards.LatentCard;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.report.ReportJson;
import dev.saescope.aggregator.report.RunAnalysis;
import dev.saescope.aggregator.report.RunInfo;
import dev.saescope.aggregator.report.RunReport;
import dev.saescope.schemas.RunAnnouncement;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A run's report from its current observations, recomputed only when the run has new tasks (a
 * report costs {@code resamples x items x layers}; the summary is polled every second).
 */
public final class RunReports {
  private record Cached(long tasks, RunReport report, JsonObject json) {}

  private final RunQueries queries;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public RunReports(RunQueries queries) {
    this.queries = queries;
  }

  /** The run's report.json, recomputed only when the run has new tasks. */
  public JsonObject report(String run, Optional<RunAnnouncement> announcement) {
    return current(run, announcement).json();
  }

  /** The report of {@code run} as of now. */
  public RunReport compute(String run, Optional<RunAnnouncement> announcement) {
    return current(run, announcement).report();
  }

  private Cached current(String run, Optional<RunAnnouncement> announcement) {
    long tasks = queries.tasksDone(run);
    Cached c = cache.get(run);
    if (c != null && c.tasks() == tasks) {
      return c;
    }
    List<TaskObservation> obs = Observations.decode(queries.observations(run));
    RunReport r =
        RunAnalysis.compute(
            info(run, obs),
            obs,
            LatentInfoEffects.of(queries.latentInfo()),
            AnalysisOptions.of(announcement.map(RunAnnouncement::seed).orElse(0L)));
    Map<String, List<LatentCard>> cards = new TreeMap<>();
    for (String sae : queries.saes(run).keySet()) {
      cards.put(sae, queries.cards(run, sae));
    }
    r = r.withHistograms(ReportHistograms.of(cards));
    Cached fresh = new Cached(tasks, r, new JsonObject(ReportJson.write(r)));
    cache.put(run, fresh);
    return fresh;
  }

  /**
   * The model, SAEs and dtype the observations say produced them; a run whose workers ran in
   * different dtypes names them all ({@code bf16,fp32}).
   */
  static RunInfo info(String run, List<TaskObservation> obs) {
    TreeSet<String> models = new TreeSet<>();
    TreeSet<String> saes = new TreeSet<>();
    TreeSet<String> dtypes = new TreeSet<>();
    for (TaskObservation o : obs) {
      models.add(o.modelId());
      saes.addAll(o.saeIds());
      dtypes.add(o.dtype());
    }
    return new RunInfo(run, String.join(",", models), List.copyOf(saes), String.join(",", dtypes));
  }
}
