package dev.saescope.runtime.weights;

import dev.saescope.runtime.config.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The tensors a Gemma 2 / Gemma 3 text checkpoint must hold, with Hugging Face names and shapes
 * derived from a {@link ModelConfig} (modeling_gemma2.py / modeling_gemma3.py; GEMMA-NOTES.md
 * §1-2). The unembedding is tied to {@code model.embed_tokens.weight}, so {@code lm_head.weight} is
 * not expected.
 */
public final class GemmaTensors {
  private GemmaTensors() {}

  /** One expected tensor. */
  public record Spec(String name, long[] shape) {
    public Spec {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** Number of elements. */
    public long size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    /** RMSNorm weights are stored as {@code w} in safetensors and used as {@code 1 + w}. */
    public boolean isNorm() {
      return GemmaTensors.isNorm(name);
    }

    @Override
    public String toString() {
      return name + Arrays.toString(shape);
    }
  }

  /** Names ending {@code norm.weight}: the four layer norms, q_norm/k_norm and the final norm. */
  public static boolean isNorm(String name) {
    return name.endsWith("norm.weight");
  }

  /**
   * The config.json fields that size a tensor, with their values, for a shape error: a wrong head
   * count shows as the q/k/v/o projections' shapes, and the message should name the field.
   */
  public static String sizedBy(ModelConfig c, String name) {
    String heads = "num_attention_heads " + c.nHeads();
    String kv = "num_key_value_heads " + c.nKvHeads();
    String width = "head_dim " + c.headDim();
    String d = "hidden_size " + c.dModel();
    if (name.endsWith("q_proj.weight") || name.endsWith("o_proj.weight")) {
      return heads + " * " + width + ", " + d;
    }
    if (name.endsWith("k_proj.weight") || name.endsWith("v_proj.weight")) {
      return kv + " * " + width + ", " + d;
    }
    if (name.endsWith("q_norm.weight") || name.endsWith("k_norm.weight")) {
      return width;
    }
    if (name.contains(".mlp.")) {
      return "intermediate_size " + c.dMlp() + ", " + d;
    }
    return name.contains("embed_tokens") ? "vocab_size " + c.vocabSize() + ", " + d : d;
  }

  /** Every tensor the forward pass reads, in checkpoint order (embedding, layers, final norm). */
  public static List<Spec> expected(ModelConfig c) {
    long d = c.dModel();
    long q = (long) c.nHeads() * c.headDim();
    long kv = (long) c.nKvHeads() * c.headDim();
    long mlp = c.dMlp();
    List<Spec> out = new ArrayList<>();
    out.add(new Spec("model.embed_tokens.weight", new long[] {c.vocabSize(), d}));
    for (int l = 0; l < c.nLayers(); l++) {
      out.addAll(layer(c, l, d, q, kv, mlp));
    }
    out.add(new Spec("model.norm.weight", new long[] {d}));
    return List.copyOf(out);
  }

  /** The tensors of decoder layer {@code l}. */
  public static List<Spec> layer(ModelConfig c, int l) {
    return layer(
        c,
        l,
        c.dModel(),
        (long) c.nHeads() * c.headDim(),
        (long) c.nKvHeads() * c.headDim(),
        c.dMlp());
  }

  private static List<Spec> layer(ModelConfig c, int l, long d, long q, long kv, long mlp) {
    String p = "model.layers." + l + ".";
    List<Spec> out = new ArrayList<>();
    out.add(new Spec(p + "input_layernorm.weight", new long[] {d}));
    out.add(new Spec(p + "self_attn.q_proj.weight", new long[] {q, d})); // [H*D, dModel]
    out.add(new Spec(p + "self_attn.k_proj.weight", new long[] {kv, d})); // [KV*D, dModel]
    out.add(new Spec(p + "self_attn.v_proj.weight", new long[] {kv, d})); // [KV*D, dModel]
    out.add(new Spec(p + "self_attn.o_proj.weight", new long[] {d, q})); // [dModel, H*D]
    if (c.qkNorm()) {
      out.add(new Spec(p + "self_attn.q_norm.weight", new long[] {c.headDim()}));
      out.add(new Spec(p + "self_attn.k_norm.weight", new long[] {c.headDim()}));
    }
    out.add(new Spec(p + "post_attention_layernorm.weight", new long[] {d}));
    out.add(new Spec(p + "pre_feedforward_layernorm.weight", new long[] {d}));
    out.add(new Spec(p + "post_feedforward_layernorm.weight", new long[] {d}));
    out.add(new Spec(p + "mlp.gate_proj.weight", new long[] {mlp, d})); // [dMlp, dModel]
    out.add(new Spec(p + "mlp.up_proj.weight", new long[] {mlp, d})); // [dMlp, dModel]
    out.add(new Spec(p + "mlp.down_proj.weight", new long[] {d, mlp})); // [dModel, dMlp]
    return out;
  }
}
