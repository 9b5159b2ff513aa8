package dev.saescope.worker.sae.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves an SAE spec from the command line to a local path: a file or folder, or
 * {@code hf:owner/repo[@revision]/path/inside/repo} (e.g.
 * {@code hf:google/gemma-scope-2b-pt-mlp/layer_12/width_16k/average_l0_77}) looked up in the
 * standard Hugging Face cache ({@code $HF_HUB_CACHE}, {@code $HF_HOME/hub} or
 * {@code ~/.cache/huggingface/hub}), so SAEs downloaded with Python are reused. Nothing is
 * downloaded here.
 */
public final class SaeSpec {
  private static final Pattern HUB = Pattern.compile("hf:([^/@]+/[^/@]+)(?:@([^/]+))?(?:/(.*))?");

  private SaeSpec() {}

  /** The local path of a spec; the error says where it looked. */
  public static Path resolve(String spec) throws IOException {
    Matcher m = HUB.matcher(spec);
    if (!m.matches()) {
      Path p = Path.of(spec);
      if (!Files.exists(p)) {
        throw new FileNotFoundException(
            spec + ": no such SAE file or folder (an --sae is a path or hf:owner/repo/path)");
      }
      return p;
    }
    String repo = m.group(1);
    String revision = m.group(2) == null ? "main" : m.group(2);
    String sub = m.group(3) == null ? "" : m.group(3);
    Path repoDir = hubCache().resolve("models--" + repo.replace("/", "--"));
    String commit = revision;
    Path ref = repoDir.resolve("refs").resolve(revision);
    if (Files.isRegularFile(ref)) {
      commit = Files.readString(ref).trim();
    }
    Path p = repoDir.resolve("snapshots").resolve(commit).resolve(sub);
    if (!Files.exists(p)) {
      throw new FileNotFoundException(
          spec
              + ": not in the local Hugging Face cache (looked for "
              + p
              + "); download it first, e.g. huggingface-cli download "
              + repo
              + (sub.isEmpty() ? "" : " --include '" + sub + "/*'"));
    }
    return p;
  }

  static Path hubCache() {
    String cache = System.getenv("HF_HUB_CACHE");
    if (cache != null && !cache.isEmpty()) {
      return Path.of(cache);
    }
    String home = System.getenv("HF_HOME");
    if (home != null && !home.isEmpty()) {
      return Path.of(home, "hub");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub");
  }
}
