package dev.saescope.aggregator.report;

import java.util.List;

/**
 * What the report says about the run besides its figures.
 *
 * @param runId the producer run
 * @param modelId the model, as the workers name it
 * @param saeIds the SAEs attached
 * @param dtype the model's compute dtype if known (e.g. {@code float32}); null when unknown
 */
public record RunInfo(String runId, String modelId, List<String> saeIds, String dtype) {
  public RunInfo {
    if (runId == null || runId.isBlank() || modelId == null || modelId.isBlank()) {
      throw new IllegalArgumentException("run info: run id and model id are needed");
    }
    saeIds = List.copyOf(saeIds);
  }
}
