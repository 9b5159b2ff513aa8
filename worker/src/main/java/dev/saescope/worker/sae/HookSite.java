package dev.saescope.worker.sae;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where in a decoder layer an SAE reads its input (GEMMA-NOTES.md §3). The TransformerLens hook
 * names are what SAELens writes into {@code cfg.json}.
 */
public enum HookSite {
  /** The layer's input. */
  RESID_PRE("resid_pre", "blocks.%d.hook_resid_pre"),
  /** The decoder layer's output; Gemma Scope {@code -res} SAEs. */
  RESID_POST("resid_post", "blocks.%d.hook_resid_post"),
  /** After the post-MLP norm, before the residual add; Gemma Scope {@code -mlp} SAEs. */
  MLP_OUT("mlp_out", "blocks.%d.hook_mlp_out"),
  /** Heads' outputs before o_proj, flattened head-major; Gemma Scope {@code -att} SAEs. */
  ATTN_Z("attn_z", "blocks.%d.attn.hook_z");

  private static final Pattern TL_HOOK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");

  private final String id;
  private final String tlFormat;

  HookSite(String id, String tlFormat) {
    this.id = id;
    this.tlFormat = tlFormat;
  }

  /** The short name used on the command line and in messages, e.g. {@code resid_post}. */
  public String id() {
    return id;
  }

  /** The TransformerLens hook name at a layer, e.g. {@code blocks.12.hook_resid_post}. */
  public String tlHookName(int layer) {
    return String.format(Locale.ROOT, tlFormat, layer);
  }

  /** Parses {@code resid_post} etc.; the error lists the accepted names. */
  public static HookSite parse(String id) {
    for (HookSite s : values()) {
      if (s.id.equalsIgnoreCase(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown hook site '" + id + "' (expected one of " + Arrays.toString(ids()) + ")");
  }

  static String[] ids() {
    return Arrays.stream(values()).map(HookSite::id).toArray(String[]::new);
  }

  /** Reads a TransformerLens hook name such as {@code blocks.12.hook_mlp_out}. */
  public static Optional<HookPoint> fromTlHookName(String hookName) {
    if (hookName == null) {
      return Optional.empty();
    }
    Matcher m = TL_HOOK.matcher(hookName);
    if (!m.matches()) {
      return Optional.empty();
    }
    int layer = Integer.parseInt(m.group(1));
    for (HookSite s : values()) {
      if (s.tlHookName(layer).equals(hookName)) {
        return Optional.of(new HookPoint(layer, s));
      }
    }
    return Optional.empty();
  }
}
