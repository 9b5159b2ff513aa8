package dev.saescope.common.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --model}, {@code --tokenizer}, {@code --offline}, {@code --dtype} and {@code --device},
 * declared once for every command that runs a model (worker, benchmarks, the model and SAE tools).
 * Values only: the runtime's {@code LoadedModel.open} turns them into a model.
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

  @Option(
      names = "--dtype",
      paramLabel = "fp32|bf16|fp16|auto",
      defaultValue = "${env:SAESCOPE_DTYPE:-fp32}",
      description = {
        "Precision of the model and SAEs. auto: bf16 on CUDA or on a CPU whose /proc/cpuinfo"
            + " flags include amx_bf16 or avx512_bf16, else fp32. Log-softmax, KL, ranks, SAE"
            + " thresholds and cosine sums are computed in fp32 whatever this is.",
        "Default: $SAESCOPE_DTYPE or ${DEFAULT-VALUE}."
      })
  String dtype;

  @Option(
      names = "--device",
      paramLabel = "cpu|cuda[:N]|auto",
      defaultValue = "${env:SAESCOPE_DEVICE:-cpu}",
      description = {
        "Device of the model, the SAEs and every array of a batch. auto: GPU 0 when the PyTorch"
            + " engine sees one (a CUDA pytorch-native build, see README), else the CPU.",
        "Default: $SAESCOPE_DEVICE or ${DEFAULT-VALUE}."
      })
  String device;

  /** {@code --dtype} as given (the runtime's {@code DtypeChoice.parse} reads it). */
  public String dtype() {
    return dtype == null ? "fp32" : dtype;
  }

  /** {@code --device} as given (the runtime's {@code DeviceChoice.parse} reads it). */
  public String device() {
    return device == null ? "cpu" : device;
  }

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
