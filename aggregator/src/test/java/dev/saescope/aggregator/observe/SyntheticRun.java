package dev.saescope.aggregator.observe;

import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small synthetic run: every item has a direct, two evasive (two families, with and without a
 * subject mention), a counterfactual and a cloze task, over {@code layers} resid_post layers with
 * an SAE on every second one. Direct answers point along the question's direction, so direct
 * distances are smaller.
 */
public final class SyntheticRun {
  public static final int D_MODEL = 8;
  public static final int D_SAE = 32;

  private SyntheticRun() {}

  /** The results of each task, one list per task. */
  public static List<List<LayerResult>> results(long seed, int items, int layers) {
    Random rnd = new Random(seed);
    List<List<LayerResult>> out = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      String item = "item-" + i;
      String relation = i % 2 == 0 ? "P36" : "P19";
      int gold = 100 + i % 4;
      int[] question = {2, 10, 11, 12 + i % 5, 13};
      out.add(
          task(
              rnd,
              item + "/direct",
              item,
              labels(Variant.DIRECT, relation, null, false),
              concat(question, gold, 5),
              gold,
              layers,
              0.6));
      out.add(
          task(
              rnd,
              item + "/evasive-a",
              item,
              labels(Variant.EVASIVE, relation, "claims_ignorance", false),
              concat(question, 200, 201, 202),
              gold,
              layers,
              0.0));
      out.add(
          task(
              rnd,
              item + "/evasive-b",
              item,
              labels(Variant.EVASIVE, relation, "declines", true),
              concat(question, 210, 12 + i % 5, 211),
              gold,
              layers,
              0.1));
      out.add(
          task(
              rnd,
              item + "/counterfactual",
              item,
              labels(Variant.COUNTERFACTUAL, relation, null, false),
              concat(question, 100 + (i + 1) % 4, 5),
              gold,
              layers,
              0.3));
      out.add(
          task(
              rnd,
              item + "/cloze",
              item,
              labels(Variant.CLOZE, relation, null, false),
              question,
              gold,
              layers,
              0.0));
    }
    return out;
  }

  private static TaskLabels labels(Variant v, String relation, String family, boolean mentions) {
    return new TaskLabels(relation, v, family, mentions, "t1", List.of("gold"), false);
  }

  private static int[] concat(int[] q, int... a) {
    int[] ids = new int[q.length + a.length];
    System.arraycopy(q, 0, ids, 0, q.length);
    System.arraycopy(a, 0, ids, q.length, a.length);
    return ids;
  }

  private static List<LayerResult> task(
      Random rnd,
      String taskId,
      String item,
      TaskLabels labels,
      int[] ids,
      int gold,
      int layers,
      double pull) {
    int qEnd = 4;
    int ansStart = labels.variant() == Variant.CLOZE ? ids.length : 5;
    PromptTokens tokens = TestResults.tokens(ids, qEnd, ansStart);
    List<LayerResult> results = new ArrayList<>();
    double[] q = gaussian(rnd, D_MODEL);
    for (int l = 0; l < layers; l++) {
      for (int c = 0; c < D_MODEL; c++) {
        q[c] += 0.3 * rnd.nextGaussian();
      }
      int rows = 1 + ids.length - ansStart;
      int[] positions = new int[rows];
      double[] values = new double[rows * D_MODEL];
      positions[0] = qEnd;
      System.arraycopy(q, 0, values, 0, D_MODEL);
      for (int r = 1; r < rows; r++) {
        positions[r] = ansStart + r - 1;
        double[] a = gaussian(rnd, D_MODEL);
        for (int c = 0; c < D_MODEL; c++) {
          values[r * D_MODEL + c] = pull * (l + 1) * q[c] + a[c];
        }
      }
      DenseRows dense = TestResults.dense(positions, D_MODEL, values);
      String sae = l % 2 == 1 ? "sae-" + l : null;
      List<LatentRow> latents = new ArrayList<>();
      if (sae != null) {
        for (int p = 0; p < ids.length; p++) {
          latents.add(sparse(rnd, p));
        }
      }
      List<TargetScore> scores = new ArrayList<>();
      if (tokens.hasAnswer()) {
        scores.add(
            TestResults.score(
                qEnd,
                ids[ansStart],
                ScoreRole.ANS0,
                -1 - rnd.nextDouble() * (pull > 0.5 ? 1 : 4),
                rnd.nextInt(20),
                rnd.nextGaussian()));
      }
      scores.add(
          TestResults.score(
              qEnd,
              gold,
              ScoreRole.GOLD0,
              -2 * rnd.nextDouble(),
              rnd.nextInt(12),
              rnd.nextGaussian()));
      int top1 = l == layers - 1 || rnd.nextDouble() < (double) l / layers ? gold : 300;
      List<LensSummary> lens =
          List.of(new LensSummary(qEnd, top1, (float) (l == layers - 1 ? 0 : 3.0 / (l + 1))));
      results.add(
          TestResults.result(
              taskId, item, labels, tokens, l, "resid_post", sae, dense, latents, scores, lens));
    }
    return results;
  }

  private static LatentRow sparse(Random rnd, int position) {
    java.util.TreeSet<Integer> ids = new java.util.TreeSet<>();
    while (ids.size() < 4) {
      ids.add(rnd.nextInt(D_SAE));
    }
    int[] idx = ids.stream().mapToInt(Integer::intValue).toArray();
    double[] v = new double[idx.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = 0.1 + rnd.nextDouble();
    }
    return TestResults.latent(position, idx, v, rnd.nextDouble());
  }

  private static double[] gaussian(Random rnd, int d) {
    double[] x = new double[d];
    for (int c = 0; c < d; c++) {
      x[c] = rnd.nextGaussian();
    }
    return x;
  }
}
