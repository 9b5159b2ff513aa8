package dev.saescope.aggregator.report;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.e1.E1Analysis;
import dev.saescope.aggregator.e2.E2aAnalysis;
import dev.saescope.aggregator.e2.E2bAnalysis;
import dev.saescope.aggregator.e2.E2cAnalysis;
import dev.saescope.aggregator.e3.E3bAnalysis;
import dev.saescope.aggregator.e3.LatentEffects;
import dev.saescope.aggregator.observe.TaskObservation;
import java.util.ArrayList;
import java.util.List;

/** The whole analysis of a run: every experiment's tables from the run's observations. */
public final class RunAnalysis {
  /** The code version when the classes do not come from a jar with a manifest. */
  public static final String UNPACKAGED = "unpackaged";

  private RunAnalysis() {}

  /**
   * The run's report. The observations may come in any order; they are analysed in item key, task
   * id order, so the report is the same whatever order they arrived in.
   *
   * @throws IllegalArgumentException when an observation is of another run, or a task appears twice
   */
  public static RunReport compute(
      RunInfo info,
      List<TaskObservation> observations,
      LatentEffects effects,
      AnalysisOptions options) {
    List<TaskObservation> sorted = new ArrayList<>(observations);
    sorted.sort(TaskObservation.ORDER);
    int items = 0;
    for (int i = 0; i < sorted.size(); i++) {
      TaskObservation t = sorted.get(i);
      if (!t.runId().equals(info.runId())) {
        throw new IllegalArgumentException(
            "task " + t.taskId() + " is of run " + t.runId() + ", not " + info.runId());
      }
      TaskObservation before = i == 0 ? null : sorted.get(i - 1);
      if (before != null && TaskObservation.ORDER.compare(before, t) == 0) {
        throw new IllegalArgumentException("task " + t.taskId() + " is observed twice");
      }
      if (before == null || before.itemKey() != t.itemKey()) {
        items++;
      }
    }
    List<TaskObservation> view = List.copyOf(sorted);
    return new RunReport(
        info.runId(),
        info.modelId(),
        info.saeIds(),
        info.dtype(),
        options.seed(),
        options.resamples(),
        codeVersion(),
        items,
        view.size(),
        E1Analysis.compute(view, options),
        E2aAnalysis.compute(view, options),
        E2bAnalysis.compute(view, options),
        E2cAnalysis.compute(view, options),
        E3bAnalysis.compute(view, effects, options),
        List.of());
  }

  /** The jar manifest's {@code Implementation-Version}, or {@link #UNPACKAGED}. */
  static String codeVersion() {
    String v = RunAnalysis.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? UNPACKAGED : v;
  }
}
