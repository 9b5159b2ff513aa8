package dev.saescope.runtime.sae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogitEffectsTest {
  @TempDir Path dir;

  @Test
  void topAndBottomTokensMatchBruteForceAndTheCacheIsReused() throws IOException {
    int dIn = 16;
    int dSae = 70;
    int vocab = 500;
    int k = 10;
    SaeParams p = Reference.random(new Activation.TopK(4), dIn, dSae, false, 11);
    float[] embed = Reference.gauss(new SplittableRandom(12), vocab * dIn, 1f); // [vocab, dIn]
    try (Sae sae = Sae.create(p);
        NDManager m = NDManager.newBaseManager()) {
      NDArray e = m.create(embed, new Shape(vocab, dIn));
      List<LatentLogits> got = LogitEffects.fromEmbedding(sae, e, k, 32);
      assertEquals(dSae, got.size());
      for (int latent : new int[] {0, 33, 69}) {
        double[] eff = new double[vocab];
        for (int v = 0; v < vocab; v++) {
          for (int c = 0; c < dIn; c++) {
            eff[v] += (double) p.wDec()[latent * dIn + c] * embed[v * dIn + c];
          }
        }
        int[] top =
            IntStream.range(0, vocab)
                .boxed()
                .sorted(Comparator.comparingDouble(v -> -eff[v]))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
        int[] bottom =
            IntStream.range(0, vocab)
                .boxed()
                .sorted(Comparator.comparingDouble(v -> eff[v]))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
        assertArrayEquals(top, got.get(latent).topTokens(), "latent " + latent);
        assertArrayEquals(bottom, got.get(latent).bottomTokens(), "latent " + latent);
        assertEquals(eff[top[0]], got.get(latent).topValues()[0], 1e-4);
      }
      NDArray wU = e.transpose();
      List<LatentLogits> first = LogitEffects.cached(sae, dir, "model-abc", k, () -> wU);
      List<LatentLogits> second =
          LogitEffects.cached(
              sae,
              dir,
              "model-abc",
              k,
              () -> {
                throw new AssertionError("cache miss");
              });
      assertEquals(first, second);
      assertEquals(got, first);
      assertThrows(
          IllegalArgumentException.class, () -> LogitEffects.fromUnembedding(sae, e, k, 8));
      List<LatentLogits> tied =
          LogitEffects.cachedFromEmbedding(sae, dir.resolve("tied"), "model-abc", k, () -> e);
      assertEquals(got, tied);
      assertEquals(dir, LogitEffects.defaultCacheDir(dir));
      assertEquals(dir, LogitEffects.defaultCacheDir(dir.resolve("params.npz")));
    }
  }
}
