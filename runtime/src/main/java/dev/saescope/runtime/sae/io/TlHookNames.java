package dev.saescope.runtime.sae.io;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TransformerLens hook names, the vocabulary SAELens writes into {@code cfg.json} ({@code
 * metadata.hook_name}); GEMMA-NOTES.md §3 maps them to our sites.
 */
public final class TlHookNames {
  private static final Pattern TL_HOOK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");

  private TlHookNames() {}

  /** {@code blocks.12.hook_resid_post} and the like. */
  public static String of(HookPoint h) {
    String suffix =
        switch (h.site()) {
          case RESID_PRE -> "hook_resid_pre";
          case RESID_POST -> "hook_resid_post";
          case MLP_OUT -> "hook_mlp_out";
          case ATTN_Z -> "attn.hook_z";
        };
    return String.format(Locale.ROOT, "blocks.%d.%s", h.layer(), suffix);
  }

  /** Parses a TransformerLens hook name; empty for names that are not one of our sites. */
  public static Optional<HookPoint> parse(String hookName) {
    if (hookName == null) {
      return Optional.empty();
    }
    Matcher m = TL_HOOK.matcher(hookName);
    if (!m.matches()) {
      return Optional.empty();
    }
    int layer = Integer.parseInt(m.group(1));
    for (Site s : Site.values()) {
      HookPoint h = new HookPoint(layer, s);
      if (of(h).equals(hookName)) {
        return Optional.of(h);
      }
    }
    return Optional.empty();
  }
}
