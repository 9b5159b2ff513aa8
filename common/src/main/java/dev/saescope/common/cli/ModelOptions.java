package dev.saescope.common.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --model}, {@code --tokenizer} and {@code --offline}, declared once for every command that
 * runs a model (worker, benchmarks, the model and SAE tools). Values only: the runtime's {@code
 * LoadedModel.open} turns them into a model.
 */
public final class ModelOptions {
  @Option(
      names = "--model",
      paramLabel = "SPEC",
      defaultValue = "${env:SAESCOPE_MODEL:-gemma-3-270m}",
      description = {
        "A Hugging Face model folder, a .gguf file, hf:owner/name[@revision][/path] (standard"
            + " HF cache: HF_HOME, HF_TOKEN), or gemma-3-270m"
            + " (the offline model of ./saescope fetch-model gemma-3-270m).",
        "Default: $SAESCOPE_MODEL or ${DEFAULT-VALUE}."
      })
  String model;

  @Option(
      names = "--tokenizer",
      paramLabel = "FILE",
      description = "tokenizer.json to use instead of the one beside the weights.")
  Path tokenizer;

  @Option(
      names = "--offline",
      defaultValue = "${env:SAESCOPE_OFFLINE:-false}",
      description =
          "Never download (hf: specs must be in the local hub cache; also env HF_HUB_OFFLINE=1).")
  boolean offline;

  /** The spec text as given. */
  public String spec() {
    return model;
  }

  /** A tokenizer.json overriding the one beside the weights, or null. */
  public Path tokenizer() {
    return tokenizer;
  }

  /**
   * {@code --offline}, or the hub's own switch {@code HF_HUB_OFFLINE=1}, as huggingface_hub reads
   * it.
   */
  public boolean offline() {
    return offline || "1".equals(System.getenv("HF_HUB_OFFLINE"));
  }
}
