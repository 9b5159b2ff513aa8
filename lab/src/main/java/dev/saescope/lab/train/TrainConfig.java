package dev.saescope.lab.train;

import dev.saescope.runtime.model.HookPoint;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Hyper-parameters of a TopK SAE run. Defaults follow Gao et al. 2024 (arXiv 2406.04093) §2 and
 * Appendix A where they fit a small CPU budget.
 *
 * @param dIn input width
 * @param dSae latents
 * @param k active latents per position
 * @param auxK latents the AuxK loss may use ({@code dIn / 2} in the paper)
 * @param auxCoeff weight of the AuxK loss (1/32 in the paper)
 * @param deadAfterTokens a latent that has not fired for this many tokens is dead (the paper uses
 *     10M tokens; short runs need a shorter window)
 * @param lr Adam learning rate
 * @param beta1 Adam beta1
 * @param beta2 Adam beta2
 * @param eps Adam epsilon (6.25e-10 in the paper)
 * @param batchSize tokens per step
 * @param totalTokens stop after this many tokens (or when the source ends)
 * @param seed initialisation seed
 * @param checkpointEvery steps between checkpoints (0 = only at the end)
 * @param modelId recorded in the saved SAE
 * @param hook recorded in the saved SAE
 * @param lrDecayFrom fraction of {@code totalTokens} after which the learning rate falls linearly
 *     to 0 at the end (1 = constant); Gao et al. 2024 §A.3 and SAELens' {@code lr_decay_steps}
 *     decay at the end of training, which settles the short runs here noticeably
 * @param stdWeightExponent per-dimension loss weight {@code sigma_c^-a} with {@code sigma_c} the
 *     dimension's spread over the first batch: 0 is plain MSE (each dimension weighs by its
 *     variance), 1 makes every dimension count equally. Gemma's residual stream carries a few
 *     massive dimensions (~50% of the variance at Gemma 3 270M's layer 9) that the next layers read
 *     with a ~40x smaller norm gain; plain MSE spends the SAE on them (BENCHMARKS.md)
 */
public record TrainConfig(
    int dIn,
    int dSae,
    int k,
    int auxK,
    double auxCoeff,
    long deadAfterTokens,
    double lr,
    double beta1,
    double beta2,
    double eps,
    int batchSize,
    long totalTokens,
    long seed,
    int checkpointEvery,
    String modelId,
    Optional<HookPoint> hook,
    double lrDecayFrom,
    double stdWeightExponent) {
  public TrainConfig {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(hook, "hook");
    if (dIn <= 0
        || dSae <= 0
        || k <= 0
        || k > dSae
        || auxK <= 0
        || batchSize <= 0
        || totalTokens <= 0) {
      throw new IllegalArgumentException(
          "need positive d_in, d_sae, k <= d_sae, aux_k, batch size and token budget; got " + this);
    }
    if (!(lr > 0) || auxCoeff < 0 || deadAfterTokens <= 0) {
      throw new IllegalArgumentException("need lr > 0, aux_coeff >= 0, dead_after_tokens > 0");
    }
    if (!(lrDecayFrom >= 0 && lrDecayFrom <= 1)) {
      throw new IllegalArgumentException(
          "lr decay start must be a fraction in [0, 1], got " + lrDecayFrom);
    }
    if (!(stdWeightExponent >= 0 && stdWeightExponent <= 1)) {
      throw new IllegalArgumentException(
          "std weight exponent must be in [0, 1], got " + stdWeightExponent);
    }
  }

  /** Paper defaults for the rest. */
  public static TrainConfig of(int dIn, int dSae, int k, long totalTokens, long seed) {
    return new TrainConfig(
        dIn,
        dSae,
        k,
        Math.max(1, dIn / 2),
        1.0 / 32,
        Math.max(1, Math.min(10_000_000L, totalTokens / 10)),
        // Gao et al. A.4: lr ~ 2e-4 scaled as 1/sqrt(n_latents / 2^14); short CPU runs also
        // benefit from the larger end, so floor at 2e-4.
        Math.max(2e-4, 2e-4 / Math.sqrt(dSae / 16384.0)),
        0.9,
        0.999,
        6.25e-10,
        4096,
        totalTokens,
        seed,
        100,
        "",
        Optional.empty(),
        1.0,
        0.0);
  }

  public TrainConfig withBatchSize(int b) {
    return edit(e -> e.batchSize = b);
  }

  public TrainConfig withLr(double l) {
    return edit(e -> e.lr = l);
  }

  public TrainConfig withDeadAfterTokens(long t) {
    return edit(e -> e.deadAfterTokens = t);
  }

  public TrainConfig withCheckpointEvery(int steps) {
    return edit(e -> e.checkpointEvery = steps);
  }

  public TrainConfig withTotalTokens(long t) {
    return edit(e -> e.totalTokens = t);
  }

  public TrainConfig withTarget(String model, Optional<HookPoint> h) {
    return edit(
        e -> {
          e.modelId = model;
          e.hook = h;
        });
  }

  public TrainConfig withLrDecayFrom(double fraction) {
    return edit(e -> e.lrDecayFrom = fraction);
  }

  public TrainConfig withStdWeightExponent(double a) {
    return edit(e -> e.stdWeightExponent = a);
  }

  /** A copy with some fields changed, checked again by the constructor. */
  private TrainConfig edit(Consumer<Editable> change) {
    Editable e = new Editable(this);
    change.accept(e);
    return e.build();
  }

  /** The fields of a config, to change before building a new one. */
  private static final class Editable {
    private int dIn;
    private int dSae;
    private int k;
    private int auxK;
    private double auxCoeff;
    private long deadAfterTokens;
    private double lr;
    private double beta1;
    private double beta2;
    private double eps;
    private int batchSize;
    private long totalTokens;
    private long seed;
    private int checkpointEvery;
    private String modelId;
    private Optional<HookPoint> hook;
    private double lrDecayFrom;
    private double stdWeightExponent;

    Editable(TrainConfig c) {
      dIn = c.dIn;
      dSae = c.dSae;
      k = c.k;
      auxK = c.auxK;
      auxCoeff = c.auxCoeff;
      deadAfterTokens = c.deadAfterTokens;
      lr = c.lr;
      beta1 = c.beta1;
      beta2 = c.beta2;
      eps = c.eps;
      batchSize = c.batchSize;
      totalTokens = c.totalTokens;
      seed = c.seed;
      checkpointEvery = c.checkpointEvery;
      modelId = c.modelId;
      hook = c.hook;
      lrDecayFrom = c.lrDecayFrom;
      stdWeightExponent = c.stdWeightExponent;
    }

    TrainConfig build() {
      return new TrainConfig(
          dIn,
          dSae,
          k,
          auxK,
          auxCoeff,
          deadAfterTokens,
          lr,
          beta1,
          beta2,
          eps,
          batchSize,
          totalTokens,
          seed,
          checkpointEvery,
          modelId,
          hook,
          lrDecayFrom,
          stdWeightExponent);
    }
  }

  /** The learning rate for a step that starts after {@code tokensSoFar} tokens. */
  public double lrAt(long tokensSoFar) {
    double start = lrDecayFrom * totalTokens;
    if (lrDecayFrom >= 1 || tokensSoFar <= start) {
      return lr;
    }
    return lr * Math.max(0, (totalTokens - tokensSoFar) / (totalTokens - start));
  }
}
