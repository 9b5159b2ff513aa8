package dev.saescope.lab.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.device.EngineSettings;
import dev.saescope.runtime.model.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The matmul FLOP/s this machine reaches through DJL's PyTorch engine at a given precision (the
 * model's: fp32, bf16 or fp16), measured on the shapes the model's forward pass multiplies: {@code
 * [tokens, in] x [out, in]ᵀ} through the same {@code Linear.linear} (torch {@code F.linear}) call
 * the model uses. Each shape is warmed up, then timed several times; the median is kept. The
 * roofline is the best median rate over the shapes.
 *
 * <p>The engine runs with the model's thread settings ({@link EngineSettings#apply()}), so the
 * roofline and the forward pass use the same threads.
 */
public final class MatmulRoofline {
  private MatmulRoofline() {}

  /** One product {@code [m, k] x [k, n]}. */
  public record Shape3(long m, long k, long n) {
    public double flops() {
      return 2.0 * m * k * n;
    }

    @Override
    public String toString() {
      return m + "x" + k + "x" + n;
    }
  }

  /**
   * Median wall-clock time and mean process-CPU time of one shape, and the rates they give.
   *
   * @param flopsPerCpuSecond FLOPs per second of process CPU time (all threads together)
   */
  public record Measurement(
      Shape3 shape,
      double medianSeconds,
      double flopsPerSecond,
      double meanCpuSeconds,
      double flopsPerCpuSecond) {}

  /** All measurements and the best rates. */
  public record Report(
      List<Measurement> measurements, double peakFlopsPerSecond, double peakFlopsPerCpuSecond) {
    public Report {
      measurements = List.copyOf(measurements);
    }
  }

  /**
   * The projections of one layer for a batch of {@code tokens} rows (q/k/v fused and gate/up fused,
   * as transformers runs them separately but with the same inner dimensions), plus a 2048³ cube.
   */
  public static List<Shape3> shapesFor(ModelConfig c, int tokens) {
    long d = c.dModel();
    long q = (long) c.nHeads() * c.headDim();
    long kv = (long) c.nKvHeads() * c.headDim();
    Set<Shape3> shapes = new LinkedHashSet<>();
    shapes.add(new Shape3(tokens, d, q + 2 * kv)); // q, k, v
    shapes.add(new Shape3(tokens, q, d)); // o
    shapes.add(new Shape3(tokens, d, 2L * c.dMlp())); // gate, up
    shapes.add(new Shape3(tokens, c.dMlp(), d)); // down
    shapes.add(new Shape3(2048, 2048, 2048));
    return new ArrayList<>(shapes);
  }

  /**
   * Measures every shape.
   *
   * @param minSeconds each shape is repeated at least {@code repeats} times and until this much
   *     time has passed
   */
  public static Report measure(List<Shape3> shapes, int repeats, double minSeconds) {
    return measure(shapes, repeats, minSeconds, DataType.FLOAT32);
  }

  /** As {@link #measure(List, int, double)}, with both operands in {@code dtype}. */
  public static Report measure(
      List<Shape3> shapes, int repeats, double minSeconds, DataType dtype) {
    List<Measurement> out = new ArrayList<>();
    double best = 0;
    double bestCpu = 0;
    EngineSettings.apply();
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      for (Shape3 s : shapes) {
        try (NDManager sub = m.newSubManager()) {
          NDArray x = Precision.to(sub.randomNormal(new Shape(s.m(), s.k())), dtype); // [m, k]
          NDArray w = Precision.to(sub.randomNormal(new Shape(s.n(), s.k())).mul(0.02f), dtype);
          for (int i = 0; i < 2; i++) {
            Linear.linear(x, w).singletonOrThrow().close(); // warm-up: allocator and kernels
          }
          List<Double> times = new ArrayList<>();
          // process CPU time ticks in 10 ms steps here: take it over the whole loop, not per call
          long cpuStart = ProcessCpu.nanos();
          long until = System.nanoTime() + (long) (minSeconds * 1e9);
          while (times.size() < repeats || System.nanoTime() < until) {
            long t0 = System.nanoTime();
            NDArray y = Linear.linear(x, w).singletonOrThrow();
            Precision.fp32(y.get(0, 0)).getFloat(); // force completion (cheap)
            times.add((System.nanoTime() - t0) / 1e9);
            y.close();
          }
          double median = median(times);
          double cpuMedian = (ProcessCpu.nanos() - cpuStart) / 1e9 / times.size();
          double rate = s.flops() / median;
          double cpuRate = cpuMedian > 0 ? s.flops() / cpuMedian : 0;
          best = Math.max(best, rate);
          bestCpu = Math.max(bestCpu, cpuRate);
          out.add(new Measurement(s, median, rate, cpuMedian, cpuRate));
        }
      }
    }
    return new Report(out, best, bestCpu);
  }

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
