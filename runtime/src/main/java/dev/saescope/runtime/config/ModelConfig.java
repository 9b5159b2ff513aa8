package dev.saescope.runtime.config;

import java.util.List;
import java.util.Objects;

/**
 * Everything the forward pass needs to know about a Gemma 2 or Gemma 3 text model. Per-model
 * differences live here as data, never as {@code if (model == ...)} branches.
 *
 * <p>Sources: transformers {@code configuration_gemma2.py} / {@code configuration_gemma3.py} and
 * the llama.cpp defaults summarised in GEMMA-NOTES.md.
 *
 * @param architecture {@code gemma2} or {@code gemma3_text}, for messages only
 * @param vocabSize rows of the embedding matrix
 * @param dModel residual width (hidden_size)
 * @param dMlp MLP width (intermediate_size)
 * @param nLayers decoder layers
 * @param nHeads query heads
 * @param nKvHeads key/value heads (grouped-query attention: head h reads kv head h /
 *     (nHeads/nKvHeads))
 * @param headDim per-head width, from the config, not dModel / nHeads
 * @param rmsNormEps epsilon inside the RMSNorm square root
 * @param queryPreAttnScalar attention scores are multiplied by queryPreAttnScalar^-0.5
 * @param attnLogitSoftcap {@code tanh(s / c) * c} on attention scores; 0 disables (Gemma 3)
 * @param finalLogitSoftcap the same on the final logits; 0 disables
 * @param slidingWindow keys visible to a sliding layer's query i: {@code i - W < j <= i}
 * @param layerKinds one entry per layer
 * @param ropeThetaGlobal rope base of full-attention layers
 * @param ropeThetaLocal rope base of sliding layers (Gemma 2: the same as global)
 * @param qkNorm RMSNorm on q and k per head before RoPE (Gemma 3)
 * @param maxPositions context length
 * @param bosId beginning-of-sequence token id
 * @param eosId end-of-sequence token id
 * @param padId padding token id
 */
public record ModelConfig(
    String architecture,
    int vocabSize,
    int dModel,
    int dMlp,
    int nLayers,
    int nHeads,
    int nKvHeads,
    int headDim,
    double rmsNormEps,
    double queryPreAttnScalar,
    double attnLogitSoftcap,
    double finalLogitSoftcap,
    int slidingWindow,
    List<AttentionKind> layerKinds,
    double ropeThetaGlobal,
    double ropeThetaLocal,
    boolean qkNorm,
    int maxPositions,
    int bosId,
    int eosId,
    int padId) {

  /** Whether a layer attends to every earlier position or only to a sliding window. */
  public enum AttentionKind {
    SLIDING,
    FULL
  }

  public ModelConfig {
    Objects.requireNonNull(architecture, "architecture");
    layerKinds = List.copyOf(layerKinds);
    positive("vocab_size", vocabSize);
    positive("hidden_size", dModel);
    positive("intermediate_size", dMlp);
    positive("num_hidden_layers", nLayers);
    positive("num_attention_heads", nHeads);
    positive("num_key_value_heads", nKvHeads);
    positive("head_dim", headDim);
    positive("sliding_window", slidingWindow);
    positive("max_position_embeddings", maxPositions);
    if (nHeads % nKvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads "
              + nHeads
              + " is not a multiple of num_key_value_heads "
              + nKvHeads);
    }
    if (layerKinds.size() != nLayers) {
      throw new IllegalArgumentException(
          "layer_types has " + layerKinds.size() + " entries for " + nLayers + " layers");
    }
    if (!(rmsNormEps > 0) || !(queryPreAttnScalar > 0)) {
      throw new IllegalArgumentException("rms_norm_eps and query_pre_attn_scalar must be positive");
    }
    if (attnLogitSoftcap < 0 || finalLogitSoftcap < 0) {
      throw new IllegalArgumentException("soft-capping values must be >= 0 (0 disables)");
    }
  }

  /** Embedding scale: fp32(sqrt(dModel)), as transformers rounds it to the model dtype. */
  public float embedScale() {
    return (float) Math.sqrt(dModel);
  }

  /** Width of the concatenated heads' outputs, the input of o_proj and of attn_z SAEs. */
  public int attnWidth() {
    return nHeads * headDim;
  }

  private static void positive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
