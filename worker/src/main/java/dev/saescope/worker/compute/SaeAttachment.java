package dev.saescope.worker.compute;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.model.Site;
import dev.saescope.runtime.sae.Sae;
import dev.saescope.runtime.sae.io.SaeLoader;
import dev.saescope.runtime.sae.io.SaeSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One {@code --sae SPEC[#LAYER:SITE]}: a local file or folder, or an {@code hf:} path resolved in
 * the Hugging Face cache, and where it reads when its own config does not say.
 */
public record SaeAttachment(String spec, Optional<HookPoint> hook) {

  /**
   * @throws IllegalArgumentException naming the option when {@code #LAYER:SITE} is malformed
   */
  public static SaeAttachment parse(String text) {
    int hash = text.lastIndexOf('#');
    if (hash < 0) {
      return new SaeAttachment(text, Optional.empty());
    }
    String[] parts = text.substring(hash + 1).split(":");
    if (parts.length != 2) {
      throw new IllegalArgumentException(
          "--sae " + text + ": expected SPEC#LAYER:SITE, e.g. params.npz#12:resid_post");
    }
    int layer;
    try {
      layer = Integer.parseInt(parts[0]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--sae " + text + ": layer '" + parts[0] + "' is not a number");
    }
    return new SaeAttachment(
        text.substring(0, hash), Optional.of(new HookPoint(layer, Site.parse(parts[1]))));
  }

  /**
   * Resolves, loads and names the SAE: its id is the file or folder name and the first 8 digits of
   * its weights' hash, so a retrained SAE gets a new id (and new latent-info).
   *
   * @throws IOException naming the file when it is missing or malformed
   * @throws IllegalArgumentException when neither the config nor the spec says where it reads
   */
  public ExperimentProcessor.AttachedSae open(String modelId, boolean offline) throws IOException {
    Path path = SaeSpec.resolve(spec, offline);
    Sae sae = Sae.create(SaeLoader.load(path, new SaeLoader.Hints(Optional.of(modelId), hook)));
    Optional<HookPoint> where = sae.metadata().hook();
    if (where.isEmpty()) {
      sae.close();
      throw new IllegalArgumentException(
          "--sae "
              + spec
              + ": its config does not say which layer and site it reads; append #LAYER:SITE");
    }
    Path name = path.getFileName();
    String base = name == null ? "sae" : name.toString().replaceAll("\\.npz$", "");
    String h = sae.metadata().hash();
    return new ExperimentProcessor.AttachedSae(
        base + "-" + h.substring(0, Math.min(8, h.length())), sae, where.get());
  }
}
