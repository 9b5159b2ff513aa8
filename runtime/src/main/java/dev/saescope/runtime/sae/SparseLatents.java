package dev.saescope.runtime.sae;

import java.util.Arrays;
import java.util.List;

/**
 * Latents of a run of positions in compressed-row form: position {@code t} owns {@code
 * indices[offsets[t] .. offsets[t+1])} (ascending latent ids) and the matching nonzero {@code
 * values}.
 *
 * @param dSae number of latents, for bounds and dense conversion
 * @param offsets {@code [tokens + 1]}, non-decreasing, {@code offsets[0] == 0}
 * @param indices {@code [nnz]} latent ids, ascending within each position
 * @param values {@code [nnz]} activations, never zero
 */
public record SparseLatents(int dSae, int[] offsets, int[] indices, float[] values) {
  public SparseLatents {
    if (offsets.length == 0 || offsets[0] != 0) {
      throw new IllegalArgumentException("offsets must start with 0");
    }
    if (offsets[offsets.length - 1] != indices.length || indices.length != values.length) {
      throw new IllegalArgumentException(
          "offsets end at "
              + offsets[offsets.length - 1]
              + " but there are "
              + indices.length
              + " indices and "
              + values.length
              + " values");
    }
  }

  /** Number of positions. */
  public int tokens() {
    return offsets.length - 1;
  }

  /** Number of stored (nonzero) latents over all positions. */
  public int nnz() {
    return indices.length;
  }

  /** Active latents at one position (its L0). */
  public int l0(int token) {
    return offsets[token + 1] - offsets[token];
  }

  /** Latent ids active at one position, ascending. */
  public int[] indicesAt(int token) {
    return Arrays.copyOfRange(indices, offsets[token], offsets[token + 1]);
  }

  /** Values of the latents active at one position, in the order of {@link #indicesAt}. */
  public float[] valuesAt(int token) {
    return Arrays.copyOfRange(values, offsets[token], offsets[token + 1]);
  }

  /** Dense {@code [tokens, dSae]} row-major copy. */
  public float[] toDense() {
    float[] out = new float[Math.multiplyExact(tokens(), dSae)];
    for (int t = 0; t < tokens(); t++) {
      for (int j = offsets[t]; j < offsets[t + 1]; j++) {
        out[t * dSae + indices[j]] = values[j];
      }
    }
    return out;
  }

  /** Positions of several runs, in order. */
  public static SparseLatents concat(int dSae, List<SparseLatents> parts) {
    int tokens = 0;
    int nnz = 0;
    for (SparseLatents p : parts) {
      tokens += p.tokens();
      nnz += p.nnz();
    }
    int[] offsets = new int[tokens + 1];
    int[] indices = new int[nnz];
    float[] values = new float[nnz];
    int t = 0;
    int at = 0;
    for (SparseLatents p : parts) {
      if (p.dSae() != dSae) {
        throw new IllegalArgumentException(
            "cannot concatenate latents of width " + p.dSae() + " and " + dSae);
      }
      System.arraycopy(p.indices(), 0, indices, at, p.nnz());
      System.arraycopy(p.values(), 0, values, at, p.nnz());
      for (int i = 1; i <= p.tokens(); i++) {
        offsets[t + i] = at + p.offsets()[i];
      }
      t += p.tokens();
      at += p.nnz();
    }
    return new SparseLatents(dSae, offsets, indices, values);
  }
}
