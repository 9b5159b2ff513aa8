package dev.saescope.runtime.sae.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.weights.Safetensors;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads a SAELens folder ({@link SaeFormat#SAELENS}): {@code cfg.json} and {@code
 * sae_weights.safetensors}, for the standard (ReLU), JumpReLU and TopK architectures.
 */
final class SaeLensReader {
  private SaeLensReader() {}

  /**
   * A SAELens folder as {@code SAE.save_model} writes it (sae_lens/saes/sae.py): {@code cfg.json}
   * with {@code architecture}, {@code d_in}, {@code d_sae}, {@code apply_b_dec_to_input}, {@code
   * normalize_activations}, {@code k} and {@code rescale_acts_by_decoder_norm} (topk), {@code
   * metadata.model_name}, {@code metadata.hook_name}; pre-6.0 configs keep the last two at the top
   * level.
   */
  static SaeParams read(Path dir) throws IOException {
    Path cfgFile = dir.resolve(SaeFormat.SAELENS_CFG);
    Path weights = dir.resolve(SaeFormat.SAELENS_WEIGHTS);
    JsonNode cfg = SaeFiles.readJson(cfgFile);
    int dIn = SaeFiles.requiredInt(cfgFile, cfg, "d_in");
    int dSae = SaeFiles.requiredInt(cfgFile, cfg, "d_sae");
    Activation activation = activation(cfgFile, cfg);
    boolean applyBDec = cfg.path("apply_b_dec_to_input").asBoolean(true);
    boolean rescale = cfg.path("rescale_acts_by_decoder_norm").asBoolean(false);
    JsonNode meta = cfg.has("metadata") ? cfg.get("metadata") : cfg;
    String modelId = meta.path("model_name").asText(cfg.path("model_name").asText(""));
    String hookName =
        meta.path("hook_name")
            .asText(cfg.path("hook_name").asText(cfg.path("hook_point").asText("")));
    Optional<HookPoint> hook = TlHookNames.parse(hookName);
    try (Safetensors st = Safetensors.open(weights)) {
      float[] wEnc = SaeFiles.read(st, SaeFiles.key(st, "W_enc"), dIn, dSae);
      float[] bEnc = SaeFiles.read(st, SaeFiles.key(st, "b_enc"), dSae);
      float[] wDec = SaeFiles.read(st, SaeFiles.key(st, "W_dec"), dSae, dIn);
      float[] bDec = SaeFiles.read(st, SaeFiles.key(st, "b_dec"), dIn);
      float[] threshold =
          activation instanceof Activation.JumpRelu ? threshold(st, weights, dSae) : null;
      if (rescale) {
        foldDecoderNorm(dIn, dSae, wEnc, bEnc, wDec);
      }
      return SaeParams.of(
          modelId,
          hook,
          dIn,
          dSae,
          activation,
          applyBDec,
          dir.toString(),
          wEnc,
          bEnc,
          wDec,
          bDec,
          threshold);
    }
  }

  /** The architecture, refusing the options of SAELens that saescope does not implement. */
  private static Activation activation(Path cfgFile, JsonNode cfg) throws WeightsException {
    String norm = cfg.path("normalize_activations").asText("none");
    if (!norm.equals("none") && !norm.equals("null") && !norm.isEmpty()) {
      throw new WeightsException(
          cfgFile, "normalize_activations '" + norm + "' is not supported (only 'none')");
    }
    if (cfg.path("finetuning_scaling_factor").asBoolean(false)) {
      throw new WeightsException(cfgFile, "finetuning_scaling_factor is not supported");
    }
    String arch = cfg.path("architecture").asText("standard");
    return switch (arch) {
      case "jumprelu" -> new Activation.JumpRelu();
      case "topk" -> new Activation.TopK(topK(cfgFile, cfg));
      case "standard" -> new Activation.Relu();
      default ->
          throw new WeightsException(
              cfgFile,
              "architecture '" + arch + "' is not supported (expected jumprelu, topk or standard)");
    };
  }

  /** A JumpReLU threshold, stored as such or (older checkpoints) as its logarithm. */
  private static float[] threshold(Safetensors st, Path weights, int dSae) throws WeightsException {
    if (st.entries().containsKey("threshold")) {
      return SaeFiles.read(st, "threshold", dSae);
    }
    if (st.entries().containsKey("log_threshold")) {
      // older SAELens training checkpoints (JumpReLUSAE.process_state_dict_for_loading)
      float[] threshold = SaeFiles.read(st, "log_threshold", dSae);
      for (int i = 0; i < threshold.length; i++) {
        threshold[i] = (float) Math.exp(threshold[i]);
      }
      return threshold;
    }
    throw new WeightsException(weights, "threshold", "missing (a jumprelu SAE needs it)");
  }

  private static int topK(Path cfgFile, JsonNode cfg) throws WeightsException {
    JsonNode k = cfg.has("k") ? cfg.get("k") : cfg.path("activation_fn_kwargs").path("k");
    if (!k.canConvertToInt() || k.asInt() <= 0) {
      throw new WeightsException(cfgFile, "a topk SAE needs a positive integer 'k', got " + k);
    }
    return k.asInt();
  }

  /**
   * SAELens {@code rescale_acts_by_decoder_norm}: pre-activations are multiplied by each decoder
   * row's norm and latents divided by it before decoding (topk_sae.py {@code TopKSAE.encode},
   * {@code act_times_W_dec}). Folding the norms into {@code W_enc}, {@code b_enc} and {@code W_dec}
   * gives the same latents and reconstructions with a plain TopK.
   */
  static void foldDecoderNorm(int dIn, int dSae, float[] wEnc, float[] bEnc, float[] wDec) {
    for (int i = 0; i < dSae; i++) {
      double s = 0;
      for (int c = 0; c < dIn; c++) {
        double v = wDec[i * dIn + c];
        s += v * v;
      }
      float norm = (float) Math.sqrt(s);
      for (int c = 0; c < dIn; c++) {
        wDec[i * dIn + c] /= norm;
        wEnc[c * dSae + i] *= norm;
      }
      bEnc[i] *= norm;
    }
  }
}
