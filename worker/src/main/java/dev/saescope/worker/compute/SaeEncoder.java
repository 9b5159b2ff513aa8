package dev.saescope.worker.compute;

import dev.saescope.runtime.model.Rows;
import dev.saescope.runtime.sae.SparseLatents;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentRows;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the attached SAEs on captured activations: sparse latents with the per-position
 * reconstruction error (E3c), and the latents' direct logit attribution at {@code q_end} (E2b).
 */
final class SaeEncoder {
  /** Per SAE id: {@code decode(no latents) = b_dec} // [dModel] */
  private final Map<String, float[]> decoderBias = new HashMap<>();

  SaeEncoder(List<ExperimentProcessor.AttachedSae> saes) {
    for (ExperimentProcessor.AttachedSae a : saes) {
      // decode(no latents) = b_dec: subtracting it leaves sum_i z_i W_dec[i], the latents' own
      // contribution, which is what direct logit attribution dots with W_U.
      decoderBias.put(
          a.id(),
          a.sae()
              .decode(
                  new SparseLatents(a.sae().dSae(), new int[] {0, 0}, new int[0], new float[0])));
    }
  }

  /** The latents of one sequence, as the runtime has them and as results carry them. */
  record Encoded(SparseLatents z, LatentRows rows) {}

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
   * {@code sum_i z_i(q_end) (W_dec[i] · W_U[:, target])} per target; 0 for an absent target (-1).
   *
   * @param embedRows the targets' unembedding columns // [targets, dModel]
   */
  float[] attribution(
      ExperimentProcessor.AttachedSae a,
      SparseLatents z,
      int qEnd,
      int[] targets,
      float[][] embedRows) {
    int[] oneOffsets = {0, z.l0(qEnd)};
    float[] dir =
        a.sae()
            .decode(new SparseLatents(z.dSae(), oneOffsets, z.indicesAt(qEnd), z.valuesAt(qEnd)));
    float[] bias = decoderBias.get(a.id());
    float[] out = new float[targets.length];
    for (int t = 0; t < targets.length; t++) {
      double s = 0;
      for (int c = 0; c < dir.length; c++) {
        s += (double) (dir[c] - bias[c]) * embedRows[t][c];
      }
      out[t] = targets[t] < 0 ? 0f : (float) s;
    }
    return out;
  }
}
