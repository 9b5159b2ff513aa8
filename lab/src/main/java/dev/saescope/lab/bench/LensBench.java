package dev.saescope.lab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.LensReduction;
import dev.saescope.runtime.model.Rows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The full-vocabulary logit lens ({@link GemmaModel#lensStats}: log-softmax, target ranks, top-1,
 * KL to a reference row) against the unembedding matmul alone, {@code [rows, dModel] x [dModel,
 * vocab]} at the model's dtype, timed alternately in the same run. {@code ratio = t(matmul) /
 * t(lens)} over each one's fastest repetition: 1 would be a lens that costs only its matmul. The
 * rows are grouped as the worker sends them: {@code group} consecutive rows (the reported layers of
 * one position) sharing the group's last row as their KL reference, two targets per row.
 *
 * <p>Each reduction is also timed on its own on one [rows, vocab] fp32 array, so BENCHMARKS.md can
 * say where the time beyond the matmul goes.
 */
public final class LensBench {
  /**
   * Untimed rounds first: the Vector kernel runs at its steady speed only once the JIT has compiled
   * it, after ~3 calls (measured: 77, 45, 38 ms of reductions in the first three).
   */
  private static final int WARM_UP = 3;

  private LensBench() {}

  /**
   * One bench result.
   *
   * @param rows lens rows per call
   * @param group rows sharing one KL reference
   * @param dtype the model's dtype
   * @param matmulMs fastest unembedding matmul
   * @param reduction the lens reduction the device prefers ({@link LensReduction#preferred}), the
   *     one a worker runs
   * @param lensMs fastest {@code lensStats} call with it
   * @param ratio matmulMs / lensMs
   * @param matmulMsMedian median matmul
   * @param lensMsMedian median lens
   * @param engineLensMs fastest {@code lensStats} call reduced by {@link LensReduction#ENGINE},
   *     timed in the same rounds (the same as lensMs when ENGINE is preferred)
   * @param phasesMs fastest time of each engine reduction alone, by name
   */
  public record Result(
      int rows,
      int group,
      String dtype,
      double matmulMs,
      String reduction,
      double lensMs,
      double ratio,
      double matmulMsMedian,
      double lensMsMedian,
      double engineLensMs,
      Map<String, Double> phasesMs) {}

  public static Result run(
      GemmaModel model, Device device, int rows, int group, int reps, Consumer<String> progress) {
    if (rows <= 0 || group <= 0 || reps <= 0) {
      throw new IllegalArgumentException("rows, group and repeats must be positive");
    }
    int d = model.config().dModel();
    int vocab = model.config().vocabSize();
    SplittableRandom rnd = new SplittableRandom(11);
    float[] values = new float[rows * d];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    int[][] targets = new int[rows][];
    int[] refs = new int[rows];
    for (int i = 0; i < rows; i++) {
      targets[i] = new int[] {rnd.nextInt(vocab), rnd.nextInt(vocab)};
      refs[i] = Math.min(rows - 1, (i / group) * group + group - 1);
    }
    Rows resid = new Rows(new int[rows], d, values);
    DataType type = model.dtype().engineType();
    progress.accept("copying W_U (" + vocab + " x " + d + ") for the bare matmul");
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray x = m.create(values, new Shape(rows, d)).toType(type, false);
      NDArray wT = unembedding(model, m).toType(type, false).transpose(); // [d, vocab]
      LensReduction preferred = LensReduction.preferred(device);
      double[] mm = new double[reps];
      double[] lens = new double[reps];
      double[] engine = new double[reps];
      for (int r = -WARM_UP; r < reps; r++) { // r < 0 warms up
        progress.accept("round " + (r + WARM_UP + 1) + " of " + (reps + WARM_UP));
        long t0 = System.nanoTime();
        try (NDManager sub = m.newSubManager()) {
          NDArray y = x.matMul(wT);
          y.attach(sub);
          y.get(0, 0).toType(DataType.FLOAT32, false).getFloat(); // waits for async engines (CUDA)
        }
        long t1 = System.nanoTime();
        model.lensStats(resid, targets, refs, preferred);
        long t2 = System.nanoTime();
        if (preferred != LensReduction.ENGINE) {
          model.lensStats(resid, targets, refs, LensReduction.ENGINE);
        }
        long t3 = System.nanoTime();
        if (r >= 0) {
          mm[r] = (t1 - t0) / 1e6;
          lens[r] = (t2 - t1) / 1e6;
          engine[r] = preferred == LensReduction.ENGINE ? lens[r] : (t3 - t2) / 1e6;
        }
      }
      Map<String, Double> phases = phases(m, x.matMul(wT).toType(DataType.FLOAT32, false), reps);
      double mmMs = Arrays.stream(mm).min().orElseThrow();
      double lensMs = Arrays.stream(lens).min().orElseThrow();
      return new Result(
          rows,
          group,
          model.dtype().label(),
          mmMs,
          preferred.name(),
          lensMs,
          mmMs / lensMs,
          SaeBench.median(mm),
          SaeBench.median(lens),
          Arrays.stream(engine).min().orElseThrow(),
          phases);
    }
  }

  /** W_U as [vocab, dModel] fp32, copied in slices of the vocabulary to bound Java memory. */
  private static NDArray unembedding(GemmaModel model, NDManager m) {
    int d = model.config().dModel();
    int vocab = model.config().vocabSize();
    List<NDArray> parts = new ArrayList<>();
    for (int from = 0; from < vocab; from += 16384) {
      int start = from;
      int[] ids = new int[Math.min(16384, vocab - from)];
      Arrays.setAll(ids, i -> start + i);
      float[][] cols = model.unembeddingColumns(ids);
      float[] flat = new float[ids.length * d];
      for (int i = 0; i < ids.length; i++) {
        System.arraycopy(cols[i], 0, flat, i * d, d);
      }
      parts.add(m.create(flat, new Shape(ids.length, d)));
    }
    NDArray all = NDArrays.concat(new NDList(parts));
    parts.forEach(NDArray::close);
    return all;
  }

  /** The fastest time of each reduction of the lens alone on {@code logits} [rows, vocab] fp32. */
  private static Map<String, Double> phases(NDManager m, NDArray logits, int reps) {
    NDArray lp = logits.logSoftmax(1);
    NDArray column = lp.get(":, 0:1");
    NDArray ref = lp.get(0).exp();
    NDArray refIndex = m.create(new long[(int) lp.getShape().get(0)]); // every row's reference: 0
    Map<String, Function<NDArray, NDArray>> ops = new LinkedHashMap<>();
    ops.put("logSoftmax", a -> a.logSoftmax(1));
    ops.put(
        "rank of one target (compare, count)",
        a -> a.gt(column).toType(DataType.FLOAT32, false).sum(new int[] {1}));
    ops.put("KL cross term, one matrix-vector product", a -> a.matMul(ref));
    ops.put(
        "KL formed per row (before)",
        a -> {
          NDArray g = a.get(new NDIndex("{}", refIndex));
          return g.exp().mul(g.sub(a)).sum(new int[] {1});
        });
    ops.put("argMax", a -> a.argMax(1));
    Map<String, Double> out = new LinkedHashMap<>();
    for (var e : ops.entrySet()) {
      double best = Double.MAX_VALUE;
      for (int r = -1; r < reps; r++) {
        try (NDManager sub = m.newSubManager()) {
          lp.tempAttach(sub); // the op's temporaries belong to sub and go with it
          long t0 = System.nanoTime();
          e.getValue().apply(lp).toType(DataType.FLOAT32, false).toFloatArray();
          long t1 = System.nanoTime();
          if (r >= 0) {
            best = Math.min(best, (t1 - t0) / 1e6);
          }
        }
      }
      out.put(e.getKey(), best);
    }
    return out;
  }
}
