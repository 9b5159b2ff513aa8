package dev.saescope.aggregator.e2;

import static dev.saescope.aggregator.observe.TestObservations.layer;
import static dev.saescope.aggregator.observe.TestObservations.task;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.e2.E2bTables.AurocRow;
import dev.saescope.aggregator.e2.E2bTables.GoldRow;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TestObservations;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.Variant;
import java.util.List;
import org.junit.jupiter.api.Test;

class E2bAnalysisTest {
  private static final double EPS = 1e-12;
  private static final AnalysisOptions OPTIONS = AnalysisOptions.of(3).withResamples(200);

  /** ans0 scored at q_end (position 2) with log-probability lp and attribution 2 lp. */
  private static TestObservations.Task scored(
      String item, String id, Variant v, double lp, int goldRank) {
    return task(item, id, v)
        .finalTop1(1, 7)
        .with(
            layer(0)
                .sae("s0")
                .score(2, 100, ScoreRole.ANS0, lp - 1, 0, 2 * lp)
                .score(2, 100, ScoreRole.GOLD0, -1, goldRank + 3, 0),
            layer(1)
                .score(2, 100, ScoreRole.ANS0, lp, 0, 0)
                .score(2, 100, ScoreRole.GOLD0, -1, goldRank, 0));
  }

  private static List<TaskObservation> run() {
    return E2aAnalysisTest.sorted(
        List.of(
            scored("A", "a-d", Variant.DIRECT, -1, 0),
            scored("A", "a-e", Variant.EVASIVE, -3, 0),
            scored("B", "b-d", Variant.DIRECT, -2, 12),
            scored("B", "b-e", Variant.EVASIVE, -1.5, 0),
            task("A", "a-c", Variant.CLOZE)
                .finalTop1(1, 7)
                .with(layer(1).score(2, 100, ScoreRole.GOLD0, -1, 5, 0))));
  }

  @Test
  void aurocOfDirectVersusEvasiveByTheAnswersFirstTokenScore() {
    List<AurocRow> rows = E2bAnalysis.compute(run(), OPTIONS).auroc();
    // direct {-1, -2} above evasive {-3, -1.5}: 3 of 4 pairs; shifting by -1 at layer 0 keeps it
    AurocRow model = rows.get(0);
    assertEquals("model", model.scorer());
    assertEquals(1, model.layer());
    assertEquals(0.75, model.auroc().value(), EPS);
    assertEquals(4, model.auroc().n());
    assertEquals(-1.5, model.meanDirect().value(), EPS);
    AurocRow lens0 = rows.get(1);
    assertEquals("lens", lens0.scorer());
    assertEquals(0, lens0.layer());
    assertEquals(0.75, lens0.auroc().value(), EPS);
    AurocRow attribution = rows.get(3);
    assertEquals("attribution", attribution.scorer());
    assertEquals(0, attribution.layer());
    assertEquals(0.75, attribution.auroc().value(), EPS);
    assertEquals(4, rows.size(), "attribution only at the SAE layer");
  }

  @Test
  void goldTokenTopKAccuracyOnDirectAndCloze() {
    List<GoldRow> rows = E2bAnalysis.compute(run(), OPTIONS).gold();
    GoldRow cloze = rows.get(0);
    assertEquals("cloze", cloze.variant());
    assertEquals("model", cloze.scorer());
    assertEquals(0.0, cloze.top1().value(), EPS);
    assertEquals(1.0, cloze.top10().value(), EPS);
    GoldRow directModel =
        rows.stream()
            .filter(r -> r.variant().equals("direct") && r.scorer().equals("model"))
            .findFirst()
            .orElseThrow();
    // ranks: A 0, B 12
    assertEquals(0.5, directModel.top1().value(), EPS);
    assertEquals(0.5, directModel.top10().value(), EPS);
    GoldRow direct0 =
        rows.stream()
            .filter(r -> r.variant().equals("direct") && r.layer() == 0)
            .findFirst()
            .orElseThrow();
    // ranks: A 3, B 15
    assertEquals(0.0, direct0.top1().value(), EPS);
    assertEquals(0.5, direct0.top10().value(), EPS);
  }
}
