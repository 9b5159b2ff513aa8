package dev.saescope.worker.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.saescope.worker.weights.ModelWeights;
import dev.saescope.worker.weights.WeightsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Gemma 2 / Gemma 3 text model on DJL's PyTorch engine (fp32): the forward pass with capture at
 * any layers and sites, and the logit lens. It computes what transformers' eager fp32 path computes
 * (GEMMA-NOTES.md §1-3), driven by {@link ModelConfig} alone.
 *
 * <p>Weights live in one long-lived {@link NDManager}; every call works in its own sub-manager,
 * closed before it returns, and hands back plain Java arrays. Concurrent calls are safe (weights
 * are only read), though on CPU they compete for the same cores.
 */
public final class GemmaModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GemmaModel.class);

  /** Rows per chunk of a full-vocabulary lens, to bound the [rows, vocab] scratch memory. */
  private static final int LENS_CHUNK_ROWS = 64;

  private final ModelConfig config;
  private final NDManager manager;
  private final DeviceWeights weights;
  private final Decoder decoder;
  private final float eps;

  private GemmaModel(ModelConfig config, NDManager manager, DeviceWeights weights) {
    this.config = config;
    this.manager = manager;
    this.weights = weights;
    this.decoder = new Decoder(config, weights);
    this.eps = (float) config.rmsNormEps();
  }

  /**
   * Uploads every weight of {@code source} to the default device. {@code source} can be closed
   * afterwards.
   *
   * @throws WeightsException naming the file and tensor when one is missing or misshapen
   */
  public static GemmaModel load(ModelWeights source) throws WeightsException {
    EngineSettings.apply();
    long start = System.nanoTime();
    NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
    try {
      DeviceWeights weights = DeviceWeights.load(source, manager);
      LOG.info(
          "loaded {} from {}: {} layers, dModel {}, vocab {} in {} ms",
          source.config().architecture(),
          source.origin(),
          source.config().nLayers(),
          source.config().dModel(),
          source.config().vocabSize(),
          (System.nanoTime() - start) / 1_000_000);
      return new GemmaModel(source.config(), manager, weights);
    } catch (WeightsException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  public ModelConfig config() {
    return config;
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
      BatchInputs in = new BatchInputs(sequences, config, layersToRun, batchManager);
      PassState pass = new PassState(config, spec, patch, in, batchManager);
      // h0 = embed_tokens(ids) * fp32(sqrt(dModel))
      NDArray x = weights.embed.get(batchManager, new NDIndex("{}", in.ids)); // [batch*seq, dModel]
      x.muli(config.embedScale());
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
   * Final logits of rows {@code flat} of x ([batch*seq, dModel]), in chunks: [rows, vocab] floats.
   */
  private float[] finalLogits(NDArray x, long[] flat, NDManager m) {
    float[] out = new float[flat.length * config.vocabSize()];
    for (int start = 0; start < flat.length; start += LENS_CHUNK_ROWS) {
      int n = Math.min(LENS_CHUNK_ROWS, flat.length - start);
      try (NDManager chunk = m.newSubManager()) {
        NDArray idx = chunk.create(java.util.Arrays.copyOfRange(flat, start, start + n));
        float[] part = unembed(x.get(chunk, new NDIndex("{}", idx))).toFloatArray();
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

  /** Final norm, tied unembedding, final soft-cap. x: [n, dModel] → [n, vocab]. */
  private NDArray unembed(NDArray x) {
    NDArray logits = Ops.linear(Ops.rmsNorm(x, weights.finalNorm, decoder.eps()), weights.embed);
    return Ops.softcap(logits, (float) config.finalLogitSoftcap());
  }

  // ---------------------------------------------------------------- logit lens

  /**
   * Logit lens at chosen token ids, without the full-vocabulary unembedding: final norm of each
   * residual row, dot products with the tied embedding rows of {@code ids}, final soft-cap.
   *
   * @param resid residual rows (resid_pre / resid_post / the final layer's output), width dModel
   * @param ids token ids to score, the same for every row
   * @return {@code [resid.count()][ids.length]} soft-capped logits
   */
  public float[][] lensLogits(Rows resid, int[] ids) {
    checkResid(resid);
    checkIds(ids);
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.create(resid.values(), new Shape(resid.count(), config.dModel()));
      NDArray rows = weights.embed.get(m, new NDIndex("{}", m.create(toLong(ids)))); // [k, dModel]
      NDArray logits = Ops.linear(Ops.rmsNorm(x, weights.finalNorm, eps), rows); // [n, k]
      return toMatrix(
          Ops.softcap(logits, (float) config.finalLogitSoftcap()).toFloatArray(), ids.length);
    }
  }

  /**
   * Logit lens at chosen token ids per row ({@code ids[i]} for row i, all of the same length).
   *
   * @return {@code [resid.count()][ids[0].length]} soft-capped logits
   */
  public float[][] lensLogits(Rows resid, int[][] ids) {
    checkResid(resid);
    if (ids.length != resid.count()) {
      throw new IllegalArgumentException(ids.length + " id lists for " + resid.count() + " rows");
    }
    int k = ids.length == 0 ? 0 : ids[0].length;
    long[] flat = new long[ids.length * k];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i].length != k) {
        throw new IllegalArgumentException(
            "row " + i + " has " + ids[i].length + " ids, row 0 has " + k);
      }
      checkIds(ids[i]);
      for (int j = 0; j < k; j++) {
        flat[i * k + j] = ids[i][j];
      }
    }
    if (k == 0) {
      return new float[ids.length][0];
    }
    try (NDManager m = manager.newSubManager()) {
      int n = resid.count();
      NDArray x = m.create(resid.values(), new Shape(n, config.dModel()));
      NDArray normed = Ops.rmsNorm(x, weights.finalNorm, eps).reshape(n, 1, config.dModel());
      NDArray rows =
          weights.embed.get(m, new NDIndex("{}", m.create(flat))).reshape(n, k, config.dModel());
      NDArray logits = normed.matMul(rows.transpose(0, 2, 1)).reshape(n, k); // [n, k]
      return toMatrix(Ops.softcap(logits, (float) config.finalLogitSoftcap()).toFloatArray(), k);
    }
  }

  /**
   * Full-vocabulary logit lens: the top {@code k} tokens of each row with log-probabilities. Costs
   * a [rows, vocab] unembedding; use {@link #lensLogits(Rows, int[])} when only some ids matter.
   */
  public List<List<TokenScore>> lensTopK(Rows resid, int k) {
    checkResid(resid);
    if (k <= 0 || k > config.vocabSize()) {
      throw new IllegalArgumentException(
          "top-k must be in 1.." + config.vocabSize() + ", got " + k);
    }
    List<List<TokenScore>> out = new ArrayList<>(resid.count());
    for (int start = 0; start < resid.count(); start += LENS_CHUNK_ROWS) {
      int n = Math.min(LENS_CHUNK_ROWS, resid.count() - start);
      float[] chunk = new float[n * config.dModel()];
      System.arraycopy(resid.values(), start * config.dModel(), chunk, 0, chunk.length);
      try (NDManager m = manager.newSubManager()) {
        NDArray logits = unembed(m.create(chunk, new Shape(n, config.dModel()))); // [n, vocab]
        NDArray logprobs = logits.logSoftmax(1);
        NDList top = logits.topK(k, 1, true, true);
        float[] values = top.get(0).toFloatArray();
        long[] idx = top.get(1).toLongArray();
        float[] lp = logprobs.gather(top.get(1), 1).toFloatArray();
        for (int i = 0; i < n; i++) {
          List<TokenScore> row = new ArrayList<>(k);
          for (int j = 0; j < k; j++) {
            row.add(new TokenScore((int) idx[i * k + j], values[i * k + j], lp[i * k + j]));
          }
          out.add(List.copyOf(row));
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * Full-vocabulary logit lens of each row, reduced on the engine: log-probability and rank of each
   * of the row's target ids, the top-1 token, and KL(p_ref || p_row) in bits against the row's
   * reference row (the final layer, for "how far is this layer from the model's answer"). Costs one
   * [rows, vocab] unembedding, whose price is mostly reading W_U once: pass many rows per call.
   * Only {@code rows × (2·targets + 2)} numbers are copied to Java.
   *
   * @param targets {@code [rows][k]} ids to score, the same k for every row
   * @param refRows {@code [rows]} index of each row's reference row
   */
  public LensStats lensStats(Rows resid, int[][] targets, int[] refRows) {
    checkResid(resid);
    int n = resid.count();
    int k = n == 0 ? 0 : targets[0].length;
    if (targets.length != n || refRows.length != n || n > 4 * LENS_CHUNK_ROWS) {
      throw new IllegalArgumentException(
          "lens of "
              + n
              + " rows (at most "
              + 4 * LENS_CHUNK_ROWS
              + ") needs one target list and one reference per row");
    }
    long[] ids = new long[n * k];
    long[] refs = new long[n];
    for (int i = 0; i < n; i++) {
      if (targets[i].length != k || refRows[i] < 0 || refRows[i] >= n) {
        throw new IllegalArgumentException(
            "lens row "
                + i
                + ": "
                + targets[i].length
                + " targets (want "
                + k
                + "), reference "
                + refRows[i]);
      }
      checkIds(targets[i]);
      for (int j = 0; j < k; j++) {
        ids[i * k + j] = targets[i][j];
      }
      refs[i] = refRows[i];
    }
    try (NDManager m = manager.newSubManager()) {
      NDArray lp =
          unembed(m.create(resid.values(), new Shape(n, config.dModel())))
              .logSoftmax(1); // [n, vocab]
      NDArray tlp = lp.gather(m.create(ids, new Shape(n, k)), 1); // [n, k]
      long[] rankFlat = new long[n * k];
      for (int j = 0; j < k; j++) { // one [n, vocab] comparison per target, summed as booleans
        long[] r = lp.gt(tlp.get(":, {}:{}", j, j + 1)).sum(new int[] {1}).toLongArray(); // [n]
        for (int i = 0; i < n; i++) {
          rankFlat[i * k + j] = r[i];
        }
      }
      NDArray ref = lp.get(new NDIndex("{}", m.create(refs))); // [n, vocab]
      NDArray kl = ref.exp().mul(ref.sub(lp)).sum(new int[] {1}).div(Math.log(2)); // [n]
      float[] tlpFlat = tlp.toFloatArray();
      float[][] logprobs = new float[n][k];
      long[][] rankRows = new long[n][k];
      for (int i = 0; i < n; i++) {
        System.arraycopy(tlpFlat, i * k, logprobs[i], 0, k);
        System.arraycopy(rankFlat, i * k, rankRows[i], 0, k);
      }
      return new LensStats(logprobs, rankRows, lp.argMax(1).toLongArray(), kl.toFloatArray());
    }
  }

  /**
   * Rows of the unembedding for {@code ids}: {@code W_U[:, id]} (the tied embedding row, unscaled),
   * {@code [ids.length][dModel]}. Direct logit attribution dots these with decoder directions.
   */
  public float[][] unembeddingColumns(int[] ids) {
    checkIds(ids);
    try (NDManager m = manager.newSubManager()) {
      return toMatrix(
          weights.embed.get(m, new NDIndex("{}", m.create(toLong(ids)))).toFloatArray(),
          config.dModel());
    }
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

  private void checkResid(Rows resid) {
    if (resid.width() != config.dModel()) {
      throw new IllegalArgumentException(
          "logit lens needs residual rows of width dModel "
              + config.dModel()
              + ", got "
              + resid.width());
    }
  }

  private void checkIds(int[] ids) {
    for (int id : ids) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException(
            "token id " + id + " outside [0, " + config.vocabSize() + ")");
      }
    }
  }

  private static long[] toLong(int[] ids) {
    long[] out = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
    }
    return out;
  }

  private static float[][] toMatrix(float[] flat, int width) {
    int n = width == 0 ? 0 : flat.length / width;
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
    }
    return out;
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
