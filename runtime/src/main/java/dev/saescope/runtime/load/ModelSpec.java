package dev.saescope.runtime.load;

import dev.saescope.runtime.hub.HfHub;
import dev.saescope.runtime.hub.HfSpec;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.WeightsException;
import dev.saescope.runtime.weights.gguf.GgufWeights;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What {@code --model SPEC} names, parsed from its text: a Hugging Face model folder, a {@code
 * .gguf} file, a hub repository {@code hf:owner/name[@revision]}, or the alias of the offline real
 * model {@code gemma-3-270m}. {@link #open} turns it into {@link ModelWeights}.
 */
public sealed interface ModelSpec {
  /** The alias of the real offline model that {@code fetch-model gemma-3-270m} provisions. */
  String GEMMA_3_270M = "gemma-3-270m";

  /** A folder with config.json and safetensors. */
  record Folder(Path path) implements ModelSpec {}

  /** A GGUF file. */
  record Gguf(Path path) implements ModelSpec {}

  /**
   * A Hugging Face hub repository (or a folder or .gguf file in it), resolved through the standard
   * local hub cache and downloaded into it when missing unless offline ({@link HfHub}).
   */
  record Hub(HfSpec spec) implements ModelSpec {}

  /** A named model provisioned into saescope's cache. */
  record Alias(String name) implements ModelSpec {}

  /**
   * How a spec is opened.
   *
   * @param tokenizer a tokenizer.json overriding the one beside the weights, or null
   * @param offline never download from the hub
   * @param progress where hub download progress goes, or null for the log
   */
  record OpenOptions(Path tokenizer, boolean offline, PrintStream progress) {
    /** No tokenizer override, network allowed, progress to the log. */
    public static OpenOptions defaults() {
      return new OpenOptions(null, false, null);
    }
  }

  /**
   * Parses {@code text}: {@code hf:owner/name[@rev][/path]}, an alias of {@link KnownModel} such as
   * {@code gemma-3-270m} (unless a file of that name exists), a path ending in {@code .gguf}, or
   * any other path as a folder.
   */
  static ModelSpec parse(String text) {
    String t = text.strip();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty model spec");
    }
    if (HfSpec.isHfSpec(t)) {
      return new Hub(HfSpec.parse(t));
    }
    Path p = Path.of(t);
    if (KnownModel.byAlias(t).isPresent() && !Files.exists(p)) {
      return new Alias(t);
    }
    if (t.toLowerCase(Locale.ROOT).endsWith(".gguf")) {
      return new Gguf(p);
    }
    return new Folder(p);
  }

  /** Parses and opens {@code text}. */
  static ModelWeights open(String text, OpenOptions options) throws WeightsException {
    ModelSpec spec;
    try {
      spec = parse(text);
    } catch (IllegalArgumentException e) {
      throw new WeightsException(Path.of(text), "bad --model spec: " + e.getMessage(), e);
    }
    return spec.open(options);
  }

  /** Opens the weights this spec names, validating them (see each format's {@code open}). */
  default ModelWeights open(OpenOptions options) throws WeightsException {
    return switch (this) {
      case Folder f -> {
        if (!Files.exists(f.path())) {
          throw new WeightsException(
              f.path(),
              "no such model folder (a --model is a folder, a .gguf file, hf:owner/name or "
                  + GEMMA_3_270M
                  + ")");
        }
        if (Files.isRegularFile(f.path())) {
          throw new WeightsException(
              f.path(), "is a file, not a model folder; GGUF files must end in .gguf");
        }
        yield HfFolderWeights.open(f.path(), options.tokenizer());
      }
      case Gguf g -> GgufWeights.open(g.path(), options.tokenizer());
      case Hub h -> {
        Path local = HfHub.localPath(h.spec().toString(), options.offline(), options.progress());
        yield Files.isRegularFile(local)
                && local.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")
            ? GgufWeights.open(local, options.tokenizer())
            : HfFolderWeights.open(local, options.tokenizer());
      }
      case Alias a -> {
        KnownModel known =
            KnownModel.byAlias(a.name())
                .orElseThrow(() -> new WeightsException(Path.of(a.name()), "unknown model alias"));
        yield GgufWeights.open(known.requireWeights(SaescopeHome.resolve()), options.tokenizer());
      }
    };
  }
}
