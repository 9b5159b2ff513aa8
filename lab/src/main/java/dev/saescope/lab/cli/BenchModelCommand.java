package dev.saescope.lab.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.common.cli.ModelOptions;
import dev.saescope.lab.bench.ModelBench;
import dev.saescope.lab.bench.ModelBenchReport;
import dev.saescope.lab.bench.ModelFlops;
import dev.saescope.runtime.config.GemmaPresets;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.device.ComputeTarget;
import dev.saescope.runtime.hub.SaescopeHome;
import dev.saescope.runtime.load.ModelSpec;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.RandomModelWriter;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code saescope bench model}: tokens/s of the forward pass with resid_post captured at every
 * layer, against the roofline of the same run (measured fp32 matmul FLOP/s through DJL divided by
 * the model's matmul FLOPs per token, see {@link ModelFlops} for what is counted).
 */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = {
      "Forward-pass throughput with resid_post captured at every layer (no logits), against the"
          + " matmul roofline measured in the same run. ratio = achieved matmul FLOP/s / measured"
          + " peak matmul FLOP/s.",
      "FLOPs/token count q,k,v,o,gate,up,down and attention's two matmuls over the causally"
          + " visible keys; the unembedding is not counted (no logits are computed).",
      "--like gemma-2-2b makes (or reuses) a random model with gemma-2-2b's exact configuration"
          + " and also reports peak resident memory (VmHWM), which must fit 24 GiB.",
      "On a shared machine the wall-clock ratio swings with other processes' load: ratioBest"
          + " compares the fastest batch with the best roofline round (noise only adds time), and"
          + " ratioCpuTime divides both rates by process CPU time instead.",
      "Token ids are fed directly (deterministic pseudo-random ids after <bos>), so no tokenizer"
          + " is needed."
    })
public final class BenchModelCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--like",
      paramLabel = "MODEL",
      description = "Benchmark a random model like gemma-2-2b or gemma-3-270m instead of --model.")
  String like;

  @Option(
      names = "--random-dir",
      paramLabel = "DIR",
      description =
          "Where the --like model is made or reused (default: $SAESCOPE_HOME/random/<like>-seed0).")
  Path randomDir;

  @Option(
      names = "--batch",
      defaultValue = "8",
      description = "Sequences per batch (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--seq",
      defaultValue = "128",
      description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
  int seq;

  @Option(
      names = "--repeats",
      defaultValue = "5",
      description =
          "Timed batches (default ${DEFAULT-VALUE}); each is paired with a roofline round.")
  int repeats;

  @Option(
      names = "--warmup",
      defaultValue = "1",
      description = "Untimed batches first (default ${DEFAULT-VALUE}).")
  int warmup;

  /** Which layers' resid_post the benchmarked pass captures. */
  enum CaptureLayers {
    all,
    last
  }

  @Option(
      names = "--capture",
      defaultValue = "all",
      description =
          "resid_post capture at ${COMPLETION-CANDIDATES} layers (default ${DEFAULT-VALUE};"
              + " 'last' runs the same layers and shows what copying every layer out costs).")
  CaptureLayers captureLayers;

  @Option(names = "--json", description = "Print one JSON object with 'ratio' and the raw figures.")
  boolean json;

  @Option(names = "--quiet", description = "No progress output on stderr.")
  boolean quiet;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    ObjectNode r;
    try {
      ModelBench.Settings settings =
          new ModelBench.Settings(batch, seq, repeats, warmup, captureLayers == CaptureLayers.all);
      r = ModelBenchReport.toJson(run(settings, err));
    } catch (IOException e) { // WeightsException included: files that will not load
      err.println("error: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(r.toString());
    } else {
      ModelBenchReport.printText(out, r);
    }
    out.flush();
    return 0;
  }

  private ModelBench.Result run(ModelBench.Settings settings, PrintWriter err) throws IOException {
    String label;
    ModelWeights weights;
    if (like != null) {
      GemmaPresets preset = GemmaPresets.byId(like);
      Path dir =
          randomDir != null
              ? randomDir
              : SaescopeHome.resolve().resolve("random").resolve(preset.id() + "-seed0");
      weights = randomModel(preset, dir, err);
      label = "random " + preset.id() + " (" + dir + ")";
    } else {
      weights =
          ModelSpec.open(
              modelOptions.spec(),
              new ModelSpec.OpenOptions(
                  modelOptions.tokenizer(), modelOptions.offline(), System.err));
      label = modelOptions.spec();
    }
    long t0 = System.nanoTime();
    GemmaModel model;
    try (weights) {
      progress(err, "loading " + label);
      ComputeTarget target = ComputeTarget.resolve(modelOptions.dtype(), modelOptions.device());
      model = GemmaModel.load(weights, target.device(), target.dtype());
    }
    double loadSeconds = (System.nanoTime() - t0) / 1e9;
    try (model) {
      return ModelBench.run(model, label, loadSeconds, settings, what -> progress(err, what));
    }
  }

  /** Opens the random model in {@code dir}, writing it first when the folder does not exist. */
  private ModelWeights randomModel(GemmaPresets preset, Path dir, PrintWriter err)
      throws IOException {
    ModelConfig want = preset.config();
    if (!HfFolderWeights.isModelFolder(dir)) {
      if (Files.exists(dir)) {
        try (var s = Files.list(dir)) {
          if (s.findAny().isPresent()) {
            throw new IOException(
                dir
                    + ": exists without config.json (an interrupted make-random-model?); remove it");
          }
        }
      }
      progress(err, "writing random " + preset.id() + " to " + dir + " (once; reused afterwards)");
      MakeRandomModelCommand.write(
          want,
          dir,
          RandomModelWriter.Options.defaults(0),
          MakeRandomModelCommand.tokenizerFor(preset, null),
          quiet);
    }
    HfFolderWeights w = HfFolderWeights.open(dir);
    if (!w.config().equals(want)) {
      w.close();
      throw new WeightsException(
          dir, "config.json is not " + preset.id() + "'s configuration; remove the folder");
    }
    return w;
  }

  private void progress(PrintWriter err, String what) {
    if (!quiet) {
      err.println("bench: " + what);
      err.flush();
    }
  }
}
