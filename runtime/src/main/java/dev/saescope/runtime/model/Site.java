package dev.saescope.runtime.model;

import dev.saescope.runtime.config.ModelConfig;

/**
 * Where in a decoder layer an activation is captured (GEMMA-NOTES.md §3; TransformerLens hook names
 * in brackets).
 */
public enum Site {
  /** The decoder layer's input [blocks.L.hook_resid_pre]. */
  RESID_PRE,
  /** The decoder layer's output [blocks.L.hook_resid_post]; Gemma Scope {@code res} SAEs. */
  RESID_POST,
  /**
   * The MLP branch after the post-feedforward RMSNorm, before it is added to the residual
   * [blocks.L.hook_mlp_out]; Gemma Scope {@code mlp} SAEs.
   */
  MLP_OUT,
  /**
   * Every head's {@code softmax(QK^T) V}, flattened head-major: the input of {@code o_proj}
   * [blocks.L.attn.hook_z]; Gemma Scope {@code att} SAEs.
   */
  ATTN_Z;

  /** Width of one captured row. */
  public int width(ModelConfig config) {
    return switch (this) {
      case RESID_PRE, RESID_POST, MLP_OUT -> config.dModel();
      case ATTN_Z -> config.attnWidth();
    };
  }

  /** The lower-case name used in files and messages: {@code resid_post}, {@code attn_z}, ... */
  public String key() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Parses {@link #key()} (case-insensitive). */
  public static Site parse(String key) {
    for (Site s : values()) {
      if (s.key().equalsIgnoreCase(key)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown capture site '" + key + "' (expected resid_pre, resid_post, mlp_out or attn_z)");
  }
}
