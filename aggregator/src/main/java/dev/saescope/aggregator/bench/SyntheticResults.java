package dev.saescope.aggregator.bench;

import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Results shaped like the worker's (promoted from the aggregator tests' synthetic run, sized by a
 * {@link BenchShape}): per task and layer dense rows at q_end and the answer, an SAE's k active
 * latents of d_sae at every position where the layer has an SAE ({@link BenchShape#hasSae}), lens
 * scores and a lens summary at q_end; each says its task has one result per layer (results v3).
 * Deterministic in the seed.
 */
public final class SyntheticResults {
  static final Variant[] VARIANTS = {Variant.DIRECT, Variant.EVASIVE, Variant.COUNTERFACTUAL};
  private static final String RELATION = "P36";

  private SyntheticResults() {}

  /** Every result of the run, task by task. */
  public static List<List<LayerResult>> tasks(String run, BenchShape shape, long seed) {
    List<List<LayerResult>> out = new ArrayList<>(shape.tasks());
    for (int i = 0; i < shape.items(); i++) {
      for (Variant v : VARIANTS) {
        List<LayerResult> task = new ArrayList<>(shape.layers());
        for (int layer = 0; layer < shape.layers(); layer++) {
          task.add(result(run, shape, i, v, layer, seed));
        }
        out.add(task);
      }
    }
    return out;
  }

  static LayerResult result(String run, BenchShape s, int item, Variant v, int layer, long seed) {
    SplittableRandom rnd =
        new SplittableRandom(seed * 1_000_003L + item * 31L + v.ordinal() * 7L + layer);
    int n = s.positions();
    int ansStart = n - 2;
    int qEnd = ansStart - 1;
    int[] ids = new int[n];
    List<String> texts = new ArrayList<>(n);
    for (int p = 0; p < n; p++) {
      ids[p] = p == 0 ? 2 : 100 + (p < ansStart ? p : 1000 + item * 10 + v.ordinal() * 3 + p);
      texts.add(p == 0 ? "<bos>" : "t" + ids[p]);
    }
    int[] densePos = {qEnd, ansStart, ansStart + 1};
    float[] values = new float[densePos.length * s.dModel()]; // [3, dModel]
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) gaussian(rnd);
    }
    List<LatentRow> latents = new ArrayList<>(n);
    for (int p = 0; s.hasSae(layer) && p < n; p++) {
      int[] idx = distinctSorted(rnd, s.k(), s.dSae()); // [k] of dSae
      float[] val = new float[s.k()];
      for (int j = 0; j < val.length; j++) {
        val[j] = (float) (rnd.nextDouble() * 4);
      }
      latents.add(new LatentRow(p, idx, val, (float) rnd.nextDouble()));
    }
    TaskLabels labels =
        new TaskLabels(
            RELATION,
            v,
            v == Variant.EVASIVE ? (item % 2 == 0 ? "claims_ignorance" : "declines") : null,
            v == Variant.EVASIVE && item % 3 == 0,
            "q:P36/0",
            List.of("City" + item),
            false);
    List<TargetScore> scores =
        List.of(
            new TargetScore(
                qEnd,
                ids[ansStart],
                ScoreRole.ANS0,
                (float) -rnd.nextDouble() * 5,
                rnd.nextInt(50),
                (float) rnd.nextDouble()),
            new TargetScore(
                qEnd,
                1000 + item,
                ScoreRole.GOLD0,
                (float) -rnd.nextDouble() * 5,
                rnd.nextInt(50),
                (float) rnd.nextDouble()));
    return new LayerResult(
        run,
        run + "-" + item + "-" + v.name().toLowerCase(),
        RELATION + ":country" + item,
        labels,
        layer,
        "resid_post",
        0,
        1,
        "synthetic-model",
        s.hasSae(layer) ? "sae-l" + layer : null,
        "w1",
        new PromptTokens(ids, texts, qEnd, ansStart, n),
        new DenseRows(densePos, s.dModel(), values),
        s.hasSae(layer) ? new LatentRows(s.dSae(), latents) : LatentRows.none(),
        scores,
        List.of(new LensSummary(qEnd, rnd.nextInt(20), (float) rnd.nextDouble())),
        1f,
        System.currentTimeMillis(),
        List.of(),
        s.layers(), // results v3, as the worker writes: a task is complete without an idle wait
        "fp32");
  }

  /** {@code k} distinct latent indices of {@code dSae}, ascending (Floyd's sampling). */
  private static int[] distinctSorted(SplittableRandom rnd, int k, int dSae) {
    java.util.TreeSet<Integer> chosen = new java.util.TreeSet<>();
    for (int j = dSae - k; j < dSae; j++) {
      int t = rnd.nextInt(j + 1);
      chosen.add(chosen.contains(t) ? j : t);
    }
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }

  private static double gaussian(SplittableRandom rnd) {
    double u = 1 - rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
  }
}
