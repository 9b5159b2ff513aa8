package dev.saescope.aggregator.observe;

import static dev.saescope.aggregator.observe.TestResults.dense;
import static dev.saescope.aggregator.observe.TestResults.labels;
import static dev.saescope.aggregator.observe.TestResults.latent;
import static dev.saescope.aggregator.observe.TestResults.result;
import static dev.saescope.aggregator.observe.TestResults.score;
import static dev.saescope.aggregator.observe.TestResults.tokens;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.stats.ItemKey;
import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TaskObservationsTest {
  private static final double EPS = 1e-6;
  private static final double R = Math.sqrt(0.5);

  /** BOS, question 10 11 (q_end = 2), answer 100 5; gold0 = 100 at position 3. */
  private static final PromptTokens TOKENS = tokens(new int[] {2, 10, 11, 100, 5}, 2, 3);

  /**
   * Three resid_post layers of width 2 (q_end row, then the two answer rows), the SAE at layer 1:
   * L0 q (1,0), answer (0,1) (0,3); L1 q (1,1), answer (2,0) (0,2); L2 q (0,1), answer (1,0) (1,0).
   */
  static List<LayerResult> handTask(Variant variant, String taskId) {
    TaskLabels labels = labels(variant);
    int[] pos = {2, 3, 4};
    List<LatentRow> z =
        List.of(
            latent(0, new int[] {3}, new double[] {5}, 0.5),
            latent(2, new int[] {1, 4}, new double[] {2, 1}, 0.1),
            latent(3, new int[] {1}, new double[] {1}, 0.2),
            latent(4, new int[] {4, 7}, new double[] {1, 2}, 0.3));
    List<dev.saescope.schemas.TargetScore> scores =
        List.of(
            score(2, 100, ScoreRole.ANS0, -0.5, 0, 1.5),
            score(2, 100, ScoreRole.GOLD0, -0.5, 0, 1.5));
    return List.of(
        result(
            taskId,
            "item-a",
            labels,
            TOKENS,
            0,
            "resid_post",
            null,
            dense(pos, 2, 1, 0, 0, 1, 0, 3),
            List.of(),
            scores,
            lens(7, 3.0)),
        result(
            taskId,
            "item-a",
            labels,
            TOKENS,
            1,
            "resid_post",
            "sae-1",
            dense(pos, 2, 1, 1, 2, 0, 0, 2),
            z,
            scores,
            lens(100, 1.0)),
        result(
            taskId,
            "item-a",
            labels,
            TOKENS,
            2,
            "resid_post",
            null,
            dense(pos, 2, 0, 1, 1, 0, 1, 0),
            List.of(),
            scores,
            lens(100, 0.0)));
  }

  private static List<LensSummary> lens(int top1, double kl) {
    return List.of(new LensSummary(2, top1, (float) kl));
  }

  @Test
  void driftCosinesMatchTheHandComputedOnes() {
    TaskObservation o =
        TaskObservations.of(handTask(Variant.DIRECT, "t1"), ObservationOptions.DEFAULT);
    Drift l0 = o.layers().get(0).drift();
    assertEquals(R, l0.nextQEnd(), EPS);
    assertEquals(0, l0.finalQEnd(), EPS);
    assertEquals(R, l0.nextAnswer(), EPS);
    assertEquals(0, l0.finalAnswer(), EPS);
    Drift l1 = o.layers().get(1).drift();
    assertEquals(R, l1.nextQEnd(), EPS);
    assertEquals(R, l1.finalQEnd(), EPS);
    assertEquals(R, l1.nextAnswer(), EPS);
    assertEquals(R, l1.finalAnswer(), EPS);
    Drift l2 = o.layers().get(2).drift();
    assertTrue(Double.isNaN(l2.nextQEnd()), "no layer 3");
    assertEquals(1, l2.finalQEnd(), EPS);
    assertEquals(2, o.finalLayer());
  }

  @Test
  void distancesOnHAndZMatchTheHandComputedOnes() {
    TaskObservation o =
        TaskObservations.of(handTask(Variant.DIRECT, "t1"), ObservationOptions.DEFAULT);
    assertEquals(1, o.layers().get(0).distanceH(), EPS);
    assertEquals(0, o.layers().get(1).distanceH(), EPS);
    assertEquals(1, o.layers().get(2).distanceH(), EPS);
    // q = {1:2, 4:1}, answer sum = {1:1, 4:1, 7:2}: 1 - 3 / sqrt(5 * 6); position 0 is not answer
    assertEquals(1 - 3 / Math.sqrt(30), o.layers().get(1).distanceZ(), EPS);
    assertTrue(Double.isNaN(o.layers().get(0).distanceZ()), "layer 0 has no SAE");
  }

  @Test
  void lensPeaksReconErrorsAndMapsComeFromTheResults() {
    TaskObservation o =
        TaskObservations.of(handTask(Variant.DIRECT, "t1"), new ObservationOptions(1, 1, 1, -1));
    assertEquals(100, o.gold0());
    assertEquals(3, o.goldPosition());
    assertEquals(100, o.finalTop1());
    assertEquals(0.0, o.top1Agreement(o.layers().get(0)));
    assertEquals(1.0, o.top1Agreement(o.layers().get(1)));
    LayerObservation l1 = o.layers().get(1);
    assertEquals(1, l1.qEndPeak().latent());
    assertEquals(2.0, l1.qEndPeak().activation());
    assertEquals(1, l1.goldPeak().latent());
    assertEquals(-1, l1.goldPeak().attributionLatent(), "results carry no per-latent attribution");
    assertArrayEquals(new float[] {0.5f, Float.NaN, 0.1f, 0.2f, 0.3f}, l1.reconError());
    assertEquals(4, l1.map().size());
    assertArrayEquals(new int[] {7}, l1.map().get(3).latents(), "largest first: 2 > 1");
    assertEquals(0, o.layers().get(0).reconError().length);
  }

  @Test
  void mostActiveLatentTiesGoToTheLowerId() {
    List<LayerResult> rs = new ArrayList<>(handTask(Variant.DIRECT, "t1"));
    LayerResult l1 = rs.get(1);
    rs.set(
        1,
        result(
            "t1",
            "item-a",
            l1.labels(),
            TOKENS,
            1,
            "resid_post",
            "sae-1",
            l1.dense(),
            List.of(latent(2, new int[] {3, 9}, new double[] {4, 4}, 0)),
            l1.scores(),
            l1.lens()));
    TaskObservation o = TaskObservations.of(rs, ObservationOptions.DEFAULT);
    assertEquals(3, o.layers().get(1).qEndPeak().latent());
  }

  @Test
  void keptVectorsAreTheRowsInFloat16() {
    TaskObservation o =
        TaskObservations.of(handTask(Variant.DIRECT, "t1"), ObservationOptions.DEFAULT);
    KeptVectors v0 = o.layers().get(0).vectors();
    assertArrayEquals(new double[] {1, 0}, v0.qEndH().toDoubles(), 1e-3);
    assertArrayEquals(new double[] {0, 2}, v0.answerH().toDoubles(), 1e-3);
    assertArrayEquals(new double[] {0, 1}, v0.ans0H().toDoubles(), 1e-3);
    KeptVectors v1 = o.layers().get(1).vectors();
    assertArrayEquals(new int[] {1, 4, 7}, v1.answerZ().indices());
    assertArrayEquals(new double[] {0.5, 0.5, 1}, v1.answerZ().values().toDoubles(), 1e-3);
    assertArrayEquals(new int[] {1}, v1.ans0Active());
  }

  @Test
  void vectorsAreKeptOnlyForTheItemsTheOptionsChoose() {
    TaskObservation none =
        TaskObservations.of(handTask(Variant.DIRECT, "t1"), new ObservationOptions(0, 0, 8, -1));
    for (LayerObservation l : none.layers()) {
      assertTrue(l.vectors().isNone());
      assertTrue(l.map().isEmpty());
    }
    ObservationOptions half = new ObservationOptions(0.5, 0.5, 8, -1);
    int kept = 0;
    for (int i = 0; i < 1000; i++) {
      long key = ItemKey.of("item-" + i);
      assertEquals(half.keepVectors(key), half.keepVectors(key));
      kept += half.keepVectors(key) ? 1 : 0;
    }
    assertTrue(kept > 430 && kept < 570, "about half kept: " + kept);
    ObservationOptions tenth = new ObservationOptions(0.1, 0.1, 8, -1);
    for (int i = 0; i < 1000; i++) {
      long key = ItemKey.of("item-" + i);
      assertTrue(!tenth.keepVectors(key) || half.keepVectors(key), "a smaller share nests");
    }
  }

  @Test
  void resultsInAnyOrderOrRepeatedGiveTheSameBytes() {
    List<LayerResult> rs = new ArrayList<>(handTask(Variant.DIRECT, "t1"));
    byte[] expected = TaskObservations.of(rs, ObservationOptions.DEFAULT).toBytes();
    Random rnd = new Random(3);
    for (int i = 0; i < 5; i++) {
      List<LayerResult> shuffled = new ArrayList<>(rs);
      shuffled.add(rs.get(rnd.nextInt(rs.size()))); // a redelivered message
      Collections.shuffle(shuffled, rnd);
      assertArrayEquals(
          expected, TaskObservations.of(shuffled, ObservationOptions.DEFAULT).toBytes());
    }
  }

  @Test
  void clozeHasNoAnswerFiguresAndNoAns0Vectors() {
    PromptTokens cloze = tokens(new int[] {2, 10, 11}, 2, 3);
    TaskLabels labels = labels(Variant.CLOZE);
    LayerResult r =
        result(
            "c1",
            "item-a",
            labels,
            cloze,
            0,
            "resid_post",
            "sae-0",
            dense(new int[] {2}, 2, 1, 0),
            List.of(latent(2, new int[] {1}, new double[] {1}, 0)),
            List.of(),
            List.of());
    TaskObservation o = TaskObservations.of(List.of(r), ObservationOptions.DEFAULT);
    LayerObservation l = o.layers().get(0);
    assertTrue(Double.isNaN(l.distanceH()));
    assertTrue(Double.isNaN(l.distanceZ()));
    assertTrue(Double.isNaN(l.drift().finalAnswer()));
    assertEquals(1.0, l.drift().finalQEnd(), EPS);
    assertTrue(l.vectors().answerH().isEmpty());
    assertTrue(l.vectors().ans0H().isEmpty());
    assertEquals(-1, o.ans0());
    assertEquals(-1, o.goldPosition());
  }

  @Test
  void resultsOfDifferentTasksOrPartsAreRefused() {
    List<LayerResult> mixed = new ArrayList<>(handTask(Variant.DIRECT, "t1"));
    mixed.add(handTask(Variant.DIRECT, "t2").get(0));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskObservations.of(mixed, ObservationOptions.DEFAULT));
    assertTrue(e.getMessage().contains("task id"), e.getMessage());
    List<LayerResult> parts =
        dev.saescope.schemas.ResultParts.split(handTask(Variant.DIRECT, "t1").get(0), 2);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TaskObservations.of(parts, ObservationOptions.DEFAULT));
    assertTrue(e.getMessage().contains("join the parts"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> TaskObservations.of(List.of(), ObservationOptions.DEFAULT));
  }

  @Test
  void anExplicitFinalLayerIsUsedEvenWhenDeeperOnesAreReported() {
    TaskObservation o =
        TaskObservations.of(handTask(Variant.DIRECT, "t1"), new ObservationOptions(1, 1, 8, 1));
    assertEquals(1, o.finalLayer());
    assertEquals(R, o.layers().get(0).drift().finalQEnd(), EPS);
    assertEquals(100, o.finalTop1());
  }

  @Test
  void sparseLayerListsDoNotBridgeToTheNextReportedLayer() {
    List<LayerResult> rs = handTask(Variant.DIRECT, "t1");
    TaskObservation o =
        TaskObservations.of(List.of(rs.get(0), rs.get(2)), ObservationOptions.DEFAULT);
    assertTrue(Double.isNaN(o.layers().get(0).drift().nextQEnd()), "layer 1 is missing");
    DenseRows unused = DenseRows.none(2);
    assertEquals(0, unused.rows());
  }
}
