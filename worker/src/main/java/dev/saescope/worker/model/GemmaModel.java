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
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private final float eps;
  private final float scaling;

  private GemmaModel(ModelConfig config, NDManager manager, DeviceWeights weights) {
    this.config = config;
    this.manager = manager;
    this.weights = weights;
    this.eps = (float) config.rmsNormEps();
    // transformers: scaling = query_pre_attn_scalar ** -0.5 (a Python float), applied to fp32 scores.
    this.scaling = (float) Math.pow(config.queryPreAttnScalar(), -0.5);
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
   * Runs a batch of token sequences (BOS included by the caller) and returns what {@code spec}
   * asks for. Sequences may have different lengths; results for one sequence do not depend on the
   * others beyond fp32 matmul rounding.
   *
   * @param sequences token ids, each non-empty, each id in {@code [0, vocab)}
   * @throws IllegalArgumentException naming the sequence, position, id, or hook that is invalid
   */
  public ForwardResult forward(List<int[]> sequences, CaptureSpec spec) {
    validate(sequences, spec);
    int layersToRun = spec.layersToRun(config.nLayers());
    Map<Integer, List<Site>> sitesByLayer = new LinkedHashMap<>();
    for (HookPoint h : spec.hooks()) {
      sitesByLayer.computeIfAbsent(h.layer(), k -> new ArrayList<>()).add(h.site());
    }
    Map<HookPoint, float[]> copied = new LinkedHashMap<>();
    try (NDManager batchManager = manager.newSubManager()) {
      BatchInputs in = new BatchInputs(sequences, config, layersToRun, batchManager);
      RowSelection captureRows = RowSelection.of(spec.positions(), in);
      RowSelection logitRows = RowSelection.of(spec.logits(), in);
      NDArray captureIndex = captureRows.index(batchManager);
      // h0 = embed_tokens(ids) * fp32(sqrt(dModel))
      NDArray x = weights.embed.get(batchManager, new NDIndex("{}", in.ids)); // [batch*seq, dModel]
      x.muli(config.embedScale());
      for (int l = 0; l < layersToRun; l++) {
        List<Site> sites = sitesByLayer.getOrDefault(l, List.of());
        try (NDManager layerManager = batchManager.newSubManager()) {
          x.attach(layerManager);
          Map<Site, NDArray> taps = new EnumMap<>(Site.class);
          NDArray out = layer(l, x, in, sites, taps);
          for (Map.Entry<Site, NDArray> tap : taps.entrySet()) {
            copied.put(new HookPoint(l, tap.getKey()), gatherToJava(tap.getValue(), captureIndex));
          }
          out.attach(batchManager);
          x = out;
        }
      }
      List<Rows> logits = List.of();
      if (spec.wantsLogits()) {
        NDArray selected = x.get(new NDIndex("{}", logitRows.index(batchManager)));
        logits = logitRows.split(unembed(selected).toFloatArray(), config.vocabSize());
      }
      Map<HookPoint, List<Rows>> captures = new LinkedHashMap<>();
      for (Map.Entry<HookPoint, float[]> e : copied.entrySet()) {
        captures.put(e.getKey(), captureRows.split(e.getValue(), e.getKey().site().width(config)));
      }
      return new ForwardResult(captures, logits);
    }
  }

  /**
   * One decoder layer (Gemma2DecoderLayer.forward / Gemma3DecoderLayer.forward). x: [batch*seq,
   * dModel] → [batch*seq, dModel]; the asked-for sites are put in {@code taps}.
   */
  private NDArray layer(int l, NDArray x, BatchInputs in, List<Site> sites, Map<Site, NDArray> taps) {
    LayerTensors w = weights.layers.get(l);
    if (sites.contains(Site.RESID_PRE)) {
      taps.put(Site.RESID_PRE, x);
    }
    NDArray z = attention(l, Ops.rmsNorm(x, w.inputNorm(), eps), in); // [batch*seq, H*D]
    if (sites.contains(Site.ATTN_Z)) {
      taps.put(Site.ATTN_Z, z);
    }
    NDArray attnOut = Ops.rmsNorm(Ops.linear(z, w.o()), w.postAttnNorm(), eps);
    NDArray mid = x.add(attnOut); // resid_mid
    NDArray gateUp = Ops.linear(Ops.rmsNorm(mid, w.preMlpNorm(), eps), w.gateUp()); // [*, 2 dMlp]
    NDList parts = gateUp.split(2, 1);
    NDArray act = Ops.geluTanh(parts.get(0));
    act.muli(parts.get(1));
    NDArray mlpOut = Ops.rmsNorm(Ops.linear(act, w.down()), w.postMlpNorm(), eps);
    if (sites.contains(Site.MLP_OUT)) {
      taps.put(Site.MLP_OUT, mlpOut);
    }
    NDArray out = mid.add(mlpOut);
    if (sites.contains(Site.RESID_POST)) {
      taps.put(Site.RESID_POST, out);
    }
    return out;
  }

  /**
   * Grouped-query self-attention up to (not including) o_proj. h: [batch*seq, dModel] → z:
   * [batch*seq, H*D], head-major. Query heads h = g*G .. g*G+G-1 share kv head g (repeat_kv), so q is
   * viewed as [batch, KV, G*seq, D] and multiplied by k once per kv head: no copies of k or v.
   */
  private NDArray attention(int l, NDArray h, BatchInputs in) {
    LayerTensors w = weights.layers.get(l);
    ModelConfig.AttentionKind kind = config.layerKinds().get(l);
    int b = in.batch;
    int s = in.seq;
    int nh = config.nHeads();
    int kvh = config.nKvHeads();
    int d = config.headDim();
    int g = nh / kvh;
    NDArray qkv = Ops.linear(h, w.qkv()); // [b*s, (H + 2 KV) D]
    NDList parts = qkv.split(new long[] {(long) nh * d, (long) (nh + kvh) * d}, 1);
    NDArray q = parts.get(0).reshape(b, s, nh, d);
    NDArray k = parts.get(1).reshape(b, s, kvh, d);
    NDArray v = parts.get(2).reshape(b, s, kvh, d);
    if (config.qkNorm()) {
      q = Ops.rmsNorm(q, w.qNorm(), eps);
      k = Ops.rmsNorm(k, w.kNorm(), eps);
    }
    q = Ops.rope(q, in.cos(kind), in.sin(kind));
    k = Ops.rope(k, in.cos(kind), in.sin(kind));
    NDArray qg = q.transpose(0, 2, 1, 3).reshape(b, kvh, (long) g * s, d); // [b, KV, G*s, D]
    NDArray kt = k.transpose(0, 2, 3, 1); // [b, KV, D, s]
    NDArray scores = qg.matMul(kt); // [b, KV, G*s, s]
    scores.muli(scaling);
    scores = Ops.softcap(scores, (float) config.attnLogitSoftcap());
    scores = scores.reshape(b, kvh, g, s, s);
    scores.addi(in.mask(kind)); // mask after the soft-cap, as transformers does
    NDArray probs = scores.softmax(4).reshape(b, kvh, (long) g * s, s);
    NDArray z = probs.matMul(v.transpose(0, 2, 1, 3)); // [b, KV, G*s, D] = [b, H, s, D]
    return z.reshape(b, nh, s, d).transpose(0, 2, 1, 3).reshape((long) b * s, (long) nh * d);
  }

  /** Final norm, tied unembedding, final soft-cap. x: [n, dModel] → [n, vocab]. */
  private NDArray unembed(NDArray x) {
    NDArray logits = Ops.linear(Ops.rmsNorm(x, weights.finalNorm, eps), weights.embed);
    return Ops.softcap(logits, (float) config.finalLogitSoftcap());
  }

  /** Rows of a [batch*seq, width] tap, selected by a flat row index, as a Java array. */
  private static float[] gatherToJava(NDArray tap, NDArray index) {
    if (index == null) {
      return new float[0];
    }
    return tap.get(new NDIndex("{}", index)).toFloatArray();
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
      return toMatrix(Ops.softcap(logits, (float) config.finalLogitSoftcap()).toFloatArray(), ids.length);
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
        throw new IllegalArgumentException("row " + i + " has " + ids[i].length + " ids, row 0 has " + k);
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
      NDArray rows = weights.embed.get(m, new NDIndex("{}", m.create(flat))).reshape(n, k, config.dModel());
      NDArray logits = normed.matMul(rows.transpose(0, 2, 1)).reshape(n, k); // [n, k]
      return toMatrix(Ops.softcap(logits, (float) config.finalLogitSoftcap()).toFloatArray(), k);
    }
  }

  /**
   * Full-vocabulary logit lens: the top {@code k} tokens of each row with log-probabilities.
   * Costs a [rows, vocab] unembedding; use {@link #lensLogits(Rows, int[])} when only some ids
   * matter.
   */
  public List<List<TokenScore>> lensTopK(Rows resid, int k) {
    checkResid(resid);
    if (k <= 0 || k > config.vocabSize()) {
      throw new IllegalArgumentException("top-k must be in 1.." + config.vocabSize() + ", got " + k);
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
   * Full-vocabulary logit-lens log-probabilities of each row, {@code [rows][vocab]}. Costs a
   * [rows, vocab] unembedding and copies it to Java: use for the few positions where ranks and KL
   * divergences are needed, and {@link #lensLogits(Rows, int[][])} elsewhere.
   */
  public float[][] lensLogProbs(Rows resid) {
    checkResid(resid);
    float[][] out = new float[resid.count()][];
    for (int start = 0; start < resid.count(); start += LENS_CHUNK_ROWS) {
      int n = Math.min(LENS_CHUNK_ROWS, resid.count() - start);
      float[] chunk = new float[n * config.dModel()];
      System.arraycopy(resid.values(), start * config.dModel(), chunk, 0, chunk.length);
      try (NDManager m = manager.newSubManager()) {
        float[][] rows =
            toMatrix(
                unembed(m.create(chunk, new Shape(n, config.dModel()))).logSoftmax(1).toFloatArray(),
                config.vocabSize());
        System.arraycopy(rows, 0, out, start, n);
      }
    }
    return out;
  }

  /**
   * Rows of the unembedding for {@code ids}: {@code W_U[:, id]} (the tied embedding row, unscaled),
   * {@code [ids.length][dModel]}. Direct logit attribution dots these with decoder directions.
   */
  public float[][] unembeddingColumns(int[] ids) {
    checkIds(ids);
    try (NDManager m = manager.newSubManager()) {
      return toMatrix(weights.embed.get(m, new NDIndex("{}", m.create(toLong(ids)))).toFloatArray(), config.dModel());
    }
  }

  /** The top {@code k} entries of one row of final logits, with log-probabilities. */
  public static List<TokenScore> topK(float[] logits, int k) {
    return TopK.of(logits, k);
  }

  // ---------------------------------------------------------------- validation and helpers

  private void validate(List<int[]> sequences, CaptureSpec spec) {
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
            "sequence " + i + " has " + s.length + " tokens, more than max_position_embeddings "
                + config.maxPositions());
      }
      for (int p = 0; p < s.length; p++) {
        if (s[p] < 0 || s[p] >= config.vocabSize()) {
          throw new IllegalArgumentException(
              "sequence " + i + " position " + p + ": token id " + s[p] + " outside [0, "
                  + config.vocabSize() + ")");
        }
      }
    }
    for (HookPoint h : spec.hooks()) {
      if (h.layer() >= config.nLayers()) {
        throw new IllegalArgumentException(
            "hook " + h + ": the model has " + config.nLayers() + " layers (0.." + (config.nLayers() - 1) + ")");
      }
    }
    RowSelection.check(spec.positions(), sequences, "capture positions");
    RowSelection.check(spec.logits(), sequences, "logit positions");
  }

  private void checkResid(Rows resid) {
    if (resid.width() != config.dModel()) {
      throw new IllegalArgumentException(
          "logit lens needs residual rows of width dModel " + config.dModel() + ", got " + resid.width());
    }
  }

  private void checkIds(int[] ids) {
    for (int id : ids) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " outside [0, " + config.vocabSize() + ")");
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
