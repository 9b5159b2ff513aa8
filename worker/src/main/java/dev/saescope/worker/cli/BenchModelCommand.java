package dev.saescope.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.worker.bench.MatmulRoofline;
import dev.saescope.worker.bench.ModelFlops;
import dev.saescope.worker.bench.ProcessCpu;
import dev.saescope.worker.bench.ProcessMemory;
import dev.saescope.worker.hub.SaescopeHome;
import dev.saescope.worker.model.CaptureSpec;
import dev.saescope.worker.model.ForwardResult;
import dev.saescope.worker.model.GemmaModel;
import dev.saescope.worker.model.ModelConfig;
import dev.saescope.worker.model.Site;
import dev.saescope.worker.weights.GemmaPresets;
import dev.saescope.worker.weights.HfFolderWeights;
import dev.saescope.worker.weights.ModelWeights;
import dev.saescope.worker.weights.RandomModelWriter;
import dev.saescope.worker.weights.WeightsException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
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
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GIB = 1L << 30;

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
    if (batch <= 0 || seq <= 0 || repeats <= 0 || warmup < 0) {
      err.println("error: --batch, --seq and --repeats must be positive, --warmup >= 0");
      return 2;
    }
    ObjectNode r;
    try {
      r = run(err);
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
      printText(out, r);
    }
    out.flush();
    return 0;
  }

  private ObjectNode run(PrintWriter err) throws IOException {
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
      weights = modelOptions.open();
      label = modelOptions.spec();
    }
    long t0 = System.nanoTime();
    GemmaModel model;
    try (weights) {
      progress(err, "loading " + label);
      model = GemmaModel.load(weights);
    }
    double loadSeconds = (System.nanoTime() - t0) / 1e9;
    try (model) {
      ModelConfig c = model.config();
      if (seq > c.maxPositions()) {
        throw new IllegalArgumentException(
            "--seq " + seq + " exceeds max_position_embeddings " + c.maxPositions());
      }
      ModelFlops flops = ModelFlops.of(c, seq);
      List<MatmulRoofline.Shape3> shapes = MatmulRoofline.shapesFor(c, batch * seq);
      List<int[]> sequences = inputs(c, batch, seq);
      List<Integer> captured =
          switch (captureLayers) {
            case all -> IntStream.range(0, c.nLayers()).boxed().toList();
            case last -> List.of(c.nLayers() - 1);
          };
      CaptureSpec capture = CaptureSpec.of(captured, Site.RESID_POST);
      // The machine is shared: its speed drifts. Each timed batch is paired with a roofline round
      // measured right after it, and the ratio is the median of the per-pair ratios.
      List<Double> times = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      List<Double> cpuTimes = new ArrayList<>();
      List<Double> cpuRatios = new ArrayList<>();
      List<Double> peaks = new ArrayList<>();
      List<MatmulRoofline.Report> rounds = new ArrayList<>();
      for (int i = 0; i < warmup + repeats; i++) {
        progress(
            err,
            (i < warmup ? "warm-up batch " : "timed batch ") + (i + 1) + "/" + (warmup + repeats));
        long c0 = ProcessCpu.nanos();
        long s = System.nanoTime();
        ForwardResult fr = model.forward(sequences, capture);
        double secs = (System.nanoTime() - s) / 1e9;
        double cpuSecs = (ProcessCpu.nanos() - c0) / 1e9;
        if (fr.captures().size() != captured.size()) {
          throw new IllegalStateException(
              "expected captures at " + captured.size() + " layers, got " + fr.captures().size());
        }
        if (i >= warmup) {
          progress(err, "fp32 matmul roofline round " + (i + 1 - warmup) + "/" + repeats);
          MatmulRoofline.Report roof = MatmulRoofline.measure(shapes, 3, 0.3);
          rounds.add(roof);
          times.add(secs);
          peaks.add(roof.peakFlopsPerSecond());
          ratios.add((batch * seq / secs) * flops.total() / roof.peakFlopsPerSecond());
          cpuTimes.add(cpuSecs);
          cpuRatios.add((batch * seq / cpuSecs) * flops.total() / roof.peakFlopsPerCpuSecond());
        }
      }
      double median = median(times);
      double peak = median(peaks);
      double tokensPerSecond = (double) batch * seq / median;
      double achieved = tokensPerSecond * flops.total();
      double rooflineTokensPerSecond = peak / flops.total();
      // the model's own shapes at their measured rates: time of the projections alone
      double modelShapeRate = modelShapeRate(c, flops, rounds, batch * seq);

      ObjectNode o = JSON.createObjectNode();
      o.put("ratio", median(ratios));
      o.put("ratioAgainstModelShapes", achieved / modelShapeRate);
      o.put("ratioCpuTime", median(cpuRatios));
      // best of N on both sides: noise from other processes only ever adds time
      double bestTokensPerSecond =
          batch * seq / times.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      double bestPeak = peaks.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
      o.put("ratioBest", bestTokensPerSecond * flops.total() / bestPeak);
      o.put("tokensPerSecondBest", bestTokensPerSecond);
      o.put("peakMatmulFlopsPerSecondBest", bestPeak);
      o.put("model", label);
      o.put("architecture", c.architecture());
      o.put("layers", c.nLayers());
      o.put("batch", batch);
      o.put("seq", seq);
      o.put(
          "capture",
          captureLayers == CaptureLayers.all
              ? "resid_post at all " + c.nLayers() + " layers, all positions, no logits"
              : "resid_post at the last layer only, all positions, no logits");
      o.put("tokensPerSecond", tokensPerSecond);
      o.put("rooflineTokensPerSecond", rooflineTokensPerSecond);
      o.put("achievedMatmulFlopsPerSecond", achieved);
      o.put("peakMatmulFlopsPerSecond", peak);
      o.put("modelShapeMatmulFlopsPerSecond", modelShapeRate);
      o.put("flopsPerToken", flops.total());
      o.put("flopsPerTokenLinear", flops.linear());
      o.put("flopsPerTokenAttentionCausal", flops.attentionCausal());
      o.put("flopsPerTokenAttentionDense", flops.attentionDense());
      o.put("unembeddingFlopsPerTokenNotCounted", flops.unembedding());
      o.put("batchSecondsMedian", median);
      var ts = o.putArray("batchSeconds");
      times.forEach(ts::add);
      var rs = o.putArray("ratios");
      ratios.forEach(rs::add);
      var cs = o.putArray("batchCpuSeconds");
      cpuTimes.forEach(cs::add);
      var crs = o.putArray("ratiosCpuTime");
      cpuRatios.forEach(crs::add);
      var shapesJson = o.putArray("matmuls");
      for (int j = 0; j < shapes.size(); j++) {
        List<Double> rates = new ArrayList<>();
        for (MatmulRoofline.Report r : rounds) {
          rates.add(r.measurements().get(j).flopsPerSecond());
        }
        List<Double> cpuRates = new ArrayList<>();
        for (MatmulRoofline.Report r : rounds) {
          cpuRates.add(r.measurements().get(j).flopsPerCpuSecond());
        }
        shapesJson
            .addObject()
            .put("shape", shapes.get(j).toString())
            .put("flopsPerSecond", median(rates))
            .put("flopsPerCpuSecond", median(cpuRates));
      }
      o.put("loadSeconds", loadSeconds);
      o.put("threads", Integer.parseInt(System.getProperty("ai.djl.pytorch.num_threads", "-1")));
      o.put("availableProcessors", Runtime.getRuntime().availableProcessors());
      long peakRss = ProcessMemory.peakRssBytes().orElse(-1);
      o.put("peakRssBytes", peakRss);
      o.put("peakRssGiB", peakRss / (double) GIB);
      o.put("fitsIn24GiB", peakRss >= 0 && peakRss < 24 * GIB);
      return o;
    }
  }

  /**
   * FLOP-weighted rate of the model's projections at the rates measured for their shapes (median
   * over rounds): {@code sum(flops) / sum(flops / rate)}. The first four shapes of {@link
   * MatmulRoofline#shapesFor} are q/k/v, o, gate/up and down.
   */
  private static double modelShapeRate(
      ModelConfig c, ModelFlops flops, List<MatmulRoofline.Report> rounds, int tokens) {
    List<MatmulRoofline.Shape3> shapes = MatmulRoofline.shapesFor(c, tokens);
    double totalFlops = 0;
    double seconds = 0;
    for (int j = 0; j < 4; j++) {
      List<Double> rates = new ArrayList<>();
      for (MatmulRoofline.Report r : rounds) {
        rates.add(r.measurements().get(j).flopsPerSecond());
      }
      totalFlops += shapes.get(j).flops();
      seconds += shapes.get(j).flops() / median(rates);
    }
    return totalFlops / seconds;
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

  /** {@code <bos>} then deterministic pseudo-random ids in [3, vocab), different per sequence. */
  static List<int[]> inputs(ModelConfig c, int batch, int seq) {
    SplittableRandom rng = new SplittableRandom(42);
    List<int[]> out = new ArrayList<>(batch);
    for (int b = 0; b < batch; b++) {
      int[] ids = new int[seq];
      ids[0] = c.bosId();
      for (int i = 1; i < seq; i++) {
        ids[i] = 3 + rng.nextInt(c.vocabSize() - 3);
      }
      out.add(ids);
    }
    return out;
  }

  private void progress(PrintWriter err, String what) {
    if (!quiet) {
      err.println("bench: " + what);
      err.flush();
    }
  }

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  private static void printText(PrintWriter out, ObjectNode r) {
    out.printf(
        Locale.ROOT,
        "model              %s (%s, %d layers)%n",
        r.get("model").asText(),
        r.get("architecture").asText(),
        r.get("layers").asInt());
    out.printf(
        Locale.ROOT,
        "workload           batch %d x seq %d, %s%n",
        r.get("batch").asInt(),
        r.get("seq").asInt(),
        r.get("capture").asText());
    out.printf(
        Locale.ROOT,
        "matmul peak        %.2f GFLOP/s fp32 through DJL (median per shape:",
        r.get("peakMatmulFlopsPerSecond").asDouble() / 1e9);
    r.get("matmuls")
        .forEach(
            m ->
                out.printf(
                    Locale.ROOT,
                    " %s %.1f",
                    m.get("shape").asText(),
                    m.get("flopsPerSecond").asDouble() / 1e9));
    out.println(")");
    out.printf(
        Locale.ROOT,
        "FLOPs/token        %.4g (linear %.4g + causal attention %.4g; dense attention would be %.4g; unembedding %.4g not counted)%n",
        r.get("flopsPerToken").asDouble(),
        r.get("flopsPerTokenLinear").asDouble(),
        r.get("flopsPerTokenAttentionCausal").asDouble(),
        r.get("flopsPerTokenAttentionDense").asDouble(),
        r.get("unembeddingFlopsPerTokenNotCounted").asDouble());
    out.printf(
        Locale.ROOT,
        "roofline           %.1f tokens/s%n",
        r.get("rooflineTokensPerSecond").asDouble());
    out.printf(
        Locale.ROOT,
        "measured           %.1f tokens/s (median batch %.3f s of %s)%n",
        r.get("tokensPerSecond").asDouble(),
        r.get("batchSecondsMedian").asDouble(),
        r.get("batchSeconds"));
    out.printf(
        Locale.ROOT,
        "achieved           %.2f GFLOP/s%n",
        r.get("achievedMatmulFlopsPerSecond").asDouble() / 1e9);
    out.printf(
        Locale.ROOT,
        "ratio              %.3f of the roofline (median of per-batch ratios %s)%n",
        r.get("ratio").asDouble(),
        r.get("ratios"));
    out.printf(
        Locale.ROOT,
        "ratio (best of N)  %.3f (fastest batch %.1f tokens/s against the best roofline round %.2f GFLOP/s)%n",
        r.get("ratioBest").asDouble(),
        r.get("tokensPerSecondBest").asDouble(),
        r.get("peakMatmulFlopsPerSecondBest").asDouble() / 1e9);
    out.printf(
        Locale.ROOT,
        "ratio (CPU time)   %.3f (per-batch %s; immune to other processes' load, see --help)%n",
        r.get("ratioCpuTime").asDouble(),
        r.get("ratiosCpuTime"));
    out.printf(
        Locale.ROOT,
        "vs model shapes    %.3f (against %.2f GFLOP/s, the projections' own shapes at their measured rates)%n",
        r.get("ratioAgainstModelShapes").asDouble(),
        r.get("modelShapeMatmulFlopsPerSecond").asDouble() / 1e9);
    out.printf(
        Locale.ROOT,
        "load               %.1f s; threads %d of %d processors%n",
        r.get("loadSeconds").asDouble(),
        r.get("threads").asInt(),
        r.get("availableProcessors").asInt());
    out.printf(
        Locale.ROOT,
        "peak RSS (VmHWM)   %.2f GiB (%s 24 GiB)%n",
        r.get("peakRssGiB").asDouble(),
        r.get("fitsIn24GiB").asBoolean() ? "fits" : "DOES NOT FIT");
  }
}
