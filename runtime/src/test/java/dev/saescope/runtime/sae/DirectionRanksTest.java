package dev.saescope.runtime.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DirectionRanksTest {
  private static final int D = 8;
  private static final int VOCAB = 300;

  @Test
  void ranksMatchCountingByHandAcrossChunks() {
    SplittableRandom rnd = new SplittableRandom(5);
    float[] embed = Reference.gauss(rnd, VOCAB * D, 1f);
    int rows = DirectionRanks.CHUNK_ROWS + 7; // two engine calls
    float[] dirs = Reference.gauss(rnd, rows * D, 1f);
    int[][] targets = new int[rows][]; // 1 to 4 targets, some absent (-1), some repeated
    for (int r = 0; r < rows; r++) {
      targets[r] = new int[1 + r % 4];
      for (int j = 0; j < targets[r].length; j++) {
        double u = rnd.nextDouble();
        targets[r][j] = u < 0.2 ? -1 : u < 0.35 && j > 0 ? targets[r][j - 1] : rnd.nextInt(VOCAB);
      }
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray e = m.create(embed, new Shape(VOCAB, D));
      int before = m.getManagedArrays().size();
      int[][] got = DirectionRanks.of(e, dirs, targets);
      assertEquals(before, m.getManagedArrays().size(), "nothing left in the caller's manager");
      for (int r = 0; r < rows; r++) {
        double[] logits = new double[VOCAB];
        for (int v = 0; v < VOCAB; v++) {
          for (int c = 0; c < D; c++) {
            logits[v] += (double) dirs[r * D + c] * embed[v * D + c];
          }
        }
        int[] want = new int[targets[r].length];
        for (int j = 0; j < want.length; j++) {
          int t = targets[r][j];
          for (int v = 0; v < VOCAB; v++) {
            want[j] += t < 0 ? 0 : logits[v] > logits[t] ? 1 : 0;
          }
          want[j] = t < 0 ? -1 : want[j];
        }
        assertArrayEquals(want, got[r], "row " + r);
      }
    }
  }

  @Test
  void theTopTokenRanksZero() {
    float[] embed = new float[VOCAB * D];
    embed[42 * D + 3] = 1f; // token 42 is the only one with a component along axis 3
    float[] dir = new float[D];
    dir[3] = 2f;
    try (NDManager m = NDManager.newBaseManager()) {
      int[][] got =
          DirectionRanks.of(m.create(embed, new Shape(VOCAB, D)), dir, new int[][] {{42, 7}});
      assertEquals(0, got[0][0]);
      assertEquals(1, got[0][1], "every other token ties at 0, below 42 only");
    }
  }

  @Test
  void badShapesAndIdsAreNamed() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray e = m.create(new float[VOCAB * D], new Shape(VOCAB, D));
      IllegalArgumentException wrongWidth =
          assertThrows(
              IllegalArgumentException.class,
              () -> DirectionRanks.of(e, new float[D + 1], new int[][] {{1}}));
      assertTrue(wrongWidth.getMessage().contains("rows of width 8"), wrongWidth.getMessage());
      IllegalArgumentException badId =
          assertThrows(
              IllegalArgumentException.class,
              () -> DirectionRanks.of(e, new float[D], new int[][] {{VOCAB}}));
      assertTrue(badId.getMessage().contains("token id 300 outside [0, 300)"), badId.getMessage());
      IllegalArgumentException negative =
          assertThrows(
              IllegalArgumentException.class,
              () -> DirectionRanks.of(e, new float[2 * D], new int[][] {{1}, {2, -2}}));
      assertTrue(
          negative.getMessage().contains("row 1: token id -2 outside [0, 300)"),
          negative.getMessage());
    }
  }
}
