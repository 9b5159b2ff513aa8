package dev.saescope.aggregator.e3;

import static dev.saescope.aggregator.observe.TestObservations.layer;
import static dev.saescope.aggregator.observe.TestObservations.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.e3.E3Tables.CorrespondenceRow;
import dev.saescope.aggregator.observe.Peak;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TestObservations;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class E3bAnalysisTest {
  private static final double EPS = 1e-12;
  private static final AnalysisOptions OPTIONS = AnalysisOptions.of(3).withResamples(200);

  /** Latent 3 promotes 100 then 7; latent 4 promotes 7 then 100; latent 9 is unknown. */
  private static final LatentEffects EFFECTS =
      new LatentEffects() {
        private final Map<Integer, int[]> top =
            Map.of(3, new int[] {100, 7}, 4, new int[] {7, 100});

        @Override
        public int[] topTokenIds(String saeId, int latent) {
          return top.getOrDefault(latent, new int[0]);
        }

        @Override
        public int rankOf(String saeId, int latent, int tokenId) {
          int[] t = topTokenIds(saeId, latent);
          for (int i = 0; i < t.length; i++) {
            if (t[i] == tokenId) {
              return i;
            }
          }
          return -1;
        }
      };

  private static Peak peak(int position, int latent) {
    return new Peak(position, latent, 1.0, -1, Double.NaN, -1, -1);
  }

  /**
   * A (direct): at the gold token latent 3 (match), at q_end latent 4 (rank 1); B (direct): gold
   * latent 4, q_end latent 9 (unknown); C (cloze): q_end latent 3.
   */
  private static List<TaskObservation> run() {
    List<TaskObservation> out = new ArrayList<>();
    out.add(obs("A", Variant.DIRECT, peak(2, 4), peak(3, 3)));
    out.add(obs("B", Variant.DIRECT, peak(2, 9), peak(3, 4)));
    out.add(obs("C", Variant.CLOZE, peak(2, 3), Peak.NONE));
    out.add(obs("D", Variant.EVASIVE, peak(2, 3), Peak.NONE));
    out.sort(TaskObservation.ORDER);
    return out;
  }

  private static TaskObservation obs(String item, Variant v, Peak qEnd, Peak gold) {
    TestObservations.Task t = task(item, item + "1", v).with(layer(0).sae("s0").peaks(qEnd, gold));
    return (gold.hasLatent() ? t.gold(100, 3) : t.gold(100, -1)).build();
  }

  @Test
  void matchesAndRanksByHand() {
    List<CorrespondenceRow> rows = E3bAnalysis.compute(run(), EFFECTS, OPTIONS).correspondence();
    CorrespondenceRow gold = rows.get(0);
    assertEquals("gold_token", gold.point());
    assertEquals(2, gold.tasks());
    assertEquals(0.5, gold.topLatentMatch().estimate().value(), EPS);
    assertEquals(0.5, gold.topLatentRank().estimate().value(), EPS, "median of ranks 0 and 1");
    CorrespondenceRow qEnd = rows.get(1);
    assertEquals("q_end", qEnd.point());
    assertEquals(3, qEnd.tasks(), "direct and cloze, not evasive");
    assertEquals(0.5, qEnd.topLatentMatch().estimate().value(), EPS, "A no, C yes, B unknown");
    assertEquals(2, qEnd.topLatentMatch().estimate().n());
    assertEquals(0.5, qEnd.topLatentRank().estimate().value(), EPS);
  }

  @Test
  void cellsWithoutEffectsOrAttributionsAreAbsentWithTheReason() {
    CorrespondenceRow row =
        E3bAnalysis.compute(run(), LatentEffects.NONE, OPTIONS).correspondence().get(0);
    assertFalse(row.topLatentMatch().isPresent());
    assertTrue(row.topLatentMatch().absentReason().contains("s0"));
    assertEquals(E3bAnalysis.NO_ATTRIBUTION, row.attributionMatch().absentReason());
    assertEquals(E3bAnalysis.NO_ATTRIBUTION, row.attributionRank().absentReason());
  }

  @Test
  void theAttributionLatentIsUsedWhenTheObservationCarriesIt() {
    List<TaskObservation> obs =
        List.of(
            task("A", "a", Variant.DIRECT)
                .gold(100, 3)
                .with(layer(0).sae("s0").peaks(Peak.NONE, new Peak(3, 4, 1.0, 3, 0.7, -1, -1)))
                .build());
    CorrespondenceRow row = E3bAnalysis.compute(obs, EFFECTS, OPTIONS).correspondence().get(0);
    assertEquals(0.0, row.topLatentMatch().estimate().value(), EPS);
    assertEquals(1.0, row.attributionMatch().estimate().value(), EPS);
    assertEquals(0.0, row.attributionRank().estimate().value(), EPS);
  }

  @Test
  void theWorkersFullVocabularyRanksWinOverTheKnownTopTokens() {
    // latent 4's known top tokens put 100 at rank 1; the worker ranked it 250 over the vocabulary,
    // and the attribution latent 3 (known top-1: 100) at 0
    List<TaskObservation> obs =
        List.of(
            task("A", "a", Variant.DIRECT)
                .gold(100, 3)
                .with(layer(0).sae("s0").peaks(Peak.NONE, new Peak(3, 4, 1.0, 3, 0.7, 250, 0)))
                .build(),
            task("B", "b", Variant.DIRECT)
                .gold(100, 3)
                .with(layer(0).sae("s0").peaks(Peak.NONE, new Peak(3, 9, 1.0, 9, 0.2, 40, 40)))
                .build());
    CorrespondenceRow row = E3bAnalysis.compute(obs, EFFECTS, OPTIONS).correspondence().get(0);
    assertEquals(2, row.topLatentRank().estimate().n(), "latent 9 is unknown to the effects");
    assertEquals(145.0, row.topLatentRank().estimate().value(), EPS, "median of 250 and 40");
    assertEquals(0.0, row.topLatentMatch().estimate().value(), EPS);
    assertEquals(0.5, row.attributionMatch().estimate().value(), EPS);
    assertEquals(20.0, row.attributionRank().estimate().value(), EPS, "median of 0 and 40");
  }
}
