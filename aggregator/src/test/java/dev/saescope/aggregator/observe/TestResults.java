package dev.saescope.aggregator.observe;

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

/** Small hand-made results for the analysis tests. */
public final class TestResults {
  public static final String RUN = "run-1";

  private TestResults() {}

  /** Labels of a variant; evasive ones get a family. */
  public static TaskLabels labels(Variant v, String relation, String family, boolean mentions) {
    return new TaskLabels(
        relation, v, v == Variant.EVASIVE ? family : null, mentions, "t1", List.of("Paris"), false);
  }

  public static TaskLabels labels(Variant v) {
    return labels(v, "P36", "claims_ignorance", false);
  }

  /** Tokens with texts {@code "tok<id>"}; the answer runs from ansStart to the end. */
  public static PromptTokens tokens(int[] ids, int qEnd, int ansStart) {
    List<String> texts = new ArrayList<>();
    for (int id : ids) {
      texts.add("tok" + id);
    }
    return new PromptTokens(ids, texts, qEnd, ansStart, ids.length);
  }

  public static DenseRows dense(int[] positions, int d, double... values) {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return new DenseRows(positions, d, f);
  }

  public static LatentRow latent(int position, int[] indices, double[] values, double error) {
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) values[i];
    }
    return new LatentRow(position, indices, f, (float) error);
  }

  public static TargetScore score(
      int position, int token, ScoreRole role, double logprob, int rank, double attribution) {
    return new TargetScore(position, token, role, (float) logprob, rank, (float) attribution);
  }

  /** A whole result. */
  public static LayerResult result(
      String taskId,
      String itemId,
      TaskLabels labels,
      PromptTokens tokens,
      int layer,
      String site,
      String saeId,
      DenseRows dense,
      List<LatentRow> latents,
      List<TargetScore> scores,
      List<LensSummary> lens) {
    int dSae = 0;
    for (LatentRow r : latents) {
      for (int i : r.indices()) {
        dSae = Math.max(dSae, i + 1);
      }
    }
    return new LayerResult(
        RUN,
        taskId,
        itemId,
        labels,
        layer,
        site,
        0,
        1,
        "tiny-model",
        saeId,
        "worker-1",
        tokens,
        dense,
        saeId == null ? LatentRows.none() : new LatentRows(Math.max(dSae, 16), latents),
        scores,
        lens,
        1f,
        1000L);
  }

  /** {@code r} as computed in {@code dtype}. */
  public static LayerResult inDtype(LayerResult r, String dtype) {
    return new LayerResult(
        r.runId(),
        r.taskId(),
        r.itemId(),
        r.labels(),
        r.layer(),
        r.site(),
        r.part(),
        r.parts(),
        r.modelId(),
        r.saeId(),
        r.workerId(),
        r.tokens(),
        r.dense(),
        r.latents(),
        r.scores(),
        r.lens(),
        r.computeMs(),
        r.producedAtMs(),
        r.latentTargets(),
        r.resultsPerTask(),
        dtype);
  }
}
