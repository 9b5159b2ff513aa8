package dev.saescope.runtime.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.device.ComputeDtype;
import dev.saescope.runtime.device.EngineSettings;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.WeightsException;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Gemma 2 / Gemma 3 text model on DJL's PyTorch engine: the forward pass with capture at any
 * layers and sites, and the logit lens ({@link LogitLens}). It computes what transformers' eager
 * path computes at the same precision (fp32, bf16 or fp16; GEMMA-NOTES.md §1-3), driven by {@link
 * ModelConfig} alone. Whatever the precision, what leaves the engine is fp32 (captures are the
 * precision's values, exactly), and logits are cast to fp32 before every log-softmax, rank, top-k
 * and KL.
 *
 * <p>Weights live in one long-lived {@link NDManager}; every call works in its own sub-manager,
 * closed before it returns, and hands back plain Java arrays. Concurrent calls are safe (weights
 * are only read), though on CPU they compete for the same cores.
 */
public final class GemmaModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GemmaModel.class);

  /** Rows per chunk of the final logits, to bound the [rows, vocab] scratch memory. */
  private static final int LENS_CHUNK_ROWS = LogitLens.CHUNK_ROWS;

  private final ModelConfig config;
  private final NDManager manager;
  private final DeviceWeights weights;
  private final Decoder decoder;
  private final LogitLens lens;
  private final ComputeDtype dtype;
  private final float embedScale; // fp32(sqrt(dModel)) rounded to the precision

  private GemmaModel(
      ModelConfig config, NDManager manager, DeviceWeights weights, ComputeDtype dtype) {
    this.config = config;
    this.manager = manager;
    this.weights = weights;
    this.decoder = new Decoder(config, weights);
    this.lens = new LogitLens(config, manager, weights);
    this.dtype = dtype;
    // transformers multiplies by embed_scale.to(weight.dtype) (Gemma 3) or a tensor of the
    // hidden states' dtype (Gemma 2): the scale itself is rounded to the precision.
    try (NDArray s = manager.create(config.embedScale());
        NDArray rounded = Precision.to(s, dtype.engineType())) {
      this.embedScale = Precision.fp32(rounded).getFloat();
    }
  }

  /**
   * Uploads every weight of {@code source} to the default device. {@code source} can be closed
   * afterwards.
   *
   * @throws WeightsException naming the file and tensor when one is missing or misshapen
   */
  public static GemmaModel load(ModelWeights source) throws WeightsException {
    return load(source, ai.djl.Device.cpu());
  }

  /**
   * As {@link #load(ModelWeights)}, on {@code device}: the weights and every array of a batch (each
   * batch's manager descends from the weights' manager, so it inherits the device); only the
   * results cross to Java arrays.
   */
  public static GemmaModel load(ModelWeights source, ai.djl.Device device) throws WeightsException {
    return load(source, device, ComputeDtype.FP32);
  }

  /**
   * As {@link #load(ModelWeights, ai.djl.Device)}, with weights and activations in {@code dtype}.
   */
  public static GemmaModel load(ModelWeights source, ai.djl.Device device, ComputeDtype dtype)
      throws WeightsException {
    EngineSettings.apply();
    long start = System.nanoTime();
    NDManager manager = Engine.getEngine("PyTorch").newBaseManager(device);
    try {
      DeviceWeights weights = DeviceWeights.load(source, manager, dtype.engineType());
      LOG.info(
          "loaded {} from {}: {} layers, dModel {}, vocab {}, {} on {} in {} ms",
          source.config().architecture(),
          source.origin(),
          source.config().nLayers(),
          source.config().dModel(),
          source.config().vocabSize(),
          dtype.label(),
          device,
          (System.nanoTime() - start) / 1_000_000);
      return new GemmaModel(source.config(), manager, weights, dtype);
    } catch (WeightsException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  public ModelConfig config() {
    return config;
  }

  /** The precision weights and activations run in. */
  public ComputeDtype dtype() {
    return dtype;
  }

  /**
   * Runs a batch of token sequences (BOS included by the caller) and returns what {@code spec} asks
   * for. Sequences may have different lengths; results for one sequence do not depend on the others
   * beyond fp32 matmul rounding.
   *
   * @param sequences token ids, each non-empty, each id in {@code [0, vocab)}
   * @throws IllegalArgumentException naming the sequence, position, id, or hook that is invalid
   */
  public ForwardResult forward(List<int[]> sequences, CaptureSpec spec) {
    return forward(sequences, spec, null);
  }

  /**
   * As {@link #forward(List, CaptureSpec)}, with the activation at {@code patch.hook()} replaced at
   * the patch's positions before the pass continues (captures at that hook are the clean values).
   *
   * @param patch what to replace, or null for a clean pass
   */
  public ForwardResult forward(List<int[]> sequences, CaptureSpec spec, Patch patch) {
    validate(sequences, spec, patch);
    int layersToRun = spec.layersToRun(config.nLayers());
    try (NDManager batchManager = manager.newSubManager()) {
      BatchInputs in = new BatchInputs(sequences, config, layersToRun, batchManager, weights.dtype);
      PassState pass = new PassState(config, spec, patch, in, batchManager);
      // h0 = embed_tokens(ids) * sqrt(dModel), the scale rounded to the precision
      NDArray x = weights.embed.get(batchManager, new NDIndex("{}", in.ids)); // [batch*seq, dModel]
      x.muli(embedScale);
      for (int l = 0; l < layersToRun; l++) {
        // Each layer's intermediates live in their own manager and are freed when the layer ends;
        // only its output moves up to the batch.
        try (NDManager layerManager = batchManager.newSubManager()) {
          x.attach(layerManager);
          NDArray out = decoder.layer(l, x, in, pass);
          out.attach(batchManager);
          x = out;
        }
      }
      if (dtype == ComputeDtype.FP16) {
        requireFinite(x, layersToRun);
      }
      List<Rows> logits = List.of();
      if (spec.wantsLogits()) {
        RowSelection rows = RowSelection.of(spec.logits(), in);
        logits = rows.split(finalLogits(x, rows.flat(), batchManager), config.vocabSize());
      }
      List<Rows> logprobs = List.of();
      if (spec.wantsNextTokenLogprobs()) {
        RowSelection rows = RowSelection.of(spec.nextTokenLogprobs(), in, 1);
        long[] flat = rows.flat();
        long[] targets = new long[flat.length];
        for (int i = 0; i < flat.length; i++) {
          int b = (int) (flat[i] / in.seq);
          targets[i] = sequences.get(b)[(int) (flat[i] % in.seq) + 1];
        }
        logprobs = rows.split(targetLogprobs(x, flat, targets, batchManager), 1);
      }
      return new ForwardResult(pass.captures(), logits, logprobs);
    }
  }

  /**
   * fp16 tops out at 65,504 and Gemma's residual stream does not (Gemma 3 270M reaches ~1e5): an
   * overflow turns into inf and then NaN everywhere, in transformers as here. Say so rather than
   * hand back NaN results.
   */
  private static void requireFinite(NDArray x, int layers) {
    try (NDArray bad = x.isInfinite().logicalOr(x.isNaN()).any()) {
      if (bad.getBoolean()) {
        throw new IllegalStateException(
            "--dtype fp16: the residual stream overflowed fp16's range (65,504) within "
                + layers
                + " layers, as Gemma's activations do; use --dtype bf16 (same range as fp32) or"
                + " fp32");
      }
    }
  }

  /**
   * Final logits of rows {@code flat} of x ([batch*seq, dModel]), in chunks: [rows, vocab] floats.
   */
  private float[] finalLogits(NDArray x, long[] flat, NDManager m) {
    float[] out = new float[flat.length * config.vocabSize()];
    for (int start = 0; start < flat.length; start += LENS_CHUNK_ROWS) {
      int n = Math.min(LENS_CHUNK_ROWS, flat.length - start);
      try (NDManager chunk = m.newSubManager()) {
        NDArray idx = chunk.create(java.util.Arrays.copyOfRange(flat, start, start + n));
        float[] part = unembed(x.get(chunk, new NDIndex("{}", idx))).toFloatArray(); // fp32
        System.arraycopy(part, 0, out, start * config.vocabSize(), part.length);
      }
    }
    return out;
  }

  /** log_softmax(final logits)[row, target] for rows {@code flat} of x, in chunks. */
  private float[] targetLogprobs(NDArray x, long[] flat, long[] targets, NDManager m) {
    float[] out = new float[flat.length];
    for (int start = 0; start < flat.length; start += LENS_CHUNK_ROWS) {
      int n = Math.min(LENS_CHUNK_ROWS, flat.length - start);
      try (NDManager chunk = m.newSubManager()) {
        NDArray idx = chunk.create(java.util.Arrays.copyOfRange(flat, start, start + n));
        NDArray t =
            chunk.create(java.util.Arrays.copyOfRange(targets, start, start + n)).reshape(n, 1);
        NDArray lp = unembed(x.get(chunk, new NDIndex("{}", idx))).logSoftmax(1); // [n, vocab]
        float[] part = lp.gather(t, 1).toFloatArray();
        System.arraycopy(part, 0, out, start, n);
      }
    }
    return out;
  }

  /** Final norm, tied unembedding, final soft-cap. x: [n, dModel] → [n, vocab] fp32. */
  private NDArray unembed(NDArray x) {
    return lens.unembed(x);
  }

  // ---------------------------------------------------------------- logit lens (LogitLens)

  /** See {@link LogitLens#logits(Rows, int[])}. */
  public float[][] lensLogits(Rows resid, int[] ids) {
    return lens.logits(resid, ids);
  }

  /** See {@link LogitLens#logits(Rows, int[][])}. */
  public float[][] lensLogits(Rows resid, int[][] ids) {
    return lens.logits(resid, ids);
  }

  /** See {@link LogitLens#topK(Rows, int)}. */
  public List<List<TokenScore>> lensTopK(Rows resid, int k) {
    return lens.topK(resid, k);
  }

  /** See {@link LogitLens#stats(Rows, int[][], int[])}. */
  public LensStats lensStats(Rows resid, int[][] targets, int[] refRows) {
    return lens.stats(resid, targets, refRows);
  }

  /** See {@link LogitLens#stats(Rows, int[][], int[], LensReduction)}. */
  public LensStats lensStats(Rows resid, int[][] targets, int[] refRows, LensReduction reduction) {
    return lens.stats(resid, targets, refRows, reduction);
  }

  /** See {@link LogitLens#unembeddingColumns(int[])}. */
  public float[][] unembeddingColumns(int[] ids) {
    return lens.unembeddingColumns(ids);
  }

  /**
   * The tied embedding {@code [vocab, dModel]} as the model holds it (its transpose is {@code
   * W_U}). Owned by the model: read it, never close it; it is valid until the model is closed.
   */
  public NDArray embedding() {
    return weights.embed;
  }

  /** The top {@code k} entries of one row of final logits, with log-probabilities. */
  public static List<TokenScore> topK(float[] logits, int k) {
    return TopK.of(logits, k);
  }

  // ---------------------------------------------------------------- validation and helpers

  private void validate(List<int[]> sequences, CaptureSpec spec, Patch patch) {
    Objects.requireNonNull(sequences, "sequences");
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    for (int i = 0; i < sequences.size(); i++) {
      int[] s = sequences.get(i);
      if (s == null || s.length == 0) {
        throw new IllegalArgumentException("sequence " + i + " is empty");
      }
      if (s.length > config.maxPositions()) {
        throw new IllegalArgumentException(
            "sequence "
                + i
                + " has "
                + s.length
                + " tokens, more than max_position_embeddings "
                + config.maxPositions());
      }
      for (int p = 0; p < s.length; p++) {
        if (s[p] < 0 || s[p] >= config.vocabSize()) {
          throw new IllegalArgumentException(
              "sequence "
                  + i
                  + " position "
                  + p
                  + ": token id "
                  + s[p]
                  + " outside [0, "
                  + config.vocabSize()
                  + ")");
        }
      }
    }
    for (HookPoint h : spec.hooks()) {
      if (h.layer() >= config.nLayers()) {
        throw new IllegalArgumentException(
            "hook "
                + h
                + ": the model has "
                + config.nLayers()
                + " layers (0.."
                + (config.nLayers() - 1)
                + ")");
      }
    }
    RowSelection.check(spec.positions(), sequences, "capture positions");
    RowSelection.check(spec.logits(), sequences, "logit positions");
    RowSelection.check(spec.nextTokenLogprobs(), sequences, "next-token log-prob positions", 1);
    if (patch != null) {
      if (patch.hook().layer() >= config.nLayers()) {
        throw new IllegalArgumentException(
            "patch at " + patch.hook() + ": the model has " + config.nLayers() + " layers");
      }
      RowSelection.check(patch.positions(), sequences, "patch positions");
    }
  }

  /** Arrays currently held by the weights' manager (weights only, when no call is running). */
  int managedArrays() {
    return ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
  }

  @Override
  public void close() {
    manager.close();
  }
}
