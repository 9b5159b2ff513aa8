package dev.saescope.runtime.sae.io;

import dev.saescope.runtime.hub.HfHub;
import dev.saescope.runtime.hub.HfSpec;
import dev.saescope.runtime.hub.HubException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Resolves an SAE spec from the command line to a local path: a file or folder, or {@code
 * hf:owner/repo[@revision]/path/inside/repo} (e.g. {@code
 * hf:google/gemma-scope-2b-pt-mlp/layer_12/width_16k/average_l0_77}) through the same Hugging Face
 * cache and settings as model specs ({@link HfHub}: {@code HF_HOME}, {@code HF_TOKEN}, nothing
 * fetched when offline). A hub folder is probed for the layouts of {@link SaeFormat} in turn; only
 * the files of the one found are fetched.
 */
public final class SaeSpec {
  private SaeSpec() {}

  /** The local path of a spec; errors say what was looked for. */
  public static Path resolve(String spec, boolean offline) throws IOException {
    return resolve(spec, HfHub.Settings.fromEnvironment(offline));
  }

  /** As {@link #resolve(String, boolean)} with explicit hub settings (tests, other caches). */
  public static Path resolve(String spec, HfHub.Settings settings) throws IOException {
    if (!HfSpec.isHfSpec(spec)) {
      Path p = Path.of(spec);
      if (!Files.exists(p)) {
        throw new FileNotFoundException(
            spec + ": no such SAE file or folder (an --sae is a path or hf:owner/repo/path)");
      }
      return p;
    }
    HfSpec s;
    try {
      s = HfSpec.parse(spec);
    } catch (IllegalArgumentException e) {
      throw new IOException(spec + ": " + e.getMessage(), e);
    }
    HfHub hub = new HfHub(settings, null);
    try {
      String last = s.subpath().substring(s.subpath().lastIndexOf('/') + 1);
      if (last.contains(".")) {
        return hub.file(s.repoId(), s.revision(), s.subpath()); // e.g. .../params.npz
      }
      Optional<Path> npz = probe(hub, s, SaeFormat.GEMMA_SCOPE_NPZ_FILE);
      if (npz.isPresent()) {
        return npz.get();
      }
      Optional<Path> cfg = probe(hub, s, SaeFormat.SAELENS_CFG);
      if (cfg.isPresent()) {
        return hub.file(s.repoId(), s.revision(), s.inRepo(SaeFormat.SAELENS_WEIGHTS)).getParent();
      }
      Optional<Path> gs2 = probe(hub, s, SaeFormat.GEMMA_SCOPE_2_WEIGHTS);
      if (gs2.isPresent()) {
        probe(hub, s, "config.json");
        return gs2.get().getParent();
      }
      throw new FileNotFoundException(
          spec
              + ": no SAE there (looked for "
              + List.of(
                  SaeFormat.GEMMA_SCOPE_NPZ_FILE,
                  SaeFormat.SAELENS_CFG,
                  SaeFormat.GEMMA_SCOPE_2_WEIGHTS)
              + ")");
    } catch (HubException e) {
      throw new IOException(spec + ": " + e.getMessage(), e);
    }
  }

  /** A file of the folder if the repository (or, offline, the cache) has it. */
  private static Optional<Path> probe(HfHub hub, HfSpec s, String file) throws HubException {
    try {
      return hub.optionalFile(s.repoId(), s.revision(), s.inRepo(file));
    } catch (HubException e) {
      if (e.kind() == HubException.Kind.NOT_CACHED_OFFLINE) {
        return Optional.empty(); // offline: absent from the cache counts as absent
      }
      throw e;
    }
  }
}
