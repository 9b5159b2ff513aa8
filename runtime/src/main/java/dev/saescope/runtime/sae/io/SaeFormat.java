package dev.saescope.runtime.sae.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** The on-disk SAE layouts we read. */
public enum SaeFormat {
  /**
   * Gemma Scope (gemma-2): {@code params.npz} with {@code W_enc, W_dec, b_enc, b_dec, threshold}.
   */
  GEMMA_SCOPE_NPZ,
  /**
   * Gemma Scope 2 (gemma-3): {@code params.safetensors} (lower-case names) + {@code config.json}.
   */
  GEMMA_SCOPE_2,
  /** SAELens: {@code cfg.json} + {@code sae_weights.safetensors}. */
  SAELENS;

  public static final String SAELENS_CFG = "cfg.json";
  public static final String SAELENS_WEIGHTS = "sae_weights.safetensors";
  public static final String GEMMA_SCOPE_NPZ_FILE = "params.npz";
  public static final String GEMMA_SCOPE_2_WEIGHTS = "params.safetensors";

  /**
   * Recognises a file or folder by the names it holds.
   *
   * @throws java.io.FileNotFoundException naming the path and the layouts we looked for
   */
  public static SaeFormat detect(Path path) throws java.io.FileNotFoundException {
    if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".npz")) {
      return GEMMA_SCOPE_NPZ;
    }
    if (Files.isDirectory(path)) {
      if (Files.isRegularFile(path.resolve(SAELENS_CFG))
          && Files.isRegularFile(path.resolve(SAELENS_WEIGHTS))) {
        return SAELENS;
      }
      if (Files.isRegularFile(path.resolve(GEMMA_SCOPE_2_WEIGHTS))) {
        return GEMMA_SCOPE_2;
      }
      if (Files.isRegularFile(path.resolve(GEMMA_SCOPE_NPZ_FILE))) {
        return GEMMA_SCOPE_NPZ;
      }
    }
    throw new java.io.FileNotFoundException(
        path
            + ": not an SAE (expected a .npz file, or a folder with cfg.json + sae_weights.safetensors,"
            + " params.safetensors, or params.npz)");
  }
}
