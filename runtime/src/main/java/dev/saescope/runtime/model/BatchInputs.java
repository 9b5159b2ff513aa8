package dev.saescope.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.config.ModelConfig;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A batch laid out for the engine: token ids right-padded to the longest sequence, the additive
 * attention masks of each attention kind and the rotary tables of each rope base.
 *
 * <p>Right padding keeps every real token at position 0..len-1, as when the sequence runs alone, so
 * rotary angles need no per-sequence offsets. Padding keys are masked out for every query; padding
 * queries produce rows nobody reads (they are never keys of real tokens), so a sequence's results
 * do not depend on its batch mates beyond matmul rounding.
 */
final class BatchInputs {
  /**
   * Masked scores get {@code finfo(dtype).min} added, as transformers' eager path does ({@code
   * masking_utils.py}); a fully masked padding row then softmaxes to a finite uniform row instead
   * of NaN, and exp(min - max) is exactly 0 for real rows. For bf16 and fp16 the fp32 minimum would
   * round to -inf, and a padding row's NaN would then reach every row through its values.
   */
  static float masked(DataType dtype) {
    if (dtype == DataType.BFLOAT16) {
      return -Float.intBitsToFloat(0x7F7F0000); // -(2 - 2^-7) 2^127, bf16's largest finite
    }
    return dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
  }

  final int batch;
  final int seq;
  final int[] lengths;
  final NDArray ids; // [batch * seq] int64
  private final Map<ModelConfig.AttentionKind, NDArray> masks =
      new EnumMap<>(ModelConfig.AttentionKind.class); // [batch, 1, 1, seq, seq]
  private final Map<ModelConfig.AttentionKind, NDArray[]> rope =
      new EnumMap<>(ModelConfig.AttentionKind.class); // {cos, sin}: [1, seq, 1, headDim]

  /**
   * @param dtype the precision of the pass: masks and rotary tables are made in it (the tables are
   *     computed in fp32 and rounded, as transformers' rotary embedding returns {@code
   *     cos.to(x.dtype)})
   */
  BatchInputs(
      List<int[]> sequences,
      ModelConfig config,
      int layersToRun,
      NDManager manager,
      DataType dtype) {
    batch = sequences.size();
    lengths = sequences.stream().mapToInt(s -> s.length).toArray();
    int max = 0;
    for (int n : lengths) {
      max = Math.max(max, n);
    }
    seq = max;
    long[] flat = new long[batch * seq];
    for (int b = 0; b < batch; b++) {
      int[] s = sequences.get(b);
      for (int p = 0; p < seq; p++) {
        flat[b * seq + p] = p < s.length ? s[p] : config.padId();
      }
    }
    ids = manager.create(flat, new Shape(batch * seq));
    for (int l = 0; l < layersToRun; l++) {
      ModelConfig.AttentionKind kind = config.layerKinds().get(l);
      if (!masks.containsKey(kind)) {
        masks.put(kind, Precision.to(mask(kind, config.slidingWindow(), manager, dtype), dtype));
        double theta =
            switch (kind) {
              case SLIDING -> config.ropeThetaLocal();
              case FULL -> config.ropeThetaGlobal();
            };
        NDArray[] tables = ropeTables(theta, config.headDim(), manager);
        rope.put(
            kind, new NDArray[] {Precision.to(tables[0], dtype), Precision.to(tables[1], dtype)});
      }
    }
  }

  NDArray mask(ModelConfig.AttentionKind kind) {
    return masks.get(kind);
  }

  NDArray cos(ModelConfig.AttentionKind kind) {
    return rope.get(kind)[0];
  }

  NDArray sin(ModelConfig.AttentionKind kind) {
    return rope.get(kind)[1];
  }

  /**
   * Key j is visible to query i iff {@code j <= i}, j is a real token, and for sliding layers
   * {@code j > i - W} (masking_utils.py: causal_mask_function ∧ sliding_window_overlay).
   */
  private NDArray mask(
      ModelConfig.AttentionKind kind, int window, NDManager manager, DataType dtype) {
    float[] m = new float[batch * seq * seq];
    float masked = masked(dtype);
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < seq; i++) {
        int row = (b * seq + i) * seq;
        for (int j = 0; j < seq; j++) {
          boolean visible =
              j <= i
                  && j < lengths[b]
                  && switch (kind) {
                    case FULL -> true;
                    case SLIDING -> j > i - window;
                  };
          m[row + j] = visible ? 0f : masked;
        }
      }
    }
    return manager.create(m, new Shape(batch, 1, 1, seq, seq));
  }

  /**
   * cos and sin of {@code pos * inv_freq}, duplicated over both halves, computed with the same fp32
   * operations as transformers' default rope: {@code inv_freq = 1 / base^(arange(0, D, 2) / D)};
   * {@code freqs = pos * inv_freq}; {@code emb = cat(freqs, freqs)}.
   */
  private NDArray[] ropeTables(double theta, int headDim, NDManager manager) {
    NDArray exponents =
        manager.arange(0f, (float) headDim, 2f, DataType.FLOAT32).divi((float) headDim);
    NDArray base = manager.create((float) theta);
    NDArray invFreq = ai.djl.ndarray.NDArrays.div(1f, base.pow(exponents)); // [D/2]
    NDArray positions = manager.arange(0f, (float) seq, 1f, DataType.FLOAT32).reshape(seq, 1);
    NDArray freqs = positions.mul(invFreq.reshape(1, headDim / 2)); // [seq, D/2]
    NDArray emb = freqs.concat(freqs, 1).reshape(1, seq, 1, headDim);
    return new NDArray[] {emb.cos(), emb.sin()};
  }
}
