package dev.saescope.aggregator.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.saescope.aggregator.observe.ObservationOptions;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TaskObservations;
import dev.saescope.aggregator.observe.TestResults;
import dev.saescope.schemas.LayerResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunReportsTest {
  private static List<TaskObservation> observed(String... dtypes) {
    List<List<LayerResult>> tasks = dev.saescope.aggregator.observe.SyntheticRun.results(3, 2, 2);
    List<TaskObservation> out = new ArrayList<>();
    for (int i = 0; i < dtypes.length; i++) {
      String dtype = dtypes[i];
      out.add(
          TaskObservations.of(
              tasks.get(i).stream().map(r -> TestResults.inDtype(r, dtype)).toList(),
              ObservationOptions.DEFAULT));
    }
    return out;
  }

  @Test
  void theReportNamesTheDtypeTheWorkersRanIn() {
    assertEquals("bf16", RunReports.info("r", observed("bf16", "bf16")).dtype());
    assertEquals("bf16,fp32", RunReports.info("r", observed("fp32", "bf16")).dtype());
  }
}
