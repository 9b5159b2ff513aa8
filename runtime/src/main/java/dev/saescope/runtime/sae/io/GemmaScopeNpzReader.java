package dev.saescope.runtime.sae.io;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.npy.NpyException;
import dev.saescope.runtime.sae.npy.Npz;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Gemma Scope's {@code params.npz} ({@link SaeFormat#GEMMA_SCOPE_NPZ}): {@code W_enc [d_in,
 * d_sae]}, {@code W_dec}, {@code b_enc}, {@code b_dec} and {@code threshold}, a JumpReLU SAE.
 */
final class GemmaScopeNpzReader {
  private static final Pattern LAYER = Pattern.compile("layer_(\\d+)");

  private GemmaScopeNpzReader() {}

  /**
   * Gemma Scope {@code params.npz}. Model, layer and site come from the path when it follows the
   * hub layout ({@code gemma-scope-2b-pt-res/layer_12/width_16k/...}), as SAELens' {@code
   * get_gemma_2_config_from_hf} infers them.
   */
  static SaeParams read(Path file) throws IOException {
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
}
