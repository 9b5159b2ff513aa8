package dev.saescope.lab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.saescope.runtime.sae.Activation;
import dev.saescope.runtime.sae.SaeParams;
import dev.saescope.runtime.sae.io.SaeLensWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a TopK SAE (Gao et al. 2024, arXiv 2406.04093):
 *
 * <ul>
 *   <li>{@code z = TopK(ReLU((x - b_dec) W_enc + b_enc))}, {@code x_hat = z W_dec + b_dec};
 *   <li>inputs scaled by one constant so that {@code E||x||^2 = d_in} (folded back into the weights
 *       on export, as SAELens does for {@code expected_average_only_in}); with {@link
 *       TrainConfig#stdWeightExponent} {@code a > 0} each dimension {@code c} is first multiplied
 *       by {@code sigma_c^-a} (its spread over the first batch), which makes the MSE weigh
 *       dimensions more evenly, and that too is folded back: the exported SAE reads and writes the
 *       model's own activations;
 *   <li>{@code W_dec} rows random unit vectors, {@code W_enc = W_dec^T}, {@code b_dec} = geometric
 *       median of the first batch (§2 "Initialization");
 *   <li>loss = MSE + {@code auxCoeff * min(dead/auxK, 1) * AuxK}, where AuxK reconstructs the
 *       residual from the top {@code auxK} dead latents (§A.2; SAELens {@code
 *       calculate_topk_aux_loss} for the scale);
 *   <li>Adam, decoder rows renormalised to unit norm after every step; optionally the learning rate
 *       decays linearly to 0 over the last part of the run ({@link TrainConfig#lrDecayFrom}).
 * </ul>
 *
 * Gradients come from DJL's autograd; Adam runs on the engine. Every step works in its own
 * sub-manager. The same seed and the same source give the same SAE, and a run resumed from its
 * checkpoint continues exactly where it stopped.
 */
public final class TopKTrainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TopKTrainer.class);

  private final TrainConfig cfg;
  private final Path outDir;
  private final NDManager manager;
  final NDArray wEnc; // [dIn, dSae]
  final NDArray bEnc; // [dSae]
  final NDArray wDec; // [dSae, dIn]
  final NDArray bDec; // [dIn]
  final NDArray[] adamM; // one per parameter, same shapes
  final NDArray[] adamV;
  final long[] lastFired; // [dSae] token count when each latent last fired
  float scale; // inputs are multiplied by this; 0 until the first batch sets it
  float[] dimWeights; // [dIn] sigma_c^-a, before the scale; null for plain MSE
  long step;
  long tokens;
  private float[] buf; // [batchSize, dIn] staging for one step

  private TopKTrainer(TrainConfig cfg, Path outDir, NDManager manager) {
    this.cfg = cfg;
    this.outDir = outDir;
    this.manager = manager;
    SplittableRandom rnd = new SplittableRandom(cfg.seed());
    float[] dec = new float[cfg.dSae() * cfg.dIn()];
    for (int i = 0; i < cfg.dSae(); i++) {
      double norm = 0;
      for (int c = 0; c < cfg.dIn(); c++) {
        double u = 1 - rnd.nextDouble();
        double g = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
        dec[i * cfg.dIn() + c] = (float) g;
        norm += g * g;
      }
      float inv = (float) (1 / Math.sqrt(norm));
      for (int c = 0; c < cfg.dIn(); c++) {
        dec[i * cfg.dIn() + c] *= inv;
      }
    }
    float[] enc = new float[dec.length];
    for (int i = 0; i < cfg.dSae(); i++) {
      for (int c = 0; c < cfg.dIn(); c++) {
        enc[c * cfg.dSae() + i] = dec[i * cfg.dIn() + c]; // tied initialisation W_enc = W_dec^T
      }
    }
    this.wDec = manager.create(dec, new Shape(cfg.dSae(), cfg.dIn()));
    this.wEnc = manager.create(enc, new Shape(cfg.dIn(), cfg.dSae()));
    this.bEnc = manager.zeros(new Shape(cfg.dSae()));
    this.bDec = manager.zeros(new Shape(cfg.dIn()));
    NDArray[] params = params();
    this.adamM = new NDArray[params.length];
    this.adamV = new NDArray[params.length];
    for (int i = 0; i < params.length; i++) {
      params[i].setRequiresGradient(true);
      adamM[i] = manager.zeros(params[i].getShape());
      adamV[i] = manager.zeros(params[i].getShape());
    }
    this.lastFired = new long[cfg.dSae()];
  }

  NDArray[] params() {
    return new NDArray[] {wEnc, bEnc, wDec, bDec};
  }

  /**
   * A trainer writing into {@code outDir}; if {@code outDir/checkpoint} exists, training resumes
   * from it (its configuration must match).
   */
  public static TopKTrainer open(TrainConfig cfg, Path outDir) throws IOException {
    NDManager m = Engine.getEngine("PyTorch").newBaseManager();
    TopKTrainer t;
    try {
      t = new TopKTrainer(cfg, outDir, m);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
    try {
      if (TrainCheckpoint.exists(outDir)) {
        TrainCheckpoint.load(t, outDir);
        LOG.info(
            "resuming from {} at step {}, {} tokens",
            TrainCheckpoint.dir(outDir),
            t.step,
            t.tokens);
      }
    } catch (IOException | RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  public TrainConfig config() {
    return cfg;
  }

  public long step() {
    return step;
  }

  public long tokens() {
    return tokens;
  }

  /**
   * Trains until the token budget or the end of the source, checkpointing on the way and at the
   * end, then writes the SAE in the SAELens layout into {@code outDir} and returns it. On resume
   * the source is first advanced past the tokens already trained on.
   */
  public SaeParams train(ActivationSource source, Consumer<TrainProgress> progress)
      throws IOException {
    requireWidth(source);
    if (tokens > 0) {
      source.skip(tokens);
    }
    while (step(source, progress)) {
      // one optimiser step per iteration
    }
    return finish();
  }

  /**
   * One optimiser step on the next batch of {@code source} (the source must already be past {@link
   * #tokens()}); checkpoints when due. Lets a driver train several SAEs in lockstep on one stream
   * of forward passes.
   *
   * @return false, without training, when the budget is reached or the source has ended
   */
  public boolean step(ActivationSource source, Consumer<TrainProgress> progress)
      throws IOException {
    requireWidth(source);
    if (tokens >= cfg.totalTokens()) {
      return false;
    }
    if (buf == null) {
      buf = new float[cfg.batchSize() * cfg.dIn()];
    }
    int want = (int) Math.min(cfg.batchSize(), cfg.totalTokens() - tokens);
    int n = fill(source, buf, want);
    if (n == 0) {
      LOG.info("activation source ended after {} tokens", tokens);
      return false;
    }
    if (scale == 0) {
      initialise(buf, n);
    }
    TrainProgress p = step(buf, n);
    progress.accept(p);
    if (cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0) {
      TrainCheckpoint.save(this, outDir);
    }
    return true;
  }

  /** Writes the final checkpoint and the SAE (SAELens layout) into the output folder. */
  public SaeParams finish() throws IOException {
    TrainCheckpoint.save(this, outDir);
    SaeParams out = export();
    SaeLensWriter.save(out, outDir);
    return out;
  }

  private void requireWidth(ActivationSource source) {
    if (source.dIn() != cfg.dIn()) {
      throw new IllegalArgumentException(
          "activation source has width " + source.dIn() + " but the SAE reads d_in " + cfg.dIn());
    }
  }

  private int fill(ActivationSource source, float[] buf, int want) throws IOException {
    int n = 0;
    float[] part = new float[want * cfg.dIn()];
    while (n < want) {
      int got = source.next(part, want - n);
      if (got == 0) {
        break;
      }
      System.arraycopy(part, 0, buf, n * cfg.dIn(), got * cfg.dIn());
      n += got;
    }
    return n;
  }

  /**
   * Per-dimension weights (when asked for), the scale so that E||s w x||^2 = d_in, and b_dec =
   * geometric median of the weighted, scaled first batch.
   */
  private void initialise(float[] buf, int n) {
    float[] x = Arrays.copyOf(buf, n * cfg.dIn());
    if (cfg.stdWeightExponent() > 0) {
      dimWeights = stdWeights(x, n, cfg.dIn(), cfg.stdWeightExponent());
      for (int i = 0; i < x.length; i++) {
        x[i] *= dimWeights[i % cfg.dIn()];
      }
    }
    double sq = 0;
    for (float v : x) {
      sq += (double) v * v;
    }
    scale = (float) Math.sqrt(cfg.dIn() / Math.max(sq / n, 1e-30));
    for (int i = 0; i < x.length; i++) {
      x[i] *= scale;
    }
    bDec.set(GeometricMedian.of(x, n, cfg.dIn(), 100));
    LOG.info(
        "input scale {} (E||{}||^2 = {}), b_dec initialised to the geometric median of {} vectors",
        scale,
        dimWeights == null ? "x" : "sigma^-" + cfg.stdWeightExponent() + " x",
        sq / n,
        n);
  }

  /**
   * {@code sigma_c^-a} for each dimension of {@code x} ({@code [n, dIn]}); a spread below 1e-3 of
   * the median counts as that (a constant dimension would otherwise get an unbounded weight).
   */
  static float[] stdWeights(float[] x, int n, int dIn, double a) {
    double[] sum = new double[dIn];
    double[] sumSq = new double[dIn];
    for (int i = 0; i < n * dIn; i++) {
      sum[i % dIn] += x[i];
      sumSq[i % dIn] += (double) x[i] * x[i];
    }
    double[] sd = new double[dIn];
    for (int c = 0; c < dIn; c++) {
      double mean = sum[c] / n;
      sd[c] = Math.sqrt(Math.max(0, sumSq[c] / n - mean * mean));
    }
    double[] sorted = sd.clone();
    Arrays.sort(sorted);
    double floor = Math.max(1e-3 * sorted[dIn / 2], 1e-30);
    float[] w = new float[dIn];
    for (int c = 0; c < dIn; c++) {
      w[c] = (float) Math.pow(Math.max(sd[c], floor), -a);
    }
    return w;
  }

  private TrainProgress step(float[] buf, int n) {
    int dIn = cfg.dIn();
    int dSae = cfg.dSae();
    long tokensAfter = tokens + n;
    float[] dead = new float[dSae];
    int numDead = 0;
    for (int i = 0; i < dSae; i++) {
      if (tokens - lastFired[i] >= cfg.deadAfterTokens()) {
        dead[i] = 1;
        numDead++;
      }
    }
    double lossValue;
    double fvu;
    float[] counts;
    try (NDManager sm = manager.newSubManager()) {
      NDArray x = sm.create(Arrays.copyOf(buf, n * dIn), new Shape(n, dIn)); // [n, dIn]
      if (dimWeights != null) {
        x.muli(sm.create(dimWeights));
      }
      x.muli(scale);
      NDArray mask; // [n, dSae] 1 where a latent is active
      NDArray err; // [n, dIn]
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray pre = x.sub(bDec).matMul(wEnc).add(bEnc); // [n, dSae]
        NDArray preD = pre.stopGradient();
        NDArray kth = preD.topK(cfg.k(), 1, true, false).get(0).min(new int[] {1}, true); // [n, 1]
        mask = preD.gte(kth).logicalAnd(preD.gt(0f)).toType(DataType.FLOAT32, false);
        NDArray xHat = pre.mul(mask).matMul(wDec).add(bDec); // [n, dIn]
        err = x.sub(xHat);
        NDArray loss = err.square().mean();
        if (numDead > 0 && cfg.auxCoeff() > 0) {
          loss = loss.add(auxKLoss(sm, pre, err, dead, numDead));
        }
        gc.backward(loss);
        lossValue = loss.getFloat();
      }
      adam(sm);
      normaliseDecoder(sm);
      counts = mask.sum(new int[] {0}).toFloatArray();
      NDArray centred = x.sub(x.mean(new int[] {0}, true));
      fvu = err.square().sum().getFloat() / Math.max(centred.square().sum().getFloat(), 1e-30);
    }
    double active = recordFiring(counts, tokensAfter);
    tokens = tokensAfter;
    step++;
    int deadNow = 0;
    for (long f : lastFired) {
      if (tokens - f >= cfg.deadAfterTokens()) {
        deadNow++;
      }
    }
    return new TrainProgress(
        step, tokens, cfg.totalTokens(), lossValue, fvu, deadNow / (double) dSae, active / n);
  }

  /**
   * The AuxK term of the loss, already weighted (see the class comment): the top {@code auxK} dead
   * latents reconstruct the main reconstruction's residual {@code err}. {@code dead[i]} is 1 for
   * each of the {@code numDead} dead latents.
   */
  private NDArray auxKLoss(NDManager sm, NDArray pre, NDArray err, float[] dead, int numDead) {
    int dSae = cfg.dSae();
    int kAux = Math.min(cfg.auxK(), numDead);
    // Work on the dead columns only: [n, numDead] pre-activations and [numDead, dIn] decoder
    // rows. Each index is selected once, so the backward index_add has no collisions and
    // stays deterministic; the cost is numDead / dSae of a dense AuxK decode.
    long[] deadIds = new long[numDead];
    for (int i = 0, j = 0; i < dSae; i++) {
      if (dead[i] == 1) {
        deadIds[j++] = i;
      }
    }
    NDArray ids = sm.create(deadIds);
    NDArray preDead = pre.get(sm, new NDIndex(":, {}", ids)); // [n, numDead]
    NDArray preDeadD = preDead.stopGradient();
    NDArray kthAux = preDeadD.topK(kAux, 1, true, false).get(0).min(new int[] {1}, true); // [n, 1]
    NDArray auxMask =
        preDeadD.gte(kthAux).logicalAnd(preDeadD.gt(0f)).toType(DataType.FLOAT32, false);
    NDArray decDead = wDec.get(sm, new NDIndex("{}", ids)); // [numDead, dIn]
    NDArray residual = err.stopGradient();
    NDArray aux = preDead.mul(auxMask).matMul(decDead).sub(residual).square().mean();
    double auxScale = Math.min(numDead / (double) cfg.auxK(), 1.0);
    return aux.mul((float) (cfg.auxCoeff() * auxScale));
  }

  /** Marks the latents with a nonzero {@code counts} as fired at {@code tokensAfter}; the sum. */
  private double recordFiring(float[] counts, long tokensAfter) {
    double active = 0;
    for (int i = 0; i < cfg.dSae(); i++) {
      if (counts[i] > 0) {
        lastFired[i] = tokensAfter;
      }
      active += counts[i];
    }
    return active;
  }

  /** Adam (Kingma & Ba 2015, Algorithm 1) on every parameter, then zero its gradient. */
  private void adam(NDManager sm) {
    NDArray[] ps = params();
    double t = step + 1;
    float bc1 = (float) (1 - Math.pow(cfg.beta1(), t));
    float bc2 = (float) (1 - Math.pow(cfg.beta2(), t));
    for (int i = 0; i < ps.length; i++) {
      NDArray g = ps[i].getGradient();
      g.attach(sm);
      adamM[i].muli((float) cfg.beta1()).addi(g.mul((float) (1 - cfg.beta1())));
      adamV[i].muli((float) cfg.beta2()).addi(g.square().muli((float) (1 - cfg.beta2())));
      NDArray denom = adamV[i].div(bc2); // ops on a parameter-manager array land there: move each
      denom.attach(sm);
      denom = denom.sqrt().addi((float) cfg.eps());
      NDArray update = adamM[i].mul((float) (cfg.lrAt(tokens) / bc1));
      update.attach(sm);
      ps[i].subi(update.divi(denom));
      g.subi(g); // PyTorch accumulates gradients across backward calls
    }
  }

  private void normaliseDecoder(NDManager sm) {
    NDArray norms = wDec.norm(new int[] {1}, true); // [dSae, 1]
    norms.attach(sm);
    wDec.divi(norms.maximum(1e-12f));
  }

  /**
   * The SAE so far, with the input scale and weights folded into the weights (see the class
   * comment): row c of W_enc times {@code s w_c}, column c of W_dec and b_dec[c] divided by it.
   */
  public SaeParams export() {
    int dIn = cfg.dIn();
    float s = scale == 0 ? 1 : scale;
    float[] c = new float[dIn];
    for (int i = 0; i < dIn; i++) {
      c[i] = dimWeights == null ? s : s * dimWeights[i];
    }
    float[] we = wEnc.toFloatArray(); // [dIn, dSae]
    float[] wd = wDec.toFloatArray(); // [dSae, dIn]
    float[] bd = bDec.toFloatArray();
    for (int i = 0; i < we.length; i++) {
      we[i] *= c[i / cfg.dSae()];
    }
    for (int i = 0; i < wd.length; i++) {
      wd[i] /= c[i % dIn];
    }
    for (int i = 0; i < bd.length; i++) {
      bd[i] /= c[i];
    }
    return SaeParams.of(
        cfg.modelId(),
        cfg.hook(),
        cfg.dIn(),
        cfg.dSae(),
        new Activation.TopK(cfg.k()),
        true,
        outDir.toString(),
        we,
        bEnc.toFloatArray(),
        wd,
        bd,
        null);
  }

  /** Arrays held by the long-lived manager (parameters only, between calls): leak checks. */
  int managedArrays() {
    return ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
  }

  @Override
  public void close() {
    manager.close();
  }
}
