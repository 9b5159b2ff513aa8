package dev.saescope.lab.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.SparseLatents;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SaeMetricsTest {
  @Test
  void fvuIsZeroForPerfectAndOneForTheMean() {
    float[] x = {1, 2, 3, 5, -1, 0};
    SparseLatents z =
        new SparseLatents(4, new int[] {0, 1, 1, 3}, new int[] {0, 1, 2}, new float[] {1, 1, 1});
    SaeMetrics perfect = new SaeMetrics(2, 4);
    perfect.addActivations(x, z, x.clone());
    SaeMetrics.Report r = perfect.report();
    assertEquals(0, r.fvu(), 1e-12);
    assertEquals(1.0, r.l0(), 1e-12);
    assertEquals(1 - 3 / 4.0, r.deadFraction(), 1e-12);
    SaeMetrics mean = new SaeMetrics(2, 4);
    float[] m = {1, 7 / 3f, 1, 7 / 3f, 1, 7 / 3f}; // column means of x
    mean.addActivations(x, z, m);
    assertEquals(1, mean.report().fvu(), 1e-6);
  }

  @Test
  void lossFieldsFollowSaeLensCeLossScore() {
    SaeMetrics m = new SaeMetrics(1, 1);
    m.addActivations(
        new float[] {1},
        new SparseLatents(1, new int[] {0, 1}, new int[] {0}, new float[] {1}),
        new float[] {1});
    m.addLosses(new double[] {2, 2}, new double[] {2.5, 2.5}, new double[] {4, 4});
    SaeMetrics.Report r = m.report();
    assertEquals(0.5, r.ceDelta(), 1e-12);
    assertEquals((4 - 2.5) / (4 - 2.0), r.lossRecovered(), 1e-12);
  }

  /**
   * A real, tiny "model": activation = embedding row of the token, logits = activation x U. An SAE
   * that reconstructs exactly (ReLU with W_enc = [I, -I]) recovers all the loss; zero ablation
   * recovers none by definition.
   */
  @Test
  void evaluateSplicesTheSaeIntoAPatchableModel() {
    int d = 6;
    int vocab = 11;
    SplittableRandom r = new SplittableRandom(3);
    float[][] emb = new float[vocab][d];
    float[][] un = new float[d][vocab];
    for (float[] row : emb) {
      for (int i = 0; i < d; i++) {
        row[i] = (float) r.nextGaussian();
      }
    }
    for (float[] row : un) {
      for (int i = 0; i < vocab; i++) {
        row[i] = (float) r.nextGaussian();
      }
    }
    PatchedForward model =
        (tokens, hook, patch) -> {
          int n = tokens.length;
          float[] captured = new float[(n - 1) * d];
          for (int t = 1; t < n; t++) {
            System.arraycopy(emb[tokens[t]], 0, captured, (t - 1) * d, d);
          }
          float[] act =
              switch (patch) {
                case ActivationPatch.Clean c -> captured;
                case ActivationPatch.Zero z -> new float[captured.length];
                case ActivationPatch.Replace rep -> rep.replace().apply(captured.clone());
              };
          double[] loss = new double[n - 2];
          for (int t = 1; t < n - 1; t++) {
            double[] logits = new double[vocab];
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
              for (int i = 0; i < d; i++) {
                logits[v] += act[(t - 1) * d + i] * un[i][v];
              }
              max = Math.max(max, logits[v]);
            }
            double sum = 0;
            for (double l : logits) {
              sum += Math.exp(l - max);
            }
            loss[t - 1] = -(logits[tokens[t + 1]] - max - Math.log(sum));
          }
          return new PatchedForward.Result(captured, loss);
        };
    float[] wEnc = new float[d * 2 * d];
    float[] wDec = new float[2 * d * d];
    for (int i = 0; i < d; i++) {
      wEnc[i * 2 * d + i] = 1;
      wEnc[i * 2 * d + d + i] = -1;
      wDec[i * d + i] = 1;
      wDec[(d + i) * d + i] = -1;
    }
    SaeParams p =
        SaeParams.of(
            "toy",
            Optional.empty(),
            d,
            2 * d,
            new Activation.Relu(),
            false,
            "exact",
            wEnc,
            new float[2 * d],
            wDec,
            new float[d],
            null);
    List<int[]> seqs = new ArrayList<>();
    for (int s = 0; s < 5; s++) {
      int[] seq = new int[8];
      for (int t = 0; t < seq.length; t++) {
        seq[t] = r.nextInt(vocab);
      }
      seqs.add(seq);
    }
    try (Sae sae = Sae.create(p)) {
      SaeMetrics.Report rep =
          SaeMetrics.evaluate(sae, model, new HookPoint(0, Site.RESID_POST), seqs);
      assertEquals(35, rep.positions());
      assertEquals(30, rep.lossPositions());
      assertEquals(0, rep.fvu(), 1e-6);
      assertEquals(0, rep.ceDelta(), 1e-5);
      assertEquals(1, rep.lossRecovered(), 1e-4);
      assertEquals(Math.log(vocab), rep.ceZero(), 1e-9, "zero activation gives uniform logits");
      assertEquals(d, rep.l0(), 1e-9); // each coordinate is nonzero, so exactly one of +/- fires
    }
  }
}
