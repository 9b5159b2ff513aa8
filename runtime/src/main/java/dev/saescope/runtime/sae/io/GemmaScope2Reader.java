package dev.saescope.runtime.sae.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.Safetensors;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Gemma Scope 2 folder ({@link SaeFormat#GEMMA_SCOPE_2}): {@code params.safetensors} with
 * lower-case tensor names and a {@code config.json} that says where the SAE reads; without the
 * config, the hook comes from the folder name.
 */
final class GemmaScope2Reader {
  private static final Pattern LAYER = Pattern.compile("layer_(\\d+)");
  private static final Pattern HF_HOOK =
      Pattern.compile(
          "model\\.layers\\.(\\d+)\\.(output|input|self_attn\\.o_proj\\.input|post_feedforward_layernorm\\.output)");

  private GemmaScope2Reader() {}

  /**
   * Gemma Scope 2: {@code params.safetensors} with {@code w_enc [d_in, d_sae]}, {@code w_dec},
   * {@code b_enc}, {@code b_dec}, {@code threshold}, and {@code config.json} with {@code
   * architecture: "jump_relu"}, {@code model_name} and {@code hf_hook_point_in} (SAELens {@code
   * get_gemma_3_config_from_hf}).
   */
  static SaeParams read(Path dir) throws IOException {
    Path weights = dir.resolve(SaeFormat.GEMMA_SCOPE_2_WEIGHTS);
    Path configFile = dir.resolve("config.json");
    String modelId = "";
    Optional<HookPoint> hook = Optional.empty();
    if (Files.isRegularFile(configFile)) {
      JsonNode cfg = SaeFiles.readJson(configFile);
      String arch = cfg.path("architecture").asText("");
      if (!arch.equals("jump_relu")) {
        throw new WeightsException(
            configFile,
            "architecture '"
                + arch
                + "' is not supported (expected jump_relu; transcoders are not SAEs)");
      }
      if (cfg.has("hf_hook_point_out") || cfg.path("affine_connection").asBoolean(false)) {
        throw new WeightsException(
            configFile, "this is a transcoder (hf_hook_point_out set), not an SAE");
      }
      modelId = cfg.path("model_name").asText("");
      hook = hfHook(cfg.path("hf_hook_point_in").asText(""));
    } else {
      hook = folderHook(dir);
    }
    try (Safetensors st = Safetensors.open(weights)) {
      String wEncName = SaeFiles.key(st, "w_enc");
      HostTensor wEnc = st.read(wEncName);
      long[] s = wEnc.shape();
      if (s.length != 2) {
        throw new WeightsException(
            weights, wEncName, "expected [d_in, d_sae], got " + Arrays.toString(s));
      }
      int dIn = (int) s[0];
      int dSae = (int) s[1];
      return SaeParams.of(
          modelId,
          hook,
          dIn,
          dSae,
          new Activation.JumpRelu(),
          false,
          dir.toString(),
          wEnc.data().array(),
          SaeFiles.read(st, SaeFiles.key(st, "b_enc"), dSae),
          SaeFiles.read(st, SaeFiles.key(st, "w_dec"), dSae, dIn),
          SaeFiles.read(st, SaeFiles.key(st, "b_dec"), dIn),
          SaeFiles.read(st, SaeFiles.key(st, "threshold"), dSae));
    }
  }

  /** Maps a transformers hook point ({@code model.layers.5.output}) to our sites. */
  static Optional<HookPoint> hfHook(String name) {
    Matcher m = HF_HOOK.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    int layer = Integer.parseInt(m.group(1));
    Site site =
        switch (m.group(2)) {
          case "output" -> Site.RESID_POST;
          case "input" -> Site.RESID_PRE;
          case "self_attn.o_proj.input" -> Site.ATTN_Z;
          default -> Site.MLP_OUT;
        };
    return Optional.of(new HookPoint(layer, site));
  }

  /** Gemma Scope 2 folder names: {@code resid_post/layer_5_width_16k_l0_medium} and the like. */
  static Optional<HookPoint> folderHook(Path dir) {
    String s = dir.toAbsolutePath().toString();
    Matcher layer = LAYER.matcher(s);
    if (!layer.find()) {
      return Optional.empty();
    }
    int l = Integer.parseInt(layer.group(1));
    if (s.contains("resid_post")) {
      return Optional.of(new HookPoint(l, Site.RESID_POST));
    }
    if (s.contains("mlp_out")) {
      return Optional.of(new HookPoint(l, Site.MLP_OUT));
    }
    if (s.contains("attn_out")) { // Gemma Scope 2 names the o_proj input "attn_out"
      return Optional.of(new HookPoint(l, Site.ATTN_Z));
    }
    return Optional.empty();
  }
}
