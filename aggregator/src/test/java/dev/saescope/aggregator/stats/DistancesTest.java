package dev.saescope.aggregator.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DistancesTest {
  /** Tokens 0..5; q_end 2, answer 3..5 (positions 3 and 4). */
  private static final int Q_END = 2;

  private static final int ANS_START = 3;
  private static final int ANS_END = 5;

  @Test
  void denseDistanceIsOneMinusCosineOfQEndAndTheAnswerMean() {
    // q = (1, 0), answer rows (0, 1) and (0, 3): mean (0, 2), orthogonal to q -> distance 1
    assertEquals(1.0, Distances.dense(dense(List.of(Q_END, 3, 4), 2, 1, 0, 0, 1, 0, 3)), 1e-12);
    // q = (1, 1), answer rows (1, 0) and (0, 1): mean (0.5, 0.5) parallel to q -> distance 0
    assertEquals(0.0, Distances.dense(dense(List.of(Q_END, 3, 4), 2, 1, 1, 1, 0, 0, 1)), 1e-7);
    // q = (1, 0), answer row (1, 1): cos 45 degrees
    assertEquals(
        1 - Math.sqrt(0.5), Distances.dense(dense(List.of(Q_END, 3), 2, 1, 0, 1, 1)), 1e-7);
  }

  @Test
  void denseRowsOutsideTheAnswerAreIgnored() {
    // position 1 (before q_end's answer) carries (0, 100) and must not enter the mean
    assertEquals(
        1 - Math.sqrt(0.5),
        Distances.dense(dense(List.of(Q_END, 1, 3), 2, 1, 0, 0, 100, 1, 1)),
        1e-7);
  }

  @Test
  void denseMatchesADirectComputationOnRandomVectors() {
    Random rnd = new Random(7);
    int d = 64;
    float[] v = new float[3 * d];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    double dot = 0;
    double nq = 0;
    double nm = 0;
    for (int c = 0; c < d; c++) {
      double q = v[c];
      double m = (v[d + c] + (double) v[2 * d + c]) / 2;
      dot += q * m;
      nq += q * q;
      nm += m * m;
    }
    double expected = 1 - dot / Math.sqrt(nq * nm);
    assertEquals(expected, Distances.dense(dense(List.of(Q_END, 3, 4), d, v)), 1e-9);
  }

  @Test
  void noAnswerOrAZeroVectorGivesNaN() {
    assertTrue(Double.isNaN(Distances.dense(dense(List.of(Q_END), 2, 1, 0))), "cloze: no answer");
    assertTrue(Double.isNaN(Distances.dense(dense(List.of(Q_END, 3), 2, 0, 0, 1, 1))), "zero q");
  }

  @Test
  void latentDistanceUsesTheSparseLatentsOfQEndAndTheAnswer() {
    List<LatentRow> latents =
        List.of(
            latents(1, new int[] {0}, new float[] {9}), // before the answer: ignored
            latents(Q_END, new int[] {0, 5}, new float[] {1, 1}),
            latents(3, new int[] {5}, new float[] {2}),
            latents(4, new int[] {7}, new float[] {2}));
    // q = e0 + e5, answer sum = 2 e5 + 2 e7: cos = 2 / (sqrt(2) * sqrt(8)) = 0.5
    assertEquals(0.5, Distances.latent(withLatents(latents)), 1e-9);
  }

  @Test
  void latentDistanceIsNaNWithoutLatentsAtQEnd() {
    List<LatentRow> latents = List.of(latents(3, new int[] {5}, new float[] {2}));
    assertTrue(Double.isNaN(Distances.latent(withLatents(latents))));
  }

  @Test
  void aPartOfASplitResultIsRefusedByName() {
    LayerResult whole = dense(List.of(Q_END, 3), 2, 1, 0, 1, 1);
    LayerResult part = result(1, 3, whole.dense(), LatentRows.none(), null);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Distances.dense(part));
    assertTrue(e.getMessage().contains("part 1 of 3"), e.getMessage());
  }

  @Test
  void denseBytesThatDoNotMatchTheRowsNeverReachADistance() {
    // 3 floats for 2 rows of 2: refused when the record is built (decoding included)
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> dense(List.of(Q_END, 3), 2, 1, 0, 1));
    assertTrue(e.getMessage().contains("dense holds 3 floats for 2 rows of 2"), e.getMessage());
  }

  private static LayerResult dense(List<Integer> positions, int d, float... values) {
    int[] p = positions.stream().mapToInt(Integer::intValue).toArray();
    return result(0, 1, new DenseRows(p, d, values), LatentRows.none(), null);
  }

  private static LayerResult withLatents(List<LatentRow> latents) {
    return result(0, 1, DenseRows.none(0), new LatentRows(16, latents), "sae");
  }

  private static LatentRow latents(int position, int[] indices, float[] values) {
    return new LatentRow(position, indices, values, 0f);
  }

  /** Tokens 0..5 ({@code <bos>}, a .. e), q_end 2, answer 3..5. */
  private static LayerResult result(
      int part, int parts, DenseRows dense, LatentRows latents, String saeId) {
    return new LayerResult(
        "r",
        "t",
        "i",
        new TaskLabels("P36", Variant.DIRECT, null, false, "q0/a0", List.of("Paris"), false),
        3,
        "resid_post",
        part,
        parts,
        "m",
        saeId,
        "w",
        new PromptTokens(
            new int[] {2, 10, 11, 12, 13, 14},
            List.of("<bos>", "a", "b", "c", "d", "e"),
            Q_END,
            ANS_START,
            ANS_END),
        dense,
        latents,
        List.of(),
        List.of(),
        0f,
        0L);
  }
}
