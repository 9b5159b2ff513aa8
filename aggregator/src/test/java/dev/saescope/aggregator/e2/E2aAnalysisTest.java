package dev.saescope.aggregator.e2;

import static dev.saescope.aggregator.observe.TestObservations.layer;
import static dev.saescope.aggregator.observe.TestObservations.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.e2.E2aTables.E2aRow;
import dev.saescope.aggregator.e2.E2aTables.LexicalRow;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TestObservations;
import dev.saescope.aggregator.stats.ItemKey;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class E2aAnalysisTest {
  private static final double EPS = 1e-12;
  private static final AnalysisOptions OPTIONS = AnalysisOptions.of(3).withResamples(200);

  static List<TaskObservation> sorted(List<TestObservations.Task> tasks) {
    List<TaskObservation> out = new ArrayList<>();
    for (TestObservations.Task t : tasks) {
      out.add(t.build());
    }
    out.sort(TaskObservation.ORDER);
    return out;
  }

  /** One task whose d is {@code d} on h at layers 0 and 1 and on z at layer 0 (the SAE layer). */
  private static TestObservations.Task t(String item, String id, Variant v, double d) {
    return task(item, id, v).with(layer(0).sae("s0").d(d, d / 2), layer(1).d(d, Double.NaN));
  }

  /**
   * A: direct 0.2, evasive 0.5 and 0.7 (mean 0.6); B: 0.3 vs 0.4; C: 0.1 vs 0.4; D direct only 0.5.
   * Differences -0.4, -0.1, -0.3.
   */
  private static List<TaskObservation> threeItems() {
    return sorted(
        List.of(
            t("A", "a-d", Variant.DIRECT, 0.2),
            t("A", "a-e1", Variant.EVASIVE, 0.5),
            t("A", "a-e2", Variant.EVASIVE, 0.7),
            t("B", "b-d", Variant.DIRECT, 0.3),
            t("B", "b-e", Variant.EVASIVE, 0.4),
            t("C", "c-d", Variant.DIRECT, 0.1),
            t("C", "c-e", Variant.EVASIVE, 0.4),
            t("D", "d-d", Variant.DIRECT, 0.5),
            task("D", "d-c", Variant.CLOZE).with(layer(0).sae("s0"), layer(1))));
  }

  private static E2aRow row(E2aTables t, String comparison, String rep, int layer) {
    return t.rows().stream()
        .filter(
            r ->
                r.comparison().equals(comparison)
                    && r.representation().equals(rep)
                    && r.layer() == layer)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row " + comparison + " " + rep + " " + layer));
  }

  @Test
  void deltaAurocAndDzOnThreeItemsByHand() {
    E2aTables t = E2aAnalysis.compute(threeItems(), OPTIONS);
    E2aRow h0 = row(t, E2aTables.MAIN, "h", 0);
    assertEquals((-0.4 - 0.1 - 0.3) / 3, h0.delta().value(), EPS);
    assertEquals(3, h0.delta().n(), "D has no evasive answer");
    assertEquals((0.2 + 0.3 + 0.1 + 0.5) / 4, h0.meanA().value(), EPS);
    assertEquals((0.6 + 0.4 + 0.4) / 3, h0.meanB().value(), EPS);
    // direct {0.2, 0.3, 0.1, 0.5} above evasive {0.6, 0.4, 0.4}: only 0.5 > 0.4, twice
    assertEquals(2.0 / 12, h0.auroc().value(), EPS);
    assertEquals(7, h0.auroc().n());
    double mean = -0.8 / 3;
    double sd =
        Math.sqrt(
            (Math.pow(-0.4 - mean, 2) + Math.pow(-0.1 - mean, 2) + Math.pow(-0.3 - mean, 2)) / 2);
    assertEquals(mean / sd, h0.cohensDz().value(), 1e-9);
    assertEquals(mean / (sd / Math.sqrt(3)), h0.t(), 1e-9);
    assertTrue(h0.delta().p() >= h0.pUnadjusted(), "max-over-layers p is not below the layer's");
    assertTrue(
        h0.delta().ciLow() <= h0.delta().value() && h0.delta().value() <= h0.delta().ciHigh());
  }

  @Test
  void zRowsExistOnlyAtLayersWithAnSae() {
    E2aTables t = E2aAnalysis.compute(threeItems(), OPTIONS);
    E2aRow z0 = row(t, E2aTables.MAIN, "z", 0);
    assertEquals((-0.4 - 0.1 - 0.3) / 6, z0.delta().value(), EPS);
    assertTrue(
        t.rows().stream().noneMatch(r -> r.representation().equals("z") && r.layer() == 1),
        "layer 1 has no SAE");
  }

  @Test
  void splitsKeepOnlyTheirEvasiveTasks() {
    List<TaskObservation> obs =
        sorted(
            List.of(
                t("A", "a-d", Variant.DIRECT, 0.2),
                task("A", "a-e1", Variant.EVASIVE)
                    .family("declines")
                    .mentions(true)
                    .with(layer(0).d(0.5, Double.NaN)),
                task("A", "a-e2", Variant.EVASIVE)
                    .family("deflects")
                    .with(layer(0).d(0.9, Double.NaN)),
                t("B", "b-d", Variant.DIRECT, 0.3).relation("P19"),
                task("B", "b-e", Variant.EVASIVE)
                    .relation("P19")
                    .family("declines")
                    .with(layer(0).d(0.4, Double.NaN))));
    E2aTables t = E2aAnalysis.compute(obs, OPTIONS);
    E2aRow declines = row(t, "direct_vs_evasive[family=declines]", "h", 0);
    assertEquals(((0.2 - 0.5) + (0.3 - 0.4)) / 2, declines.delta().value(), EPS);
    E2aRow deflects = row(t, "direct_vs_evasive[family=deflects]", "h", 0);
    assertEquals(0.2 - 0.9, deflects.delta().value(), EPS);
    assertEquals(1, deflects.delta().n());
    E2aRow mentions = row(t, "direct_vs_evasive[mentions_subject=true]", "h", 0);
    assertEquals(0.2 - 0.5, mentions.delta().value(), EPS);
    E2aRow noMention = row(t, "direct_vs_evasive[mentions_subject=false]", "h", 0);
    assertEquals(((0.2 - 0.9) + (0.3 - 0.4)) / 2, noMention.delta().value(), EPS);
    E2aRow p19 = row(t, "direct_vs_evasive[relation=P19]", "h", 0);
    assertEquals(0.3 - 0.4, p19.delta().value(), EPS);
    E2aRow main = row(t, E2aTables.MAIN, "h", 0);
    assertEquals(((0.2 - 0.7) + (0.3 - 0.4)) / 2, main.delta().value(), EPS);
  }

  @Test
  void theCounterfactualControlComparesDirectWithCounterfactualTasks() {
    List<TaskObservation> obs =
        sorted(
            List.of(
                t("A", "a-d", Variant.DIRECT, 0.2),
                t("A", "a-c", Variant.COUNTERFACTUAL, 0.25),
                t("B", "b-d", Variant.DIRECT, 0.3),
                t("B", "b-c", Variant.COUNTERFACTUAL, 0.5)));
    E2aRow r = row(E2aAnalysis.compute(obs, OPTIONS), "direct_vs_counterfactual", "h", 1);
    assertEquals((-0.05 - 0.2) / 2, r.delta().value(), EPS);
  }

  @Test
  void theVerdictNamesTheWinningLayerOrSaysNoneWins() {
    Random rnd = new Random(5);
    List<TestObservations.Task> strong = new ArrayList<>();
    List<TestObservations.Task> none = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String item = "item" + i;
      double noise = 0.05 * rnd.nextGaussian();
      strong.add(
          task(item, item + "d", Variant.DIRECT)
              .with(layer(0).d(0.5 + noise, Double.NaN), layer(1).d(0.2 + noise, Double.NaN)));
      strong.add(
          task(item, item + "e", Variant.EVASIVE)
              .with(layer(0).d(0.5, Double.NaN), layer(1).d(0.7, Double.NaN)));
      double flip = rnd.nextBoolean() ? 0.01 : -0.01;
      none.add(task(item, item + "d", Variant.DIRECT).with(layer(0).d(0.5 + flip, Double.NaN)));
      none.add(task(item, item + "e", Variant.EVASIVE).with(layer(0).d(0.5, Double.NaN)));
    }
    String win = E2aAnalysis.compute(sorted(strong), OPTIONS).verdicts().get(0);
    assertTrue(win.startsWith("On h (residual stream), layer 1 (resid_post) wins"), win);
    assertTrue(win.contains("n = 20 items"), win);
    String lose = E2aAnalysis.compute(sorted(none), OPTIONS).verdicts().get(0);
    assertTrue(lose.contains("no layer differs at 0.05"), lose);
    String z = E2aAnalysis.compute(sorted(none), OPTIONS).verdicts().get(1);
    assertTrue(z.contains("no layer has direct and evasive answers"), z);
  }

  /**
   * Items X, Y, Z of one relation and W alone in another: each is paired with the next in key order
   * (the last with the first); W has no pair.
   */
  @Test
  void theOtherItemControlPairsTheNextItemInKeyOrderWithinTheRelation() {
    List<String> items = new ArrayList<>(List.of("X", "Y", "Z"));
    items.sort(Comparator.comparingLong(ItemKey::of));
    double[][] q = {{1, 0}, {0, 1}, {1, 1}};
    double[][] a = {{1, 0}, {0, 1}, {1, -1}};
    List<TestObservations.Task> tasks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      tasks.add(
          task(items.get(i), items.get(i) + "d", Variant.DIRECT)
              .with(layer(0).vectors(TestObservations.dense(q[i], a[i], null))));
    }
    tasks.add(
        task("W", "Wd", Variant.DIRECT)
            .relation("P19")
            .with(layer(0).vectors(TestObservations.dense(q[0], a[1], null))));
    E2aRow r = row(E2aAnalysis.compute(sorted(tasks), OPTIONS), "direct_vs_other_item", "h", 0);
    double[] own = new double[3];
    double[] other = new double[3];
    for (int i = 0; i < 3; i++) {
      own[i] = 1 - cos(q[i], a[i]);
      other[i] = 1 - cos(q[i], a[(i + 1) % 3]);
    }
    double delta = 0;
    for (int i = 0; i < 3; i++) {
      delta += (own[i] - other[i]) / 3;
    }
    assertEquals(delta, r.delta().value(), 1e-3);
    assertEquals(3, r.delta().n(), "W has no pair");
    assertEquals((other[0] + other[1] + other[2]) / 3, r.meanB().value(), 1e-3);
  }

  private static double cos(double[] x, double[] y) {
    return (x[0] * y[0] + x[1] * y[1])
        / Math.sqrt((x[0] * x[0] + x[1] * x[1]) * (y[0] * y[0] + y[1] * y[1]));
  }

  @Test
  void theLexicalDistanceIsOneMinusTheCosineOfTokenCounts() {
    TaskObservation none = task("A", "a", Variant.DIRECT).build(); // question 10 11, answer 100 5
    assertEquals(1.0, LexicalBaseline.distance(none), EPS);
    TaskObservation shared =
        task("A", "b", Variant.EVASIVE).tokens(new int[] {2, 10, 11, 11, 200}, 2, 3).build();
    // question {10, 11}, answer {11, 200}: cos = 1 / 2
    assertEquals(0.5, LexicalBaseline.distance(shared), EPS);
    TaskObservation counts =
        task("A", "c", Variant.EVASIVE).tokens(new int[] {2, 10, 10, 11, 10}, 3, 4).build();
    // question {10: 2, 11: 1}, answer {10: 1}: cos = 2 / sqrt(5)
    assertEquals(1 - 2 / Math.sqrt(5), LexicalBaseline.distance(counts), EPS);
    assertTrue(Double.isNaN(LexicalBaseline.distance(task("A", "d", Variant.CLOZE).build())));
  }

  @Test
  void theLexicalRowIsOneNumberPerComparison() {
    List<TaskObservation> obs =
        sorted(
            List.of(
                task("A", "a-d", Variant.DIRECT),
                task("A", "a-e", Variant.EVASIVE).tokens(new int[] {2, 10, 11, 11, 200}, 2, 3),
                task("B", "b-d", Variant.DIRECT),
                task("B", "b-e", Variant.EVASIVE).tokens(new int[] {2, 10, 11, 300, 200}, 2, 3)));
    LexicalRow main = E2aAnalysis.compute(obs, OPTIONS).lexical().get(0);
    assertEquals(E2aTables.MAIN, main.comparison());
    assertEquals(((1 - 0.5) + (1 - 1)) / 2, main.delta().value(), EPS);
    assertEquals(2, main.delta().n());
    assertTrue(main.delta().p() > 0, "a sign-flip p");
  }
}
