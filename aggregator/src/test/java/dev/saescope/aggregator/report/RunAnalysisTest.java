package dev.saescope.aggregator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TestObservations;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RunAnalysisTest {
  @Test
  void shuffledObservationsGiveBitIdenticalReportJson() {
    List<TaskObservation> obs = Runs.observations(12, 4);
    String expected = ReportJson.write(Runs.report(obs));
    Random rnd = new Random(1);
    for (int i = 0; i < 3; i++) {
      List<TaskObservation> shuffled = new ArrayList<>(obs);
      Collections.shuffle(shuffled, rnd);
      assertEquals(expected, ReportJson.write(Runs.report(shuffled)));
    }
  }

  @Test
  void observationsThroughTheirBytesGiveTheSameReport() {
    List<TaskObservation> obs = Runs.observations(6, 4);
    List<TaskObservation> stored = new ArrayList<>();
    for (TaskObservation o : obs) {
      stored.add(TaskObservation.fromBytes(o.toBytes()));
    }
    assertEquals(ReportJson.write(Runs.report(obs)), ReportJson.write(Runs.report(stored)));
  }

  @Test
  void theReportCountsItemsAndTasksAndNamesTheRun() {
    RunReport r = Runs.report(Runs.observations(6, 4));
    assertEquals(6, r.items());
    assertEquals(30, r.tasks());
    assertEquals(42, r.seed());
    assertEquals(RunAnalysis.UNPACKAGED, r.codeVersion(), "tests run from classes");
    assertEquals(List.of("sae-1", "sae-3"), r.saeIds());
    assertEquals(2, r.e2a().verdicts().size());
  }

  @Test
  void nanIsWrittenAsNullAndPOnlyWhereATestApplies() throws Exception {
    // one cloze task: no answer, so every distance, drift of the answer and AUROC is NaN
    List<TaskObservation> obs =
        List.of(
            TestObservations.task("A", "a", Variant.CLOZE)
                .with(TestObservations.layer(0).drift(0.5, 0.5, Double.NaN, Double.NaN))
                .build());
    String json = ReportJson.write(Runs.report(obs));
    assertFalse(json.contains("NaN"), json);
    assertFalse(json.contains("Infinity"), json);
    JsonNode root = new ObjectMapper().readTree(json);
    assertEquals(ReportJson.FORMAT, root.get("format").asInt());
    JsonNode drift = root.at("/e1/drift/0");
    assertEquals(0.5, drift.at("/next_q_end/value").asDouble());
    assertTrue(drift.at("/next_answer/value").isNull());
    assertEquals(0, drift.at("/next_answer/n").asInt());
    assertFalse(drift.get("next_q_end").has("p"), "a mean has no test");
  }

  @Test
  void deltasCarryTheirPAndMeansDoNot() throws Exception {
    JsonNode row =
        new ObjectMapper()
            .readTree(ReportJson.write(Runs.report(Runs.observations(8, 4))))
            .at("/e2a/rows/0");
    assertTrue(row.at("/delta/p").isNumber(), row.toString());
    assertTrue(row.get("p_unadjusted").isNumber());
    assertFalse(row.get("mean_a").has("p"));
    assertTrue(row.at("/delta/ci_low").isNumber());
  }

  @Test
  void aTaskObservedTwiceOrFromAnotherRunIsRefused() {
    TaskObservation a = TestObservations.task("A", "a", Variant.DIRECT).build();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Runs.report(List.of(a, a)));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
    RunInfo other = new RunInfo("run-2", "m", List.of(), null);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RunAnalysis.compute(other, List.of(a), Runs.EFFECTS, Runs.OPTIONS));
    assertTrue(e.getMessage().contains("run-2"), e.getMessage());
  }
}
