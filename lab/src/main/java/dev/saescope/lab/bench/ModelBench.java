package dev.saescope.lab.bench;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.model.CaptureSpec;
import dev.saescope.runtime.model.ForwardResult;
import dev.saescope.runtime.model.GemmaModel;
import dev.saescope.runtime.model.Site;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Measures the forward pass with resid_post capture against the matmul roofline of the same run.
 * The machine is shared and its speed drifts: each timed batch is paired with a roofline round
 * measured right after it, so a ratio compares two rates taken in the same seconds.
 */
public final class ModelBench {
  private ModelBench() {}

  /**
   * What to run.
   *
   * @param batch sequences per batch
   * @param seq tokens per sequence
   * @param repeats timed batches, each paired with a roofline round
   * @param warmup untimed batches first
   * @param allLayers capture every layer's resid_post (else only the last layer's)
   */
  public record Settings(int batch, int seq, int repeats, int warmup, boolean allLayers) {
    public Settings {
      if (batch <= 0 || seq <= 0 || repeats <= 0 || warmup < 0) {
        throw new IllegalArgumentException(
            "--batch, --seq and --repeats must be positive, --warmup >= 0");
      }
    }

    int tokens() {
      return batch * seq;
    }
  }

  /**
   * One timed batch and the roofline round measured right after it.
   *
   * @param seconds wall time of the batch
   * @param cpuSeconds process CPU time of the batch
   * @param roofline the matmul round that followed it
   */
  public record Round(double seconds, double cpuSeconds, MatmulRoofline.Report roofline) {}

  /**
   * Everything measured: the model, the workload and the paired rounds; {@link ModelBenchReport}
   * derives the ratios.
   */
  public record Result(
      String label,
      String dtype,
      ModelConfig config,
      Settings settings,
      ModelFlops flops,
      List<MatmulRoofline.Shape3> shapes,
      List<Round> rounds,
      double loadSeconds) {
    public Result {
      rounds = List.copyOf(rounds);
      shapes = List.copyOf(shapes);
    }
  }

  /** Runs the benchmark on a loaded model; {@code progress} gets one line per step. */
  public static Result run(
      GemmaModel model, String label, double loadSeconds, Settings s, Consumer<String> progress) {
    ModelConfig c = model.config();
    if (s.seq() > c.maxPositions()) {
      throw new IllegalArgumentException(
          "--seq " + s.seq() + " exceeds max_position_embeddings " + c.maxPositions());
    }
    List<MatmulRoofline.Shape3> shapes = MatmulRoofline.shapesFor(c, s.tokens());
    List<int[]> sequences = inputs(c, s.batch(), s.seq());
    List<Integer> captured =
        s.allLayers() ? IntStream.range(0, c.nLayers()).boxed().toList() : List.of(c.nLayers() - 1);
    CaptureSpec capture = CaptureSpec.of(captured, Site.RESID_POST);
    List<Round> rounds = new ArrayList<>();
    int total = s.warmup() + s.repeats();
    for (int i = 0; i < total; i++) {
      progress.accept((i < s.warmup() ? "warm-up batch " : "timed batch ") + (i + 1) + "/" + total);
      long c0 = ProcessCpu.nanos();
      long t0 = System.nanoTime();
      ForwardResult fr = model.forward(sequences, capture);
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpuSecs = (ProcessCpu.nanos() - c0) / 1e9;
      if (fr.captures().size() != captured.size()) {
        throw new IllegalStateException(
            "expected captures at " + captured.size() + " layers, got " + fr.captures().size());
      }
      if (i >= s.warmup()) {
        progress.accept(
            model.dtype().label()
                + " matmul roofline round "
                + (i + 1 - s.warmup())
                + "/"
                + s.repeats());
        rounds.add(
            new Round(
                secs, cpuSecs, MatmulRoofline.measure(shapes, 3, 0.3, model.dtype().engineType())));
      }
    }
    return new Result(
        label, model.dtype().label(), c, s, ModelFlops.of(c, s.seq()), shapes, rounds, loadSeconds);
  }

  /** {@code <bos>} then deterministic pseudo-random ids in [3, vocab), different per sequence. */
  public static List<int[]> inputs(ModelConfig c, int batch, int seq) {
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
}
