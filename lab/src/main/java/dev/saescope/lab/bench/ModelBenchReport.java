package dev.saescope.lab.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.runtime.config.ModelConfig;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Derives the figures of a {@link ModelBench.Result} (ratios per round and their medians, best of
 * N, CPU-time ratios, per-shape rates) as the JSON document {@code bench model --json} prints, and
 * renders that document as text. Only draws data: nothing here measures.
 */
public final class ModelBenchReport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GIB = 1L << 30;

  private ModelBenchReport() {}

  /** The JSON document: 'ratio' first, then the raw figures. */
  public static ObjectNode toJson(ModelBench.Result r) {
    ModelConfig c = r.config();
    ModelBench.Settings s = r.settings();
    double perToken = r.flops().total();
    int tokens = s.batch() * s.seq();
    List<ModelBench.Round> rounds = r.rounds();
    double[] times = values(rounds, ModelBench.Round::seconds);
    double[] peaks = values(rounds, x -> x.roofline().peakFlopsPerSecond());
    double[] ratios =
        values(rounds, x -> tokens / x.seconds() * perToken / x.roofline().peakFlopsPerSecond());
    double[] cpuTimes = values(rounds, ModelBench.Round::cpuSeconds);
    double[] cpuRatios =
        values(
            rounds, x -> tokens / x.cpuSeconds() * perToken / x.roofline().peakFlopsPerCpuSecond());
    double median = median(times);
    double peak = median(peaks);
    double tokensPerSecond = tokens / median;
    double achieved = tokensPerSecond * perToken;
    double modelShapeRate = modelShapeRate(r);

    ObjectNode o = JSON.createObjectNode();
    o.put("ratio", median(ratios));
    o.put("ratioAgainstModelShapes", achieved / modelShapeRate);
    o.put("ratioCpuTime", median(cpuRatios));
    // best of N on both sides: noise from other processes only ever adds time
    double bestTokensPerSecond = tokens / Arrays.stream(times).min().orElseThrow();
    double bestPeak = Arrays.stream(peaks).max().orElseThrow();
    o.put("ratioBest", bestTokensPerSecond * perToken / bestPeak);
    o.put("tokensPerSecondBest", bestTokensPerSecond);
    o.put("peakMatmulFlopsPerSecondBest", bestPeak);
    o.put("model", r.label());
    o.put("dtype", r.dtype()); // of the model and of the roofline's matmuls
    o.put("architecture", c.architecture());
    o.put("layers", c.nLayers());
    o.put("batch", s.batch());
    o.put("seq", s.seq());
    o.put(
        "capture",
        s.allLayers()
            ? "resid_post at all " + c.nLayers() + " layers, all positions, no logits"
            : "resid_post at the last layer only, all positions, no logits");
    o.put("tokensPerSecond", tokensPerSecond);
    o.put("rooflineTokensPerSecond", peak / perToken);
    o.put("achievedMatmulFlopsPerSecond", achieved);
    o.put("peakMatmulFlopsPerSecond", peak);
    o.put("modelShapeMatmulFlopsPerSecond", modelShapeRate);
    o.put("flopsPerToken", perToken);
    o.put("flopsPerTokenLinear", r.flops().linear());
    o.put("flopsPerTokenAttentionCausal", r.flops().attentionCausal());
    o.put("flopsPerTokenAttentionDense", r.flops().attentionDense());
    o.put("unembeddingFlopsPerTokenNotCounted", r.flops().unembedding());
    o.put("batchSecondsMedian", median);
    add(o.putArray("batchSeconds"), times);
    add(o.putArray("ratios"), ratios);
    add(o.putArray("batchCpuSeconds"), cpuTimes);
    add(o.putArray("ratiosCpuTime"), cpuRatios);
    putMatmuls(o.putArray("matmuls"), r);
    putMachine(o, r);
    return o;
  }

  /** Per matmul shape of the roofline: median rate over rounds, by wall and by CPU time. */
  private static void putMatmuls(ArrayNode shapesJson, ModelBench.Result r) {
    List<ModelBench.Round> rounds = r.rounds();
    for (int j = 0; j < r.shapes().size(); j++) {
      int shape = j;
      shapesJson
          .addObject()
          .put("shape", r.shapes().get(j).toString())
          .put("flopsPerSecond", median(shapeRates(r, shape)))
          .put(
              "flopsPerCpuSecond",
              median(
                  values(rounds, x -> x.roofline().measurements().get(shape).flopsPerCpuSecond())));
    }
  }

  /** Load time, threads and the process's peak memory. */
  private static void putMachine(ObjectNode o, ModelBench.Result r) {
    o.put("loadSeconds", r.loadSeconds());
    o.put("threads", Integer.parseInt(System.getProperty("ai.djl.pytorch.num_threads", "-1")));
    o.put("availableProcessors", Runtime.getRuntime().availableProcessors());
    long peakRss = ProcessMemory.peakRssBytes().orElse(-1);
    o.put("peakRssBytes", peakRss);
    o.put("peakRssGiB", peakRss / (double) GIB);
    o.put("fitsIn24GiB", peakRss >= 0 && peakRss < 24 * GIB);
  }

  /**
   * FLOP-weighted rate of the model's projections at the rates measured for their shapes (median
   * over rounds): {@code sum(flops) / sum(flops / rate)}. The first four shapes of {@link
   * MatmulRoofline#shapesFor} are q/k/v, o, gate/up and down.
   */
  private static double modelShapeRate(ModelBench.Result r) {
    double totalFlops = 0;
    double seconds = 0;
    for (int j = 0; j < 4; j++) {
      totalFlops += r.shapes().get(j).flops();
      seconds += r.shapes().get(j).flops() / median(shapeRates(r, j));
    }
    return totalFlops / seconds;
  }

  private static double[] shapeRates(ModelBench.Result r, int shape) {
    return values(r.rounds(), x -> x.roofline().measurements().get(shape).flopsPerSecond());
  }

  private static double[] values(
      List<ModelBench.Round> rounds, ToDoubleFunction<ModelBench.Round> f) {
    return rounds.stream().mapToDouble(f).toArray();
  }

  private static void add(ArrayNode array, double[] values) {
    for (double v : values) {
      array.add(v);
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** The report as text, one figure per line: the workload, then the rates. */
  public static void printText(PrintWriter out, ObjectNode r) {
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
        "matmul peak        %.2f GFLOP/s %s through DJL (median per shape:",
        r.get("peakMatmulFlopsPerSecond").asDouble() / 1e9,
        r.path("dtype").asText("fp32"));
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
    printRates(out, r);
  }

  /** The measured rates and every ratio against the roofline. */
  private static void printRates(PrintWriter out, ObjectNode r) {
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
