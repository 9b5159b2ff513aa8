package dev.saescope.worker.cli;

import dev.saescope.worker.weights.ModelSpec;
import dev.saescope.worker.weights.ModelWeights;
import dev.saescope.worker.weights.WeightsException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --model}, {@code --tokenizer} and {@code --offline}, shared by the model tools. */
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
      description = "Never download (hf: specs must be in the local hub cache).")
  boolean offline;

  /** The spec text as given. */
  public String spec() {
    return model;
  }

  /** Opens and validates the weights. */
  public ModelWeights open() throws WeightsException {
    return ModelSpec.open(model, new ModelSpec.OpenOptions(tokenizer, offline, System.err));
  }
}
