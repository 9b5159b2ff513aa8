package dev.saescope.aggregator.report;

import dev.saescope.aggregator.e1.E1Tables;
import dev.saescope.aggregator.e2.E2aTables;
import dev.saescope.aggregator.e2.E2bTables;
import dev.saescope.aggregator.e2.E2cTables;
import dev.saescope.aggregator.e3.E3Tables;
import java.util.List;

/**
 * Every table of one run, with what identifies the run and the code (EXPERIMENTS.md §6: the same
 * inputs and seed give the same numbers).
 *
 * @param runId the producer run
 * @param modelId the model
 * @param saeIds the SAEs
 * @param dtype the model's compute dtype; null when unknown
 * @param seed the analysis seed
 * @param resamples bootstrap replicates and sign flips
 * @param codeVersion the aggregator's {@code Implementation-Version}, or {@link
 *     RunAnalysis#UNPACKAGED} when run from classes
 * @param items distinct items observed
 * @param tasks tasks observed
 * @param e1 Experiment 1
 * @param e2a E2a distances, controls and splits
 * @param e2b E2b forecasts at {@code q_end}
 * @param e2c E2c future tokens
 * @param e3 E3b target correspondence
 * @param histograms latent activation histograms to draw; may be empty
 */
public record RunReport(
    String runId,
    String modelId,
    List<String> saeIds,
    String dtype,
    long seed,
    int resamples,
    String codeVersion,
    int items,
    int tasks,
    E1Tables e1,
    E2aTables e2a,
    E2bTables e2b,
    E2cTables e2c,
    E3Tables e3,
    List<LatentHistogram> histograms) {

  public RunReport {
    if (runId == null || modelId == null || codeVersion == null) {
      throw new IllegalArgumentException("report: run id, model id and code version are needed");
    }
    if (e1 == null || e2a == null || e2b == null || e2c == null || e3 == null) {
      throw new IllegalArgumentException("report of run " + runId + ": a table is missing");
    }
    if (items < 0 || tasks < items) {
      throw new IllegalArgumentException(
          "report of run " + runId + ": " + items + " items, " + tasks + " tasks");
    }
    saeIds = List.copyOf(saeIds);
    histograms = List.copyOf(histograms);
  }

  /** The same report with histograms to draw. */
  public RunReport withHistograms(List<LatentHistogram> h) {
    return new RunReport(
        runId,
        modelId,
        saeIds,
        dtype,
        seed,
        resamples,
        codeVersion,
        items,
        tasks,
        e1,
        e2a,
        e2b,
        e2c,
        e3,
        h);
  }
}
