package dev.saescope.runtime.sae.io;

import dev.saescope.runtime.model.HookPoint;
import dev.saescope.runtime.sae.SaeParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an SAE in any of the {@link SaeFormat}s into host parameters, validating every tensor's
 * presence, shape, dtype and finiteness; errors name the file and the tensor. One reader per format
 * ({@code GemmaScopeNpzReader}, {@code GemmaScope2Reader}, {@code SaeLensReader}) does the work;
 * this class detects the format and applies what the command line knows.
 */
public final class SaeLoader {
  private static final Logger LOG = LoggerFactory.getLogger(SaeLoader.class);

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
              GemmaScopeNpzReader.read(
                  Files.isDirectory(path) ? path.resolve(SaeFormat.GEMMA_SCOPE_NPZ_FILE) : path);
          case GEMMA_SCOPE_2 -> GemmaScope2Reader.read(path);
          case SAELENS -> SaeLensReader.read(path);
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
}
