package dev.saescope.lab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.lab.bench.SaeBench;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code saescope bench sae}: JumpReLU encoding against the matmul roofline of the same run. */
@Command(
    name = "sae",
    mixinStandardHelpOptions = true,
    description = {
      "JumpReLU encode of a random Gemma Scope-shaped SAE (default 2304 x 16384, 1024 tokens per"
          + " batch, L0 about 70), sparse extraction and copy to Java included, against the bare"
          + " [tokens, d_in] x [d_in, d_sae] matmul timed in the same run, interleaved.",
      "ratio = fastest matmul time / fastest encode time over --repeats alternating runs (1 ="
          + " encoding costs only its matmul; target >= 0.8). Medians are reported too."
    })
public final class BenchSaeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(
      names = "--d-in",
      defaultValue = "2304",
      description = "SAE input width (default ${DEFAULT-VALUE}).")
  int dIn;

  @Option(
      names = "--d-sae",
      defaultValue = "16384",
      description = "Latents (default ${DEFAULT-VALUE}).")
  int dSae;

  @Option(
      names = "--tokens",
      defaultValue = "1024",
      description = "Positions per batch (default ${DEFAULT-VALUE}).")
  int tokens;

  @Option(
      names = "--repeats",
      defaultValue = "5",
      description = "Timed repetitions of each (default ${DEFAULT-VALUE}); medians count.")
  int repeats;

  @Option(
      names = "--seed",
      defaultValue = "7",
      description = "Seed of the random SAE and inputs (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--json", description = "Print one JSON object with 'ratio' and the raw figures.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    if (dIn <= 0 || dSae <= 0 || tokens <= 0 || repeats <= 0) {
      err.println("error: --d-in, --d-sae, --tokens and --repeats must be positive");
      return 2;
    }
    SaeBench.Result r = SaeBench.run(dIn, dSae, tokens, repeats, seed);
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      o.put("bench", "sae");
      o.put("ratio", r.ratio());
      o.put("activation", "jumprelu");
      o.put("dIn", r.dIn());
      o.put("dSae", r.dSae());
      o.put("tokens", r.tokens());
      o.put("repeats", r.reps());
      o.put("matmulMs", r.matmulMs());
      o.put("encodeMs", r.encodeMs());
      o.put("matmulMsMedian", r.matmulMsMedian());
      o.put("encodeMsMedian", r.encodeMsMedian());
      o.put("ratioOfMedians", r.matmulMsMedian() / r.encodeMsMedian());
      o.put("matmulFlopsPerSecond", r.matmulGflops() * 1e9);
      o.put("encodeTokensPerSecond", r.tokens() / (r.encodeMs() / 1e3));
      o.put("meanL0", r.meanL0());
      o.put("availableProcessors", Runtime.getRuntime().availableProcessors());
      out.println(o);
    } else {
      out.printf(
          Locale.ROOT,
          "SAE encode (jumprelu %d x %d, %d tokens/batch, mean L0 %.1f)%n"
              + "  matmul roofline  %8.1f ms  (%.1f GFLOP/s)%n"
              + "  encode + sparse  %8.1f ms  (%.0f tokens/s)%n"
              + "  ratio            %8.3f  (target >= 0.8; of medians %.3f)%n",
          r.dIn(),
          r.dSae(),
          r.tokens(),
          r.meanL0(),
          r.matmulMs(),
          r.matmulGflops(),
          r.encodeMs(),
          r.tokens() / (r.encodeMs() / 1e3),
          r.ratio(),
          r.matmulMsMedian() / r.encodeMsMedian());
    }
    out.flush();
    return 0;
  }
}
