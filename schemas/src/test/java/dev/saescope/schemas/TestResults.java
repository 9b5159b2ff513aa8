package dev.saescope.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Hand-made results for tests: every field set, sizes chosen by the test. */
public final class TestResults {
  private TestResults() {}

  /** Labels of an evasive task that mentions its subject, every field non-default. */
  public static TaskLabels labels() {
    return new TaskLabels(
        "P36",
        Variant.EVASIVE,
        "claims_ignorance",
        true,
        "q:P36/0|e:claims_ignorance/s/2",
        List.of("Paris", "Paris, France"),
        true);
  }

  /**
   * A whole result with random contents: every position dense ({@code [positions, dModel]}) and
   * {@code l0} ascending latents at each, two scores and a lens summary at {@code q_end = 0}.
   */
  public static LayerResult random(int positions, int dModel, int dSae, int l0, long seed) {
    Random rnd = new Random(seed);
    int[] ids = new int[positions];
    List<String> texts = new ArrayList<>();
    int[] densePositions = new int[positions];
    float[] values = new float[positions * dModel];
    List<LatentRow> latents = new ArrayList<>();
    for (int p = 0; p < positions; p++) {
      ids[p] = rnd.nextInt(256000);
      texts.add("tok" + p);
      densePositions[p] = p;
      for (int c = 0; c < dModel; c++) {
        values[p * dModel + c] = (float) rnd.nextGaussian();
      }
      int[] idx = new int[l0];
      float[] val = new float[l0];
      int next = 0;
      for (int j = 0; j < l0; j++) {
        next += 1 + rnd.nextInt(dSae / l0 - 1);
        idx[j] = next;
        val[j] = rnd.nextFloat() * 10;
      }
      latents.add(new LatentRow(p, idx, val, rnd.nextFloat()));
    }
    return new LayerResult(
        "r",
        "t",
        "i",
        labels(),
        12,
        "resid_post",
        0,
        1,
        "gemma-2-2b",
        "s",
        "w",
        new PromptTokens(ids, texts, 0, 1, positions),
        new DenseRows(densePositions, dModel, values),
        new LatentRows(dSae, latents),
        List.of(
            new TargetScore(0, 1, ScoreRole.ANS0, -1f, 3, 0.5f, 12),
            new TargetScore(0, 7, ScoreRole.GOLD0, -2.5f, 40, -0.25f, 900)),
        List.of(new LensSummary(0, 5, 0.25f)),
        12.5f,
        1_700_000_000_000L,
        List.of(new LatentTarget(0, 7, idxAt(latents, 0), 4, idxAt(latents, 0), 1.5f, 4)),
        3,
        "bf16");
  }

  private static int idxAt(List<LatentRow> latents, int position) {
    return latents.get(position).indices()[0];
  }
}
