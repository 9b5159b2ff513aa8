package dev.saescope.aggregator.e2;

import static dev.saescope.aggregator.observe.TestObservations.layer;
import static dev.saescope.aggregator.observe.TestObservations.task;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.e2.E2cTables.E2cRow;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TestObservations;
import dev.saescope.aggregator.stats.ItemKey;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class E2cAnalysisTest {
  private static final double EPS = 1e-12;
  private static final AnalysisOptions OPTIONS = AnalysisOptions.of(3).withResamples(200);

  /** The first item ids "item-N" that fall in (or out of) the training split. */
  private static List<String> items(boolean train, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; out.size() < count; i++) {
      if (OPTIONS.inTrainingSplit(ItemKey.of("item-" + i)) == train) {
        out.add("item-" + i);
      }
    }
    return out;
  }

  @Test
  void theBigramCountsFollowersAtTheHorizonAndBreaksTiesToTheLowerId() {
    Bigram b0 = new Bigram(0);
    b0.count(task("x", "1", Variant.DIRECT).tokens(new int[] {2, 10, 11, 100, 5}, 2, 3).build());
    b0.count(task("x", "2", Variant.DIRECT).tokens(new int[] {2, 10, 11, 101, 5}, 2, 3).build());
    b0.count(task("x", "3", Variant.DIRECT).tokens(new int[] {2, 10, 11, 100, 6}, 2, 3).build());
    assertArrayEquals(new int[] {100, 101}, b0.top(11, 5));
    assertArrayEquals(new int[] {5, 6}, b0.top(100, 5), "one each: the lower id first");
    assertArrayEquals(new int[0], b0.top(10, 5), "position 1 is before q_end");
    Bigram b1 = new Bigram(1);
    b1.count(task("x", "1", Variant.DIRECT).tokens(new int[] {2, 10, 11, 100, 5}, 2, 3).build());
    assertArrayEquals(new int[] {5}, b1.top(11, 5), "two ahead of q_end");
    assertArrayEquals(new int[0], b1.top(100, 5), "nothing two ahead of 100");
  }

  /**
   * Training: three direct answers after token 11 start 100, 101, 100. Evaluation: item e0 answers
   * 100 (lens rank 0 at layer 0, 3 at layer 1), e1 answers 101 (rank 7 at both).
   */
  @Test
  void lensAndBigramAccuracyAtQEndByHand() {
    List<String> train = items(true, 3);
    List<String> eval = items(false, 2);
    int[] firsts = {100, 101, 100};
    List<TestObservations.Task> tasks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      tasks.add(
          task(train.get(i), "t" + i, Variant.DIRECT)
              .tokens(new int[] {2, 10, 11, firsts[i], 5}, 2, 3)
              .with(layer(0).score(2, firsts[i], ScoreRole.ANS0, -1, 0, 0)));
    }
    tasks.add(
        task(eval.get(0), "e0", Variant.DIRECT)
            .tokens(new int[] {2, 10, 11, 100, 5}, 2, 3)
            .with(
                layer(0).score(2, 100, ScoreRole.ANS0, -1, 0, 0),
                layer(1).score(2, 100, ScoreRole.ANS0, -1, 3, 0)));
    tasks.add(
        task(eval.get(1), "e1", Variant.DIRECT)
            .tokens(new int[] {2, 10, 11, 101, 5}, 2, 3)
            .with(
                layer(0).score(2, 101, ScoreRole.ANS0, -1, 7, 0),
                layer(1).score(2, 101, ScoreRole.ANS0, -1, 7, 0)));
    tasks.add(
        task(eval.get(1), "e1-ev", Variant.EVASIVE)
            .with(layer(0).score(2, 100, ScoreRole.ANS0, -1, 0, 0)));
    List<TaskObservation> obs = E2aAnalysisTest.sorted(tasks);
    E2cTables t = E2cAnalysis.compute(obs, OPTIONS);
    E2cRow lens0 = find(t, 0, "lens", 0);
    assertEquals(0.5, lens0.top1().estimate().value(), EPS);
    assertEquals(0.5, lens0.top5().estimate().value(), EPS);
    assertEquals(2, lens0.top1().estimate().n(), "evaluation items only");
    E2cRow lens1 = find(t, 0, "lens", 1);
    assertEquals(0.0, lens1.top1().estimate().value(), EPS);
    assertEquals(0.5, lens1.top5().estimate().value(), EPS);
    E2cRow bigram = find(t, 0, "bigram", -1);
    assertEquals(0.5, bigram.top1().estimate().value(), EPS, "predicts 100 after 11");
    assertEquals(1.0, bigram.top5().estimate().value(), EPS);
    assertTrue(t.split().contains("0.20"), t.split());
  }

  @Test
  void horizonsTheResultsDoNotCarryAreAbsentWithAReason() {
    List<TaskObservation> obs =
        E2aAnalysisTest.sorted(
            List.of(
                task(items(false, 1).get(0), "e", Variant.DIRECT)
                    .with(layer(0).score(2, 100, ScoreRole.ANS0, -1, 0, 0))));
    E2cTables t = E2cAnalysis.compute(obs, OPTIONS);
    for (int n = 1; n < E2cAnalysis.HORIZONS; n++) {
      E2cRow lens = find(t, n, "lens", -1);
      assertFalse(lens.top1().isPresent());
      assertTrue(lens.top1().absentReason().contains("future" + n), lens.top1().absentReason());
    }
    E2cRow bigram = find(t, 0, "bigram", -1);
    assertTrue(bigram.top1().absentReason().contains("training split"), "no training items");
    E2cRow attribution = find(t, 0, "attribution", -1);
    assertEquals(E2cAnalysis.ATTRIBUTION_ABSENT, attribution.top5().absentReason());
  }

  /**
   * Along one direct answer [2, 10, 11 | 100, 5, 6]: horizon 1 from q_end (token 5) and from 100
   * (token 6) with attribution ranks 0 and 9; horizon 0 at 100 (NEXT, token 5) with rank 3.
   */
  @Test
  void attributionAccuracyAlongTheAnswerFromTheWorkersRanks() {
    List<TaskObservation> obs =
        E2aAnalysisTest.sorted(
            List.of(
                task(items(false, 1).get(0), "e", Variant.DIRECT)
                    .tokens(new int[] {2, 10, 11, 100, 5, 6}, 2, 3)
                    .with(
                        layer(4)
                            .score(2, 100, ScoreRole.ANS0, 0, 1)
                            .score(3, 5, ScoreRole.NEXT, 0, 3)
                            .score(2, 5, ScoreRole.FUTURE1, 0, 0)
                            .score(3, 6, ScoreRole.FUTURE1, 2, 9))));
    E2cTables t = E2cAnalysis.compute(obs, OPTIONS);
    E2cRow n0 = find(t, 0, "attribution", 4);
    assertEquals(0.0, n0.top1().estimate().value(), EPS, "ranks 1 and 3");
    assertEquals(1.0, n0.top5().estimate().value(), EPS);
    E2cRow n1 = find(t, 1, "attribution", 4);
    assertEquals(0.5, n1.top1().estimate().value(), EPS, "rank 0 from q_end, 9 from 100");
    assertEquals(0.5, n1.top5().estimate().value(), EPS);
    assertEquals(0.5, find(t, 1, "lens", 4).top1().estimate().value(), EPS, "lens ranks 0 and 2");
  }

  private static E2cRow find(E2cTables t, int n, String predictor, int layer) {
    return t.rows().stream()
        .filter(r -> r.horizon() == n && r.predictor().equals(predictor) && r.layer() == layer)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row " + n + " " + predictor + " " + layer));
  }
}
