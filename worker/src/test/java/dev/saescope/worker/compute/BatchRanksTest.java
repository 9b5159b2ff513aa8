package dev.saescope.worker.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.sae.DirectionRanks;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchRanksTest {
  private static final int D = 6;
  private static final int VOCAB = 200;

  @Test
  void sharedDirectionsRankAsEachRequestAlone() {
    Random rnd = new Random(11);
    float[] embed = gauss(rnd, VOCAB * D);
    float[] a = gauss(rnd, D);
    float[] b = gauss(rnd, D);
    // requests as the worker makes them: E2c rows with 5 columns, E3b rows with 1, where the same
    // direction recurs (tasks sharing a prefix, one latent both top and most attributing)
    List<float[]> dirs = new ArrayList<>();
    List<int[][]> targets = new ArrayList<>();
    dirs.add(concat(a, b));
    targets.add(new int[][] {{3, -1, -1, -1, 3}, {4, 5, 6, -1, 7}});
    dirs.add(concat(a, a));
    targets.add(new int[][] {{9}, {9}});
    dirs.add(concat(b, gauss(rnd, D), a));
    targets.add(new int[][] {{8, -1, -1, -1, 4}, {1, 2, -1, -1, 0}, {-1, -1, -1, -1, 150}});
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray e = m.create(embed, new Shape(VOCAB, D));
      BatchRanks batch = new BatchRanks(e);
      List<BatchRanks.Ranks> queued = new ArrayList<>();
      for (int i = 0; i < dirs.size(); i++) {
        queued.add(batch.add(dirs.get(i), targets.get(i)));
      }
      assertThrows(IllegalStateException.class, () -> queued.get(0).get());
      batch.run();
      for (int i = 0; i < dirs.size(); i++) {
        int[][] alone = DirectionRanks.of(e, dirs.get(i), targets.get(i));
        for (int r = 0; r < alone.length; r++) {
          assertArrayEquals(alone[r], queued.get(i).get()[r], "request " + i + " row " + r);
        }
      }
    }
  }

  private static float[] gauss(Random rnd, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) rnd.nextGaussian();
    }
    return out;
  }

  private static float[] concat(float[]... rows) {
    float[] out = new float[rows.length * D];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * D, D);
    }
    return out;
  }
}
