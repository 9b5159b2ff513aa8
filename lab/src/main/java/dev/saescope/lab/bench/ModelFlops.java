package dev.saescope.lab.bench;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;

/**
 * Matmul FLOPs per token of a forward pass through every layer, counting a multiply-add as 2.
 *
 * <p>Per layer: the projections q, k, v, o, gate, up, down ({@code 2·in·out} each), and attention's
 * two matmuls ({@code q·kᵀ} and {@code probs·v}: {@code 2·2·nHeads·headDim·keys}). {@code keys} is
 * counted two ways: {@link #attentionCausal} averages the keys a query may see (causal mask,
 * sliding window on sliding layers), the useful work; {@link #attentionDense} uses the full
 * sequence length, which is what a dense masked implementation computes. The roofline uses the
 * causal count, so masked-out work is not credited. The unembedding ({@code 2·dModel·vocab}, large
 * for Gemma's 256k vocabulary) is reported but <b>not</b> counted: the benchmarked pass captures
 * resid_post at every layer and computes no logits. Norms, RoPE, softmax and GELU are not matmuls
 * and not counted.
 *
 * @param seq sequence length the attention terms are computed for
 * @param linear projections, all layers
 * @param attentionCausal attention matmuls over visible keys, all layers
 * @param attentionDense attention matmuls over all {@code seq} keys, all layers
 * @param unembedding one row of final logits (not part of {@link #total})
 */
public record ModelFlops(
    int seq, double linear, double attentionCausal, double attentionDense, double unembedding) {

  /** FLOPs per token for sequences of length {@code seq}. */
  public static ModelFlops of(ModelConfig c, int seq) {
    if (seq <= 0) {
      throw new IllegalArgumentException("seq must be positive, got " + seq);
    }
    double d = c.dModel();
    double q = (double) c.nHeads() * c.headDim();
    double kv = (double) c.nKvHeads() * c.headDim();
    double perLayerLinear = 2 * (d * q + 2 * d * kv + q * d + 3 * d * c.dMlp());
    double linear = perLayerLinear * c.nLayers();
    double causal = 0;
    double dense = 0;
    for (AttentionKind kind : c.layerKinds()) {
      int window = kind == AttentionKind.SLIDING ? c.slidingWindow() : Integer.MAX_VALUE;
      double keys = 0;
      for (int i = 0; i < seq; i++) {
        keys += Math.min(i + 1, window); // key j visible iff i - W < j <= i
      }
      causal += 2 * 2 * q * (keys / seq);
      dense += 2 * 2 * q * seq;
    }
    return new ModelFlops(seq, linear, causal, dense, 2 * d * c.vocabSize());
  }

  /** The FLOPs per token the roofline divides by: projections plus causal attention. */
  public double total() {
    return linear + attentionCausal;
  }
}
