package dev.saescope.aggregator.e1;

import static dev.saescope.aggregator.observe.TestObservations.layer;
import static dev.saescope.aggregator.observe.TestObservations.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.e1.ContextSensitivity.Context;
import dev.saescope.aggregator.e1.E1Tables.ContextRow;
import dev.saescope.aggregator.observe.SparseRow;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TestObservations;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class E1AnalysisTest {
  private static final double EPS = 1e-12;
  private static final AnalysisOptions OPTIONS = AnalysisOptions.of(11).withResamples(200);

  private static List<TaskObservation> sorted(TestObservations.Task... tasks) {
    List<TaskObservation> out = new ArrayList<>();
    for (TestObservations.Task t : tasks) {
      out.add(t.build());
    }
    out.sort(TaskObservation.ORDER);
    return out;
  }

  @Test
  void driftIsTheMeanOverItemsOfTheItemsMeanOverTasks() {
    List<TaskObservation> obs =
        sorted(
            task("A", "a1", Variant.DIRECT).with(layer(0).drift(0.2, 0.1, 0.5, Double.NaN)),
            task("A", "a2", Variant.EVASIVE).with(layer(0).drift(0.4, 0.1, 0.7, Double.NaN)),
            task("B", "b1", Variant.CLOZE).with(layer(0).drift(0.9, 0.3, Double.NaN, Double.NaN)));
    E1Tables.DriftRow row = E1Analysis.compute(obs, OPTIONS).drift().get(0);
    assertEquals((0.3 + 0.9) / 2, row.nextQEnd().value(), EPS);
    assertEquals(2, row.nextQEnd().n());
    assertEquals((0.1 + 0.3) / 2, row.finalQEnd().value(), EPS);
    assertEquals(0.6, row.nextAnswer().value(), EPS, "cloze has no answer: item A only");
    assertEquals(1, row.nextAnswer().n());
    assertEquals(0, row.finalAnswer().n());
    assertTrue(Double.isNaN(row.finalAnswer().value()));
  }

  @Test
  void lensRanksAgreementAndKlByHand() {
    List<TaskObservation> obs =
        sorted(
            task("A", "a1", Variant.DIRECT)
                .finalTop1(1, 7)
                .with(layer(0).lens(7, 2.0).score(2, 100, ScoreRole.ANS0, -1, 0, 0)),
            task("A", "a2", Variant.EVASIVE)
                .finalTop1(1, 7)
                .with(layer(0).lens(5, 4.0).score(2, 100, ScoreRole.ANS0, -1, 4, 0)),
            task("B", "b1", Variant.DIRECT)
                .finalTop1(1, 7)
                .with(layer(0).lens(5, 1.0).score(2, 100, ScoreRole.ANS0, -1, 1, 0)),
            task("C", "c1", Variant.DIRECT)
                .finalTop1(1, 7)
                .with(layer(0).lens(7, 1.0).score(2, 100, ScoreRole.ANS0, -1, 9, 0)),
            task("D", "d1", Variant.CLOZE)
                .finalTop1(1, 7)
                .with(layer(0).lens(7, 3.0).score(2, 100, ScoreRole.GOLD0, -1, 50, 0)));
    E1Tables.LensRow row = E1Analysis.compute(obs, OPTIONS).lens().get(0);
    // mean ranks per item: A (0 + 4) / 2 = 2, B 1, C 9; cloze has no actual next token
    assertEquals(2.0, row.medianRank().value(), EPS);
    assertEquals(3, row.medianRank().n());
    double logA = (Math.log(1) + Math.log(5)) / 2;
    assertEquals((logA + Math.log(2) + Math.log(10)) / 3, row.meanLogRank().value(), EPS);
    // agreement: A 1/2, B 0, C 1, D 1
    assertEquals((0.5 + 0 + 1 + 1) / 4, row.top1Agreement().value(), EPS);
    assertEquals((3.0 + 1 + 1 + 3) / 4, row.klBits().value(), EPS);
  }

  @Test
  void theCommitLayerIsTheFirstFromWhichEveryLaterTop1IsFinal() {
    TaskObservation late = commitTask("A", 5, 7, 7, 7);
    TaskObservation later = commitTask("B", 7, 5, 7, 7);
    TaskObservation early = commitTask("C", 7, 7, 7, 7);
    assertEquals(1, E1Analysis.commitLayer(late));
    assertEquals(2, E1Analysis.commitLayer(later), "agreeing at 0 does not count after a change");
    assertEquals(0, E1Analysis.commitLayer(early));
    List<TaskObservation> obs = new ArrayList<>(List.of(late, later, early));
    obs.sort(TaskObservation.ORDER);
    List<E1Tables.CommitRow> rows = E1Analysis.compute(obs, OPTIONS).commit();
    assertEquals(4, rows.size());
    assertEquals(1.0 / 3, rows.get(0).fraction().value(), EPS);
    assertEquals(1.0 / 3, rows.get(1).fraction().value(), EPS);
    assertEquals(1.0 / 3, rows.get(2).fraction().value(), EPS);
    assertEquals(0.0, rows.get(3).fraction().value(), EPS);
  }

  private static TaskObservation commitTask(String item, int... top1) {
    TestObservations.Task t = task(item, item + "1", Variant.DIRECT).finalTop1(3, 7);
    for (int l = 0; l < top1.length; l++) {
      t.with(layer(l).lens(top1[l], 0));
    }
    return t.build();
  }

  /**
   * Token 100: items 1 and 2 with (2, 0) and (0, 1); token 101: items 3 and 4 with (1, 0) and (0.6,
   * 0.8); token 102 has one context and stays out. Same-token cosines 0 and 0.6; the four
   * different-token pairs 1, 0.6, 0, 0.8. Latent sets {1,2} {2,3} (1/3) and {5} {5,6} (1/2).
   */
  @Test
  void contextSensitivityByHand() {
    List<TaskObservation> obs =
        sorted(
            ctx("i1", 100, new double[] {2, 0}, new int[] {1, 2}),
            ctx("i2", 100, new double[] {0, 1}, new int[] {2, 3}),
            ctx("i3", 101, new double[] {1, 0}, new int[] {5}),
            ctx("i4", 101, new double[] {0.6, 0.8}, new int[] {5, 6}),
            ctx("i5", 102, new double[] {1, 1}, new int[] {9}),
            task("i1", "i1-ev", Variant.EVASIVE)
                .with(layer(0).sae("s0").vectors(vectors(new double[] {5, 5}, new int[] {1}))));
    ContextRow row = E1Analysis.compute(obs, OPTIONS).context().get(0);
    assertEquals(2, row.tokens());
    assertEquals(4, row.contexts());
    double f16 = 1e-3; // the kept vectors are float16
    assertEquals((0 + 0.6) / 2, row.sameToken().value(), f16);
    assertEquals((1 + 0.6 + 0 + 0.8) / 4, row.differentToken().value(), f16);
    assertEquals((1.0 / 3 + 1.0 / 2) / 2, row.jaccard().value(), EPS);
    assertEquals(4, row.sameToken().n());
  }

  @Test
  void bootstrapWeightsPairDistinctContextsOnly() {
    Context c1 = new Context(0, 100, new double[] {1, 0}, new int[] {1, 2});
    Context c2 = new Context(1, 100, new double[] {0, 1}, new int[] {2, 3});
    Context c3 = new Context(2, 101, new double[] {1, 0}, new int[] {5});
    Context c4 = new Context(3, 101, new double[] {0.6, 0.8}, new int[] {5, 6});
    List<List<Context>> groups = List.of(List.of(c1, c2), List.of(c3, c4));
    double[] w = {2, 1, 1, 0};
    // same token: only (c1, c2), weight 2, cosine 0; copies of c1 are not paired
    assertEquals(0.0, ContextSensitivity.sameToken(groups, w), EPS);
    // different: (c1, c3) weight 2 cos 1, (c2, c3) weight 1 cos 0 -> 2 / 3
    assertEquals(2.0 / 3, ContextSensitivity.differentToken(groups, w), EPS);
    assertEquals(1.0 / 3, ContextSensitivity.jaccard(groups, w), EPS);
    assertEquals(1.0 / 3, ContextSensitivity.jaccard(new int[] {1, 2}, new int[] {2, 3}), EPS);
  }

  private static TestObservations.Task ctx(String item, int token, double[] h, int[] active) {
    return task(item, item + "-d", Variant.DIRECT)
        .tokens(new int[] {2, 10, 11, token, 5}, 2, 3)
        .with(layer(0).sae("s0").vectors(vectors(h, active)));
  }

  private static dev.saescope.aggregator.observe.KeptVectors vectors(double[] h, int[] active) {
    return TestObservations.both(
        new double[] {1, 1}, new double[] {1, 1}, h, SparseRow.EMPTY, SparseRow.EMPTY, active);
  }
}
