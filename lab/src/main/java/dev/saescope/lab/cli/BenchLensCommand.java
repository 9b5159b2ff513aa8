package dev.saescope.lab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.common.cli.ModelOptions;
import dev.saescope.lab.bench.LensBench;
import dev.saescope.runtime.device.ComputeTarget;
import dev.saescope.runtime.load.LoadedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code saescope bench lens}: the full-vocabulary logit lens against its unembedding matmul. */
@Command(
    name = "lens",
    mixinStandardHelpOptions = true,
    description = {
      "The worker's full-vocabulary logit lens (log-softmax, ranks of 2 targets, top-1, KL to the"
          + " final layer's row) on --rows random residual rows, against the bare [rows, d_model] x"
          + " [d_model, vocab] unembedding matmul at the model's dtype, timed alternately.",
      "ratio = fastest matmul / fastest lens (1 = the lens costs only its matmul), for the"
          + " reduction the worker uses (VECTOR on a CPU with the Vector API) and for ENGINE in the"
          + " same rounds. Each engine reduction is also timed alone, to show where its time goes."
    })
public final class BenchLensCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Mixin ModelOptions modelOptions;

  @Option(
      names = "--rows",
      defaultValue = "128",
      description = "Lens rows per call, as the worker batches them (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(
      names = "--group",
      defaultValue = "18",
      description =
          "Consecutive rows sharing one KL reference: the layers of one position (default"
              + " ${DEFAULT-VALUE}, Gemma 3 270M's).")
  int group;

  @Option(
      names = "--repeats",
      defaultValue = "5",
      description = "Timed repetitions of each (default ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--json", description = "Print one JSON object with 'ratio' and the raw figures.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (rows <= 0 || group <= 0 || repeats <= 0 || rows > 256) {
      err.println("error: --rows (1..256), --group and --repeats must be positive");
      return 2;
    }
    LensBench.Result r;
    try {
      ComputeTarget target = ComputeTarget.resolve(modelOptions.dtype(), modelOptions.device());
      err.println("loading " + modelOptions.spec());
      try (LoadedModel loaded =
          LoadedModel.open(
              modelOptions.spec(), modelOptions.tokenizer(), modelOptions.offline(), target)) {
        r = LensBench.run(loaded.model(), target.device(), rows, group, repeats, err::println);
      }
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return 2;
    }
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      o.put("bench", "lens");
      o.put("ratio", r.ratio());
      o.put("ratioOfMedians", r.matmulMsMedian() / r.lensMsMedian());
      o.put("rows", r.rows());
      o.put("group", r.group());
      o.put("dtype", r.dtype());
      o.put("repeats", repeats);
      o.put("matmulMs", r.matmulMs());
      o.put("reduction", r.reduction());
      o.put("lensMs", r.lensMs());
      o.put("engineLensMs", r.engineLensMs());
      o.put("engineRatio", r.matmulMs() / r.engineLensMs());
      o.put("matmulMsMedian", r.matmulMsMedian());
      o.put("lensMsMedian", r.lensMsMedian());
      ObjectNode phases = o.putObject("phasesMs");
      r.phasesMs().forEach(phases::put);
      o.put("availableProcessors", Runtime.getRuntime().availableProcessors());
      out.println(o);
    } else {
      out.printf(
          Locale.ROOT,
          "logit lens (%d rows, groups of %d, %s)%n"
              + "  unembedding matmul  %8.1f ms%n"
              + "  lens stats, %-7s %8.1f ms%n"
              + "  ratio               %8.3f  (1 = only the matmul; of medians %.3f)%n"
              + "  lens stats, ENGINE  %8.1f ms  (ratio %.3f)%n"
              + "  each engine reduction alone, on [%d, vocab] fp32:%n",
          r.rows(),
          r.group(),
          r.dtype(),
          r.matmulMs(),
          r.reduction(),
          r.lensMs(),
          r.ratio(),
          r.matmulMsMedian() / r.lensMsMedian(),
          r.engineLensMs(),
          r.matmulMs() / r.engineLensMs(),
          r.rows());
      r.phasesMs().forEach((k, v) -> out.printf(Locale.ROOT, "    %-42s %8.1f ms%n", k, v));
    }
    out.flush();
    return 0;
  }
}
