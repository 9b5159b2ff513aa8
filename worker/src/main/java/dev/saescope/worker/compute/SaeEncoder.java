package dev.saescope.worker.compute;

import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.Rows;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.SparseLatents;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import dev.saescope.schemas.LatentTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs the attached SAEs on captured activations: sparse latents with the per-position
 * reconstruction error (E3c), the latents' direct logit attribution to scored tokens with its rank
 * over the whole vocabulary (E2b, E2c), and the most active and most attributing latent at the gold
 * token with the gold token's rank in their logit effects (E3b).
 *
 * <p>Full-vocabulary ranks are queued on the micro-batch's {@link BatchRanks}: the methods that
 * need them return a {@link Supplier} to read once the batch has run its ranks.
 */
final class SaeEncoder {
  /** Per SAE id: {@code decode(no latents) = b_dec} // [dIn] */
  private final Map<String, float[]> decoderBias = new HashMap<>();

  private final GemmaModel model;

  SaeEncoder(List<ExperimentProcessor.AttachedSae> saes, GemmaModel model) {
    this.model = model;
    for (ExperimentProcessor.AttachedSae a : saes) {
      // decode(no latents) = b_dec: subtracting it leaves sum_i z_i W_dec[i], the latents' own
      // contribution, which is what direct logit attribution dots with W_U.
      decoderBias.put(a.id(), decode(a.sae(), new int[0], new float[0]));
    }
  }

  /** The latents of one sequence, as the runtime has them and as results carry them. */
  record Encoded(SparseLatents z, LatentRows rows) {}

  /** Attributions at some positions: {@code [positions][targets]}, 0 and -1 for absent targets. */
  record Attribution(float[][] values, int[][] ranks) {}

  /** Encodes every row of {@code acts} // [tokens, width] */
  Encoded encode(ExperimentProcessor.AttachedSae a, Rows acts) {
    SparseLatents z = a.sae().encode(acts.values(), acts.count());
    float[] err = a.sae().squaredError(acts.values(), a.sae().decode(z));
    List<LatentRow> rows = new ArrayList<>(z.tokens());
    for (int t = 0; t < z.tokens(); t++) {
      rows.add(new LatentRow(t, z.indicesAt(t), z.valuesAt(t), err[t]));
    }
    return new Encoded(z, new LatentRows(a.sae().dSae(), rows));
  }

  /**
   * {@code sum_i z_i(p) (W_dec[i] · W_U[:, target])} per position and target, and the target's rank
   * when that sum is taken over the whole vocabulary; 0 and -1 for an absent target (-1).
   *
   * @param targets {@code [positions.length][k]} token ids or -1
   * @param batch where the ranks are queued; the result is there once it has run
   */
  Supplier<Attribution> attribution(
      ExperimentProcessor.AttachedSae a,
      SparseLatents z,
      int[] positions,
      int[][] targets,
      BatchRanks batch) {
    int d = a.sae().dIn();
    float[] bias = decoderBias.get(a.id());
    float[] dirs = new float[positions.length * d]; // [positions, dIn]
    int[][] valid = new int[positions.length][];
    for (int q = 0; q < positions.length; q++) {
      float[] dir = decode(a.sae(), z.indicesAt(positions[q]), z.valuesAt(positions[q]));
      for (int c = 0; c < d; c++) {
        dirs[q * d + c] = dir[c] - bias[c];
      }
      valid[q] = PreparedTask.validTargets(targets[q]);
    }
    BatchRanks.Ranks ranks = batch.add(dirs, targets); // absent targets (-1) rank -1
    float[][] values = dots(dirs, d, valid);
    for (int q = 0; q < positions.length; q++) {
      for (int j = 0; j < targets[q].length; j++) {
        values[q][j] = targets[q][j] < 0 ? 0f : values[q][j];
      }
    }
    return () -> new Attribution(values, ranks.get());
  }

  /**
   * E3b at each of {@code points} for target {@code token}: the most active latent and the one with
   * the largest {@code z_i (W_dec[i] · W_U[:, token])} (ties to the lower index), with the token's
   * rank in each one's logit effects {@code W_dec[i] · W_U}.
   *
   * @param batch where the ranks are queued; the result is there once it has run
   */
  Supplier<List<LatentTarget>> latentTargets(
      ExperimentProcessor.AttachedSae a,
      SparseLatents z,
      int[] points,
      int token,
      BatchRanks batch) {
    int d = a.sae().dIn();
    float[] unembed = embeddingRow(token);
    int[][] chosen = new int[points.length][]; // per point: {top, attr} as indices into its latents
    double[] best = new double[points.length]; // the attr latent's attribution
    float[] dirs = new float[2 * points.length * d]; // [2 * points, dIn]: top, attr per point
    for (int q = 0; q < points.length; q++) {
      int[] idx = z.indicesAt(points[q]);
      float[] val = z.valuesAt(points[q]);
      int top = 0;
      int attr = 0;
      double[] attribution = new double[idx.length];
      for (int j = 0; j < idx.length; j++) {
        float[] row = a.sae().decoderRow(idx[j]);
        double effect = 0;
        for (int c = 0; c < d; c++) {
          effect += (double) row[c] * unembed[c];
        }
        attribution[j] = val[j] * effect;
        top = better(val[j], val[top], idx[j], idx[top]) ? j : top;
        attr = better(attribution[j], attribution[attr], idx[j], idx[attr]) ? j : attr;
      }
      if (idx.length > 0) {
        chosen[q] = new int[] {top, attr};
        best[q] = attribution[attr];
        System.arraycopy(a.sae().decoderRow(idx[top]), 0, dirs, 2 * q * d, d);
        System.arraycopy(a.sae().decoderRow(idx[attr]), 0, dirs, (2 * q + 1) * d, d);
      }
    }
    int[][] targets = new int[2 * points.length][];
    Arrays.fill(targets, new int[] {token});
    BatchRanks.Ranks ranks = batch.add(dirs, targets);
    return () -> {
      int[][] r = ranks.get();
      List<LatentTarget> out = new ArrayList<>(points.length);
      for (int q = 0; q < points.length; q++) {
        int[] idx = z.indicesAt(points[q]);
        out.add(
            chosen[q] == null
                ? LatentTarget.none(points[q], token)
                : new LatentTarget(
                    points[q],
                    token,
                    idx[chosen[q][0]],
                    r[2 * q][0],
                    idx[chosen[q][1]],
                    (float) best[q],
                    r[2 * q + 1][0]));
      }
      return out;
    };
  }

  /**
   * Whether {@code v} at latent {@code i} beats {@code best} at latent {@code bi}: ties to the
   * lower index.
   */
  private static boolean better(double v, double best, int i, int bi) {
    return v > best || (v == best && i < bi);
  }

  /** {@code sum_j values[j] W_dec[indices[j]] + b_dec} // [dIn] */
  private static float[] decode(Sae sae, int[] indices, float[] values) {
    return sae.decode(
        new SparseLatents(sae.dSae(), new int[] {0, indices.length}, indices, values));
  }

  /** {@code W_U[:, token]}: the tied embedding row. */
  private float[] embeddingRow(int token) {
    return model.unembeddingColumns(new int[] {token})[0];
  }

  /** {@code dirs[q] · W_U[:, ids[q][j]]} // [rows][k]; the columns read in one engine call. */
  private float[][] dots(float[] dirs, int d, int[][] ids) {
    int k = ids.length == 0 ? 0 : ids[0].length;
    int[] flat = new int[ids.length * k];
    for (int q = 0; q < ids.length; q++) {
      System.arraycopy(ids[q], 0, flat, q * k, k);
    }
    float[][] columns = model.unembeddingColumns(flat); // [rows * k][dModel]
    float[][] out = new float[ids.length][k];
    for (int q = 0; q < ids.length; q++) {
      for (int j = 0; j < k; j++) {
        float[] u = columns[q * k + j];
        double s = 0;
        for (int c = 0; c < d; c++) {
          s += (double) dirs[q * d + c] * u[c];
        }
        out[q][j] = (float) s;
      }
    }
    return out;
  }
}
