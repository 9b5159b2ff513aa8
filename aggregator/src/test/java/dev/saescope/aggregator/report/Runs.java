package dev.saescope.aggregator.report;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.e3.LatentEffects;
import dev.saescope.aggregator.observe.ObservationOptions;
import dev.saescope.aggregator.observe.SyntheticRun;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TaskObservations;
import dev.saescope.aggregator.observe.TestResults;
import dev.saescope.schemas.LayerResult;
import java.util.ArrayList;
import java.util.List;

/** A synthetic run's observations and report, for the report tests. */
final class Runs {
  static final AnalysisOptions OPTIONS = AnalysisOptions.of(42).withResamples(100);
  static final RunInfo INFO =
      new RunInfo(TestResults.RUN, "tiny-model", List.of("sae-1", "sae-3"), "float32");

  /** Latent i promotes token 100 + i % 4 most. */
  static final LatentEffects EFFECTS =
      new LatentEffects() {
        @Override
        public int[] topTokenIds(String saeId, int latent) {
          return new int[] {100 + latent % 4, 300};
        }

        @Override
        public int rankOf(String saeId, int latent, int tokenId) {
          return tokenId == 100 + latent % 4 ? 0 : tokenId == 300 ? 1 : -1;
        }
      };

  private Runs() {}

  static List<TaskObservation> observations(int items, int layers) {
    List<TaskObservation> out = new ArrayList<>();
    for (List<LayerResult> task : SyntheticRun.results(9, items, layers)) {
      out.add(TaskObservations.of(task, ObservationOptions.DEFAULT));
    }
    return out;
  }

  static RunReport report(List<TaskObservation> observations) {
    return RunAnalysis.compute(INFO, observations, EFFECTS, OPTIONS);
  }
}
