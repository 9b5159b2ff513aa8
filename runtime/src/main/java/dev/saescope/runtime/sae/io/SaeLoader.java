package dev.saescope.runtime.sae.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.npy.NpyException;
import dev.saescope.runtime.sae.npy.Npz;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an SAE in any of the {@link SaeFormat}s into host parameters, validating every tensor's
 * presence, shape, dtype and finiteness; errors name the file and the tensor.
 */
public final class SaeLoader {
  private static final Logger LOG = LoggerFactory.getLogger(SaeLoader.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LAYER = Pattern.compile("layer_(\\d+)");
  private static final Pattern HF_HOOK =
      Pattern.compile(
          "model\\.layers\\.(\\d+)\\.(output|input|self_attn\\.o_proj\\.input|post_feedforward_layernorm\\.output)");

  private SaeLoader() {}

  /**
   * What the command line knows about an SAE; each present field overrides the file's config.
   *
   * @param modelId model id, or empty
   * @param hook layer and site, or empty
   */
  public record Hints(Optional<String> modelId, Optional<HookPoint> hook) {
    public static final Hints NONE = new Hints(Optional.empty(), Optional.empty());
  }

  /** Loads any supported layout, detected by {@link SaeFormat#detect}. */
  public static SaeParams load(Path path) throws IOException {
    return load(path, Hints.NONE);
  }

  /** Loads any supported layout and applies the hints. */
  public static SaeParams load(Path path, Hints hints) throws IOException {
    long t0 = System.nanoTime();
    SaeFormat format = SaeFormat.detect(path);
    SaeParams p =
        switch (format) {
          case GEMMA_SCOPE_NPZ ->
              gemmaScopeNpz(
                  Files.isDirectory(path) ? path.resolve(SaeFormat.GEMMA_SCOPE_NPZ_FILE) : path);
          case GEMMA_SCOPE_2 -> gemmaScope2(path);
          case SAELENS -> saeLens(path);
        };
    if (hints.modelId().isPresent()) {
      p =
          new SaeParams(
              p.meta().withModelId(hints.modelId().get()),
              p.wEnc(),
              p.bEnc(),
              p.wDec(),
              p.bDec(),
              p.threshold());
    }
    if (hints.hook().isPresent()) {
      p =
          new SaeParams(
              p.meta().withHook(hints.hook().get()),
              p.wEnc(),
              p.bEnc(),
              p.wDec(),
              p.bDec(),
              p.threshold());
    }
    LOG.info(
        "loaded SAE {} ({}) in {} ms: {}",
        path,
        format,
        (System.nanoTime() - t0) / 1_000_000,
        p.meta().describe());
    return p;
  }

  // ---------------------------------------------------------------- Gemma Scope params.npz

  /**
   * Gemma Scope {@code params.npz}. Model, layer and site come from the path when it follows the
   * hub layout ({@code gemma-scope-2b-pt-res/layer_12/width_16k/...}), as SAELens' {@code
   * get_gemma_2_config_from_hf} infers them.
   */
  public static SaeParams gemmaScopeNpz(Path file) throws IOException {
    try (Npz npz = Npz.open(file)) {
      String wEncName = member(npz, "W_enc");
      String wDecName = member(npz, "W_dec");
      String bEncName = member(npz, "b_enc");
      String bDecName = member(npz, "b_dec");
      String thrName = member(npz, "threshold");
      long[] encShape = npz.header(wEncName).shape();
      if (encShape.length != 2) {
        throw new NpyException(
            file, wEncName, "expected [d_in, d_sae], got " + Arrays.toString(encShape));
      }
      int dIn = (int) encShape[0];
      int dSae = (int) encShape[1];
      expectShape(npz, wDecName, dSae, dIn);
      expectShape(npz, bEncName, dSae);
      expectShape(npz, bDecName, dIn);
      expectShape(npz, thrName, dSae);
      GemmaScopePath where = GemmaScopePath.parse(file);
      return SaeParams.of(
          where.modelId(),
          where.hook(),
          dIn,
          dSae,
          new Activation.JumpRelu(),
          false, // Gemma Scope does not subtract b_dec at the input (arXiv 2408.05147 §2)
          file.toString(),
          npz.read(wEncName).data(),
          npz.read(bEncName).data(),
          npz.read(wDecName).data(),
          npz.read(bDecName).data(),
          npz.read(thrName).data());
    }
  }

  private static String member(Npz npz, String name) throws NpyException {
    for (String n : npz.names()) {
      if (n.equalsIgnoreCase(name)) {
        return n;
      }
    }
    throw new NpyException(npz.file(), name, "missing (archive holds " + npz.names() + ")");
  }

  private static void expectShape(Npz npz, String name, long... want) throws NpyException {
    long[] got = npz.header(name).shape();
    if (!Arrays.equals(got, want)) {
      throw new NpyException(
          npz.file(),
          name,
          "expected shape " + Arrays.toString(want) + ", got " + Arrays.toString(got));
    }
  }

  /** What a Gemma Scope hub path tells about its SAE. */
  record GemmaScopePath(String modelId, Optional<HookPoint> hook) {
    static final Pattern REPO = Pattern.compile("gemma-scope-(2b|9b|27b)-(pt|it)-(res|mlp|att)");

    static GemmaScopePath parse(Path file) {
      String s = file.toAbsolutePath().toString().replace('\\', '/');
      Matcher repo = REPO.matcher(s);
      Matcher layer = LAYER.matcher(s);
      if (!repo.find()) {
        return new GemmaScopePath("", Optional.empty());
      }
      String model = "gemma-2-" + repo.group(1) + (repo.group(2).equals("it") ? "-it" : "");
      Site site =
          switch (repo.group(3)) {
            case "res" -> Site.RESID_POST;
            case "mlp" -> Site.MLP_OUT;
            default -> Site.ATTN_Z;
          };
      Optional<HookPoint> hook =
          layer.find()
              ? Optional.of(new HookPoint(Integer.parseInt(layer.group(1)), site))
              : Optional.empty();
      return new GemmaScopePath(model, hook);
    }
  }

  // ---------------------------------------------------------------- Gemma Scope 2 folder

  /**
   * Gemma Scope 2: {@code params.safetensors} with {@code w_enc [d_in, d_sae]}, {@code w_dec},
   * {@code b_enc}, {@code b_dec}, {@code threshold}, and {@code config.json} with {@code
   * architecture: "jump_relu"}, {@code model_name} and {@code hf_hook_point_in} (SAELens {@code
   * get_gemma_3_config_from_hf}).
   */
  public static SaeParams gemmaScope2(Path dir) throws IOException {
    Path weights = dir.resolve(SaeFormat.GEMMA_SCOPE_2_WEIGHTS);
    Path configFile = dir.resolve("config.json");
    String modelId = "";
    Optional<HookPoint> hook = Optional.empty();
    if (Files.isRegularFile(configFile)) {
      JsonNode cfg = readJson(configFile);
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
      String wEncName = key(st, "w_enc");
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
          read(st, key(st, "b_enc"), dSae),
          read(st, key(st, "w_dec"), dSae, dIn),
          read(st, key(st, "b_dec"), dIn),
          read(st, key(st, "threshold"), dSae));
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

  // ---------------------------------------------------------------- SAELens folder

  /**
   * A SAELens folder as {@code SAE.save_model} writes it (sae_lens/saes/sae.py): {@code cfg.json}
   * with {@code architecture}, {@code d_in}, {@code d_sae}, {@code apply_b_dec_to_input}, {@code
   * normalize_activations}, {@code k} and {@code rescale_acts_by_decoder_norm} (topk), {@code
   * metadata.model_name}, {@code metadata.hook_name}; pre-6.0 configs keep the last two at the top
   * level.
   */
  public static SaeParams saeLens(Path dir) throws IOException {
    Path cfgFile = dir.resolve(SaeFormat.SAELENS_CFG);
    Path weights = dir.resolve(SaeFormat.SAELENS_WEIGHTS);
    JsonNode cfg = readJson(cfgFile);
    int dIn = requiredInt(cfgFile, cfg, "d_in");
    int dSae = requiredInt(cfgFile, cfg, "d_sae");
    String arch = cfg.path("architecture").asText("standard");
    Activation activation =
        switch (arch) {
          case "jumprelu" -> new Activation.JumpRelu();
          case "topk" -> new Activation.TopK(topK(cfgFile, cfg));
          case "standard" -> new Activation.Relu();
          default ->
              throw new WeightsException(
                  cfgFile,
                  "architecture '"
                      + arch
                      + "' is not supported (expected jumprelu, topk or standard)");
        };
    String norm = cfg.path("normalize_activations").asText("none");
    if (!norm.equals("none") && !norm.equals("null") && !norm.isEmpty()) {
      throw new WeightsException(
          cfgFile, "normalize_activations '" + norm + "' is not supported (only 'none')");
    }
    if (cfg.path("finetuning_scaling_factor").asBoolean(false)) {
      throw new WeightsException(cfgFile, "finetuning_scaling_factor is not supported");
    }
    boolean applyBDec = cfg.path("apply_b_dec_to_input").asBoolean(true);
    boolean rescale = cfg.path("rescale_acts_by_decoder_norm").asBoolean(false);
    JsonNode meta = cfg.has("metadata") ? cfg.get("metadata") : cfg;
    String modelId = meta.path("model_name").asText(cfg.path("model_name").asText(""));
    String hookName =
        meta.path("hook_name")
            .asText(cfg.path("hook_name").asText(cfg.path("hook_point").asText("")));
    Optional<HookPoint> hook = TlHookNames.parse(hookName);
    try (Safetensors st = Safetensors.open(weights)) {
      float[] wEnc = read(st, key(st, "W_enc"), dIn, dSae);
      float[] bEnc = read(st, key(st, "b_enc"), dSae);
      float[] wDec = read(st, key(st, "W_dec"), dSae, dIn);
      float[] bDec = read(st, key(st, "b_dec"), dIn);
      float[] threshold = null;
      if (activation instanceof Activation.JumpRelu) {
        if (st.entries().containsKey("threshold")) {
          threshold = read(st, "threshold", dSae);
        } else if (st.entries().containsKey("log_threshold")) {
          // older SAELens training checkpoints (JumpReLUSAE.process_state_dict_for_loading)
          threshold = read(st, "log_threshold", dSae);
          for (int i = 0; i < threshold.length; i++) {
            threshold[i] = (float) Math.exp(threshold[i]);
          }
        } else {
          throw new WeightsException(weights, "threshold", "missing (a jumprelu SAE needs it)");
        }
      }
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

  // ---------------------------------------------------------------- helpers

  private static String key(Safetensors st, String name) throws WeightsException {
    for (String n : st.entries().keySet()) {
      if (n.equalsIgnoreCase(name)) {
        return n;
      }
    }
    throw new WeightsException(
        st.file(), name, "missing (file holds " + st.entries().keySet() + ")");
  }

  private static float[] read(Safetensors st, String name, long... shape) throws WeightsException {
    Safetensors.Entry e = st.entries().get(name);
    if (!Arrays.equals(e.shape(), shape)) {
      throw new WeightsException(
          st.file(),
          name,
          "expected shape " + Arrays.toString(shape) + ", got " + Arrays.toString(e.shape()));
    }
    return st.read(name).data().array();
  }

  private static JsonNode readJson(Path file) throws WeightsException {
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (n == null || !n.isObject()) {
        throw new WeightsException(file, "not a JSON object");
      }
      return n;
    } catch (IOException e) {
      if (e instanceof WeightsException w) {
        throw w;
      }
      throw new WeightsException(file, "cannot read JSON: " + e.getMessage(), e);
    }
  }

  private static int requiredInt(Path file, JsonNode cfg, String field) throws WeightsException {
    JsonNode n = cfg.get(field);
    if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
      throw new WeightsException(
          file, "field '" + field + "' must be a positive integer, got " + n);
    }
    return n.asInt();
  }
}
