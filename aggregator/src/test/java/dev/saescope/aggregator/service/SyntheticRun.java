package dev.saescope.aggregator.service;

import dev.saescope.schemas.ArchivedMessage;
import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import dev.saescope.schemas.RunAnnouncement;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.TaskLabels;
import dev.saescope.schemas.TopicKind;
import dev.saescope.schemas.Variant;
import dev.saescope.schemas.serde.Codecs;
import dev.saescope.schemas.serde.ResultMessages;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A run of results shaped like the worker's: per item a direct, an evasive and a counterfactual
 * task, each at layers 0-2 (resid_post, dense rows at q_end and the answer), an SAE at layer 1 with
 * latents at every position, lens scores and summaries at q_end. Direct answers sit closer to their
 * question than evasive ones at layer 1, so E2a has an effect to find. Deterministic in the seed;
 * messages split into parts where {@code maxBytes} asks for it.
 */
final class SyntheticRun {
  static final int D_MODEL = 16;
  static final int D_SAE = 64;
  static final String SAE = "sae-l1";
  static final Variant[] VARIANTS = {Variant.DIRECT, Variant.EVASIVE, Variant.COUNTERFACTUAL};

  private SyntheticRun() {}

  /** The announcement, then every result message of {@code items} items, as workers before v3. */
  static List<ArchivedMessage> messages(String run, int items, long seed, int maxBytes) {
    return messages(run, items, seed, maxBytes, 0);
  }

  /**
   * The same, each result saying its task has {@code resultsPerTask} results (results v3: 3, the
   * layers; 0 = unknown, as before v3).
   */
  static List<ArchivedMessage> messages(
      String run, int items, long seed, int maxBytes, int resultsPerTask) {
    List<ArchivedMessage> out = new ArrayList<>();
    out.add(
        new ArchivedMessage(
            TopicKind.RUNS,
            run,
            Codecs.runAnnouncement()
                .encode(
                    new RunAnnouncement(run, "synthetic", seed, items, items * 3L, false, 1L))));
    for (int i = 0; i < items; i++) {
      for (Variant v : VARIANTS) {
        for (int layer = 0; layer < 3; layer++) {
          LayerResult r = withTaskSize(result(run, i, v, layer, seed), resultsPerTask);
          for (byte[] part : ResultMessages.encode(r, maxBytes)) {
            out.add(new ArchivedMessage(TopicKind.RESULTS, r.itemId(), part));
          }
        }
      }
    }
    return out;
  }

  private static LayerResult withTaskSize(LayerResult r, int resultsPerTask) {
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
        resultsPerTask,
        r.dtype());
  }

  /** Tasks in the run. */
  static int tasks(int items) {
    return items * VARIANTS.length;
  }

  static LayerResult result(String run, int item, Variant v, int layer, long seed) {
    SplittableRandom rnd =
        new SplittableRandom(seed * 1_000_003L + item * 31L + v.ordinal() * 7L + layer);
    String itemId = "P36:country" + item;
    int n = 10; // <bos> Question : X ? \n Answer : a0 a1
    int qEnd = 7;
    int[] ids = new int[n];
    List<String> texts = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      ids[p] = p == 0 ? 2 : 100 + (p < 8 ? p : 1000 + item * 10 + v.ordinal() * 3 + p);
      texts.add(p == 0 ? "<bos>" : "t" + ids[p]);
    }
    int[] densePos = {qEnd, 8, 9};
    float[] q = gaussian(rnd, D_MODEL);
    float[] values = new float[densePos.length * D_MODEL];
    System.arraycopy(q, 0, values, 0, D_MODEL);
    double pull = v == Variant.DIRECT ? 0.8 : 0.1;
    for (int r = 1; r < densePos.length; r++) {
      float[] noise = gaussian(rnd, D_MODEL);
      for (int c = 0; c < D_MODEL; c++) {
        values[r * D_MODEL + c] = (float) (pull * q[c] + (1 - pull) * noise[c]);
      }
    }
    List<LatentRow> latents = new ArrayList<>();
    if (layer == 1) {
      for (int p = 0; p < n; p++) {
        int base =
            p == qEnd || p >= 8 ? (v == Variant.DIRECT ? 5 : 5 + 20 * (p % 2)) : rnd.nextInt(40);
        int[] idx = {base, base + 3 + (p % 4), 50 + (p % 7)};
        float[] val = {
          (float) (1 + rnd.nextDouble()),
          (float) (0.5 + rnd.nextDouble()),
          (float) rnd.nextDouble() * 3
        };
        latents.add(new LatentRow(p, idx, val, (float) rnd.nextDouble()));
      }
    }
    TaskLabels labels =
        new TaskLabels(
            "P36",
            v,
            v == Variant.EVASIVE ? (item % 2 == 0 ? "claims_ignorance" : "declines") : null,
            v == Variant.EVASIVE && item % 3 == 0,
            "q:P36/0",
            List.of("City" + item),
            false);
    return new LayerResult(
        run,
        run + "-" + item + "-" + v.name().toLowerCase(),
        itemId,
        labels,
        layer,
        "resid_post",
        0,
        1,
        "synthetic-model",
        layer == 1 ? SAE : null,
        "w1",
        new PromptTokens(ids, texts, qEnd, 8, n),
        new DenseRows(densePos, D_MODEL, values),
        new LatentRows(layer == 1 ? D_SAE : 0, latents),
        List.of(
            new TargetScore(
                qEnd,
                ids[8],
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
                (float) rnd.nextDouble())),
        List.of(
            new LensSummary(qEnd, layer == 2 ? 7 : rnd.nextInt(20), (float) (2 - layer) * 0.5f)),
        1f,
        1_700_000_000_000L);
  }

  private static float[] gaussian(SplittableRandom rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      double u = 1 - rnd.nextDouble();
      a[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble()));
    }
    return a;
  }
}
