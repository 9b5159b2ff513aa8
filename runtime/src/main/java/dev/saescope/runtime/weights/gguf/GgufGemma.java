package dev.saescope.runtime.weights.gguf;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import dev.saescope.runtime.weights.WeightsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What llama.cpp's Gemma 2 / Gemma 3 GGUF files mean in Hugging Face terms: the {@link ModelConfig}
 * from metadata and the tensor-name mapping (GEMMA-NOTES.md §4).
 *
 * <p>Facts that GGUF does not store are llama.cpp's hard-coded values ({@code src/llama-model.cpp},
 * {@code load_hparams}): gemma3 sliding-window pattern 6 (layer i slides iff i % 6 &lt; 5), local
 * rope base 10000; gemma2 even layers slide, window default 4096, rope base default 10000; the
 * attention scale is {@code 1/sqrt(key_length)} except for the 27B models ({@code
 * 1/sqrt(n_embd/n_head)}).
 */
public final class GgufGemma {
  private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d+)\\.(\\w+)\\.weight");
  private static final Pattern BLOCK_INDEX = Pattern.compile("blk\\.(\\d+)\\.");

  private GgufGemma() {}

  /** The two architectures saescope runs, as {@code general.architecture} names them. */
  public enum Arch {
    GEMMA2("gemma2", "gemma2", 46),
    GEMMA3("gemma3", "gemma3_text", 62);

    final String ggufName;
    final String hfName;
    final int layersOf27b;

    Arch(String ggufName, String hfName, int layersOf27b) {
      this.ggufName = ggufName;
      this.hfName = hfName;
      this.layersOf27b = layersOf27b;
    }

    static Optional<Arch> byGgufName(String name) {
      for (Arch a : values()) {
        if (a.ggufName.equals(name)) {
          return Optional.of(a);
        }
      }
      return Optional.empty();
    }
  }

  /** Reads the architecture and fails clearly for anything but gemma2 / gemma3. */
  public static Arch arch(GgufFile gguf) throws WeightsException {
    String name = gguf.string("general.architecture");
    return Arch.byGgufName(name)
        .orElseThrow(
            () ->
                new WeightsException(
                    gguf.file(),
                    "unsupported architecture '"
                        + name
                        + "' (general.architecture); saescope runs gemma2 and gemma3"));
  }

  /** Builds the model configuration from GGUF metadata and the embedding's shape. */
  public static ModelConfig config(GgufFile gguf) throws WeightsException {
    Arch arch = arch(gguf);
    String a = arch.ggufName;
    // Every size is checked against the tensors before anything is sized by it: a corrupt
    // block_count of 1e6 must fail here, not as an OutOfMemoryError while building the layers.
    int dModel = positiveKey(gguf, a + ".embedding_length");
    int nLayers = positiveKey(gguf, a + ".block_count");
    requireLayersPresent(gguf, a + ".block_count", nLayers);
    int dMlp = positiveKey(gguf, a + ".feed_forward_length");
    int nHeads = positiveKey(gguf, a + ".attention.head_count");
    int nKv = optPositiveKey(gguf, a + ".attention.head_count_kv").orElse(nHeads);
    int headDim = optPositiveKey(gguf, a + ".attention.key_length").orElse(dModel / nHeads);
    int valueDim = optPositiveKey(gguf, a + ".attention.value_length").orElse(headDim);
    if (valueDim != headDim) {
      throw new WeightsException(
          gguf.file(), "key_length " + headDim + " != value_length " + valueDim + ": not a Gemma");
    }
    int context = positiveKey(gguf, a + ".context_length");
    double eps = f32(gguf, a + ".attention.layer_norm_rms_epsilon").orElse(1e-6);

    // llama.cpp: 1/sqrt(n_embd_head_k), but 1/sqrt(n_embd/n_head) for the 27B models.
    double queryPreAttnScalar =
        nLayers == arch.layersOf27b ? (double) dModel / nHeads : (double) headDim;

    double attnCap = f32(gguf, a + ".attn_logit_softcapping").orElse(0.0);
    double finalCap = f32(gguf, a + ".final_logit_softcapping").orElse(0.0);
    double ropeGlobal = f32(gguf, a + ".rope.freq_base").orElse(10000.0);
    checkNoRopeScaling(gguf, a);

    Layout layout = layout(gguf, arch, nLayers, context, ropeGlobal);
    int vocab = vocabSize(gguf);
    int bos = optIntKey(gguf, "tokenizer.ggml.bos_token_id").orElse(2);
    int eos = optIntKey(gguf, "tokenizer.ggml.eos_token_id").orElse(1);
    int pad = optIntKey(gguf, "tokenizer.ggml.padding_token_id").orElse(0);
    try {
      return new ModelConfig(
          arch.hfName,
          vocab,
          dModel,
          dMlp,
          nLayers,
          nHeads,
          nKv,
          headDim,
          eps,
          queryPreAttnScalar,
          attnCap,
          finalCap,
          layout.slidingWindow(),
          layout.kinds(),
          ropeGlobal,
          layout.ropeLocal(),
          arch == Arch.GEMMA3,
          context,
          bos,
          eos,
          pad);
    } catch (IllegalArgumentException e) {
      throw new WeightsException(gguf.file(), "inconsistent model metadata: " + e.getMessage());
    }
  }

  /** What each architecture's layers do, from the few keys GGUF stores and llama.cpp's facts. */
  private record Layout(List<AttentionKind> kinds, int slidingWindow, double ropeLocal) {}

  private static Layout layout(
      GgufFile gguf, Arch arch, int nLayers, int context, double ropeGlobal)
      throws WeightsException {
    String a = arch.ggufName;
    Optional<Integer> window = optIntKey(gguf, a + ".attention.sliding_window");
    List<AttentionKind> kinds = new ArrayList<>();
    return switch (arch) {
      case GEMMA2 -> {
        for (int i = 0; i < nLayers; i++) {
          kinds.add(i % 2 == 0 ? AttentionKind.SLIDING : AttentionKind.FULL);
        }
        yield new Layout(kinds, window.orElse(4096), ropeGlobal);
      }
      case GEMMA3 -> {
        for (int i = 0; i < nLayers; i++) {
          kinds.add(window.isPresent() && i % 6 < 5 ? AttentionKind.SLIDING : AttentionKind.FULL);
        }
        // The converter omits sliding_window when the model has no sliding layers. Newer
        // llama.cpp may write the local rope base; older files rely on the hard-coded 10000.
        yield new Layout(
            kinds, window.orElse(context), f32(gguf, a + ".rope.freq_base_swa").orElse(10000.0));
      }
    };
  }

  /** The rows of token_embd (Gemma 3 conversions cut it to the tokenizer's size). */
  private static int vocabSize(GgufFile gguf) throws WeightsException {
    long rows = gguf.tensor("token_embd.weight").rows();
    if (rows < 1 || rows > Integer.MAX_VALUE) {
      throw new WeightsException(
          gguf.file(), "token_embd.weight", "has " + rows + " rows (the vocabulary size)");
    }
    return (int) rows;
  }

  /** ModelConfig has no rope scaling: refuse files that need it rather than run them wrongly. */
  private static void checkNoRopeScaling(GgufFile gguf, String a) throws WeightsException {
    Optional<String> type =
        gguf.value(a + ".rope.scaling.type").map(v -> String.valueOf(v.value()));
    double factor = f32(gguf, a + ".rope.scaling.factor").orElse(1.0);
    if ((type.isPresent() && !type.get().equals("none")) && factor != 1.0) {
      throw new WeightsException(
          gguf.file(),
          "rope scaling "
              + type.get()
              + " x"
              + factor
              + " is not supported ("
              + a
              + ".rope.scaling.type)");
    }
  }

  /**
   * The Hugging Face name of a GGUF tensor, or empty for tensors saescope does not use. (llama.cpp
   * {@code gguf-py/gguf/constants.py} TENSOR_NAMES and {@code tensor_mapping.py}.)
   */
  public static Optional<String> hfName(String ggufName) {
    switch (ggufName) {
      case "token_embd.weight":
        return Optional.of("model.embed_tokens.weight");
      case "output_norm.weight":
        return Optional.of("model.norm.weight");
      case "output.weight":
        return Optional.of("lm_head.weight");
      default:
        break;
    }
    Matcher m = BLOCK.matcher(ggufName);
    if (!m.matches()) {
      return Optional.empty();
    }
    String layer = "model.layers." + m.group(1) + ".";
    String rest =
        switch (m.group(2)) {
          case "attn_norm" -> "input_layernorm";
          case "attn_q" -> "self_attn.q_proj";
          case "attn_k" -> "self_attn.k_proj";
          case "attn_v" -> "self_attn.v_proj";
          case "attn_output" -> "self_attn.o_proj";
          case "attn_q_norm" -> "self_attn.q_norm";
          case "attn_k_norm" -> "self_attn.k_norm";
          case "post_attention_norm" -> "post_attention_layernorm";
          case "ffn_norm" -> "pre_feedforward_layernorm"; // FFN_PRE_NORM, not Llama's ffn_norm
          case "post_ffw_norm" -> "post_feedforward_layernorm";
          case "ffn_gate" -> "mlp.gate_proj";
          case "ffn_up" -> "mlp.up_proj";
          case "ffn_down" -> "mlp.down_proj";
          default -> null;
        };
    return rest == null ? Optional.empty() : Optional.of(layer + rest + ".weight");
  }

  /** Hugging Face shapes of every tensor the forward pass needs, by HF name. */
  public static java.util.Map<String, long[]> expectedShapes(ModelConfig c) {
    java.util.Map<String, long[]> s = new java.util.LinkedHashMap<>();
    long d = c.dModel();
    long q = (long) c.nHeads() * c.headDim();
    long kv = (long) c.nKvHeads() * c.headDim();
    s.put("model.embed_tokens.weight", new long[] {c.vocabSize(), d});
    for (int i = 0; i < c.nLayers(); i++) {
      String p = "model.layers." + i + ".";
      s.put(p + "input_layernorm.weight", new long[] {d});
      s.put(p + "self_attn.q_proj.weight", new long[] {q, d});
      s.put(p + "self_attn.k_proj.weight", new long[] {kv, d});
      s.put(p + "self_attn.v_proj.weight", new long[] {kv, d});
      s.put(p + "self_attn.o_proj.weight", new long[] {d, q});
      if (c.qkNorm()) {
        s.put(p + "self_attn.q_norm.weight", new long[] {c.headDim()});
        s.put(p + "self_attn.k_norm.weight", new long[] {c.headDim()});
      }
      s.put(p + "post_attention_layernorm.weight", new long[] {d});
      s.put(p + "pre_feedforward_layernorm.weight", new long[] {d});
      s.put(p + "post_feedforward_layernorm.weight", new long[] {d});
      s.put(p + "mlp.gate_proj.weight", new long[] {c.dMlp(), d});
      s.put(p + "mlp.up_proj.weight", new long[] {c.dMlp(), d});
      s.put(p + "mlp.down_proj.weight", new long[] {d, c.dMlp()});
    }
    s.put("model.norm.weight", new long[] {d});
    return s;
  }

  private static int positiveKey(GgufFile gguf, String key) throws WeightsException {
    return positive(gguf, key, toInt(gguf, key, gguf.integer(key)));
  }

  private static Optional<Integer> optPositiveKey(GgufFile gguf, String key)
      throws WeightsException {
    Optional<Integer> v = optIntKey(gguf, key);
    return v.isEmpty() ? v : Optional.of(positive(gguf, key, v.get()));
  }

  private static int positive(GgufFile gguf, String key, int v) throws WeightsException {
    if (v <= 0) {
      throw new WeightsException(
          gguf.file(), "metadata '" + key + "' = " + v + " must be positive");
    }
    return v;
  }

  /** The block count must be the number of layers the file holds tensors for, blk.0 to blk.N-1. */
  private static void requireLayersPresent(GgufFile gguf, String key, int nLayers)
      throws WeightsException {
    long present = 0; // highest blk index + 1
    for (String name : gguf.tensors().keySet()) {
      Matcher m = BLOCK_INDEX.matcher(name);
      if (m.lookingAt()) {
        if (m.group(1).length() > 9) {
          throw new WeightsException(gguf.file(), name, "has an implausible layer index");
        }
        present = Math.max(present, Long.parseLong(m.group(1)) + 1);
      }
    }
    if (present != nLayers) {
      throw new WeightsException(
          gguf.file(),
          "metadata '"
              + key
              + "' = "
              + nLayers
              + " but the file holds tensors for "
              + present
              + " layers (blk.0 to blk."
              + (present - 1)
              + ")");
    }
  }

  /**
   * The metadata keys that size a tensor, with their values, for a shape error: a wrong head count
   * shows as the q/k/v/o projections' shapes, and the message should name the key.
   */
  static String sizedBy(Arch arch, ModelConfig c, String hfName) {
    String a = arch.ggufName;
    String heads = "'" + a + ".attention.head_count' = " + c.nHeads();
    String kv = "'" + a + ".attention.head_count_kv' = " + c.nKvHeads();
    String width = "head width " + c.headDim() + " ('" + a + ".attention.key_length')";
    String d = "'" + a + ".embedding_length' = " + c.dModel();
    if (hfName.endsWith("q_proj.weight") || hfName.endsWith("o_proj.weight")) {
      return heads + " * " + width + ", " + d;
    }
    if (hfName.endsWith("k_proj.weight") || hfName.endsWith("v_proj.weight")) {
      return kv + " * " + width + ", " + d;
    }
    if (hfName.endsWith("q_norm.weight") || hfName.endsWith("k_norm.weight")) {
      return width;
    }
    if (hfName.contains(".mlp.")) {
      return "'" + a + ".feed_forward_length' = " + c.dMlp() + ", " + d;
    }
    return hfName.contains("embed_tokens") || hfName.equals("lm_head.weight")
        ? "vocabulary " + c.vocabSize() + " (rows of token_embd), " + d
        : d;
  }

  private static Optional<Integer> optIntKey(GgufFile gguf, String key) throws WeightsException {
    Optional<Long> v = gguf.optInteger(key);
    return v.isEmpty() ? Optional.empty() : Optional.of(toInt(gguf, key, v.get()));
  }

  private static int toInt(GgufFile gguf, String key, long v) throws WeightsException {
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new WeightsException(gguf.file(), "metadata '" + key + "' = " + v + " is out of range");
    }
    return (int) v;
  }

  /**
   * A float key rounded through float32's shortest decimal (9.99999997e-7f becomes 1e-6), so the
   * value equals the one in the model's config.json; the forward pass computes in fp32 anyway.
   */
  private static Optional<Double> f32(GgufFile gguf, String key) throws WeightsException {
    Optional<Double> v = gguf.optNumber(key);
    return v.map(x -> Double.parseDouble(Float.toString(x.floatValue())));
  }
}
