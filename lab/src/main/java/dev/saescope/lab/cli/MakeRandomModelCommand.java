package dev.saescope.lab.cli;

import dev.saescope.common.progress.ProgressBar;
import dev.saescope.runtime.config.GemmaPresets;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.hub.KnownModel;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.weights.GemmaTensors;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.runtime.weights.RandomModelWriter.StoredType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code saescope make-random-model}: a randomly initialised model with the exact configuration of
 * a real one, in the Hugging Face layout, for benchmarks and tests at the mission's scale.
 */
@Command(
    name = "make-random-model",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a randomly initialised model with the exact configuration of gemma-2-2b or"
          + " gemma-3-270m as a Hugging Face folder: config.json, safetensors (sharded at 5 GB with"
          + " model.safetensors.index.json, as save_pretrained does) and tokenizer.json when one is"
          + " available.",
      "Weights ~ N(0, 0.02²), RMSNorm weights 0 (scale 1), as transformers initialises Gemma."
          + " Tensors are streamed to disk; gemma-2-2b takes 10.5 GB in fp32.",
      "No tokenizer for gemma-2-2b can be had offline: that folder has none, and callers feed"
          + " token ids directly (bench model --like gemma-2-2b does)."
    })
public final class MakeRandomModelCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--like",
      required = true,
      paramLabel = "MODEL",
      description = "gemma-2-2b or gemma-3-270m.")
  String like;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Output folder (must not exist or be empty).")
  Path out;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--layers",
      paramLabel = "N",
      description = "Keep only the first N layers (default: all).")
  Integer layers;

  @Option(
      names = "--dtype",
      paramLabel = "TYPE",
      defaultValue = "F32",
      converter = DtypeConverter.class,
      description =
          "Stored dtype, in any case: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}, as"
              + " google/gemma-2-2b); config.json's torch_dtype says which.")
  RandomModelWriter.StoredType dtype;

  @Option(
      names = "--tokenizer",
      paramLabel = "FILE",
      description =
          "tokenizer.json to copy in (default for gemma-3-270m: the one fetch-model provisions, if present).")
  Path tokenizer;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Override
  public Integer call() {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GemmaPresets preset;
    ModelConfig config;
    try {
      preset = GemmaPresets.byId(like);
      config = layers == null ? preset.config() : preset.config(layers);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    Path tok = tokenizerFor(preset, tokenizer);
    if (tok != null && !Files.isRegularFile(tok)) {
      err.println("error: " + tok + ": tokenizer file does not exist");
      return 2;
    }
    try {
      write(
          config,
          out,
          new RandomModelWriter.Options(seed, 0.02, 5_000_000_000L, dtype),
          tok,
          quiet);
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    }
    o.printf(
        Locale.ROOT,
        "wrote random %s (%d layers, %s) to %s%s%n",
        preset.id(),
        config.nLayers(),
        dtype,
        out,
        tok == null ? " without tokenizer.json (feed token ids directly)" : " with " + tok);
    o.flush();
    return 0;
  }

  /** {@code --dtype} in any case ({@code bf16} as well as {@code BF16}). */
  static final class DtypeConverter implements CommandLine.ITypeConverter<StoredType> {
    @Override
    public StoredType convert(String value) {
      try {
        return StoredType.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "'"
                + value
                + "' is not a stored dtype; expected one of "
                + Arrays.toString(StoredType.values())
                + " (any case)");
      }
    }
  }

  /** The tokenizer to copy: the explicit one, or the provisioned Gemma 3 one if present. */
  static Path tokenizerFor(GemmaPresets preset, Path explicit) {
    if (explicit != null) {
      return explicit;
    }
    if (preset == GemmaPresets.GEMMA_3_270M) {
      Path p = KnownModel.GEMMA_3_270M.tokenizerPath(SaescopeHome.resolve());
      return Files.isRegularFile(p) ? p : null;
    }
    return null; // the Gemma 2 tokenizer is not available offline
  }

  /** Writes the folder with a progress bar on stderr. */
  static void write(
      ModelConfig config, Path out, RandomModelWriter.Options opts, Path tokenizer, boolean quiet)
      throws IOException {
    long total = 0;
    for (GemmaTensors.Spec s : GemmaTensors.expected(config)) {
      total += s.size() * (opts.type() == RandomModelWriter.StoredType.F32 ? 4 : 2);
    }
    try (ProgressBar bar = ProgressBar.onStderr("bytes", total, quiet)) {
      long[] last = {0};
      RandomModelWriter.write(
          config,
          out,
          opts,
          tokenizer,
          written -> {
            bar.advance(written - last[0]);
            last[0] = written;
          });
    }
  }
}
