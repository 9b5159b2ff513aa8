package dev.saescope.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.config.ModelConfig;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The logit lens (nostalgebraist 2020; EXPERIMENTS.md E1c): a residual row read through the final
 * norm, the tied unembedding and the final soft-cap, as if the model ended at that layer. At chosen
 * ids (cheap: k dot products per row) or over the full vocabulary (a [rows, vocab] unembedding,
 * reduced on the engine). Every call works in its own sub-manager of the model's and returns Java
 * arrays.
 */
final class LogitLens {
  /** Rows per chunk of a full-vocabulary lens, to bound the [rows, vocab] scratch memory. */
  static final int CHUNK_ROWS = 64;

  private final ModelConfig config;
  private final NDManager manager;
  private final DeviceWeights weights;
  private final float eps;

  LogitLens(ModelConfig config, NDManager manager, DeviceWeights weights) {
    this.config = config;
    this.manager = manager;
    this.weights = weights;
    this.eps = (float) config.rmsNormEps();
  }

  /**
   * Final norm, tied unembedding, final soft-cap, in the model's precision (as transformers
   * computes them), then cast to fp32 for whatever decides results. x: [n, dModel] in the precision
   * → [n, vocab] fp32.
   */
  NDArray unembed(NDArray x) {
    NDArray logits = Ops.linear(Ops.rmsNorm(x, weights.finalNorm, eps), weights.embed);
    return Precision.fp32(Ops.softcap(logits, (float) config.finalLogitSoftcap()));
  }

  /** Residual rows from Java (fp32) as an [n, dModel] array in the model's precision. */
  private NDArray input(NDManager m, float[] values, int n) {
    return Precision.to(m.create(values, new Shape(n, config.dModel())), weights.dtype);
  }

  /**
   * Logit lens at chosen token ids, without the full-vocabulary unembedding: final norm of each
   * residual row, dot products with the tied embedding rows of {@code ids}, final soft-cap.
   *
   * @param resid residual rows (resid_pre / resid_post / the final layer's output), width dModel
   * @param ids token ids to score, the same for every row
   * @return {@code [resid.count()][ids.length]} soft-capped logits
   */
  public float[][] logits(Rows resid, int[] ids) {
    checkResid(resid);
    checkIds(ids);
    try (NDManager m = manager.newSubManager()) {
      NDArray x = input(m, resid.values(), resid.count());
      NDArray rows = weights.embed.get(m, new NDIndex("{}", m.create(toLong(ids)))); // [k, dModel]
      NDArray logits = Ops.linear(Ops.rmsNorm(x, weights.finalNorm, eps), rows); // [n, k]
      return toMatrix(fp32(Ops.softcap(logits, (float) config.finalLogitSoftcap())), ids.length);
    }
  }

  /**
   * Logit lens at chosen token ids per row ({@code ids[i]} for row i, all of the same length).
   *
   * @return {@code [resid.count()][ids[0].length]} soft-capped logits
   */
  public float[][] logits(Rows resid, int[][] ids) {
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
      NDArray x = input(m, resid.values(), n);
      NDArray normed = Ops.rmsNorm(x, weights.finalNorm, eps).reshape(n, 1, config.dModel());
      NDArray rows =
          weights.embed.get(m, new NDIndex("{}", m.create(flat))).reshape(n, k, config.dModel());
      NDArray logits = normed.matMul(rows.transpose(0, 2, 1)).reshape(n, k); // [n, k]
      return toMatrix(fp32(Ops.softcap(logits, (float) config.finalLogitSoftcap())), k);
    }
  }

  /**
   * Full-vocabulary logit lens: the top {@code k} tokens of each row with log-probabilities. Costs
   * a [rows, vocab] unembedding; use {@link #logits(Rows, int[])} when only some ids matter.
   */
  public List<List<TokenScore>> topK(Rows resid, int k) {
    checkResid(resid);
    if (k <= 0 || k > config.vocabSize()) {
      throw new IllegalArgumentException(
          "top-k must be in 1.." + config.vocabSize() + ", got " + k);
    }
    List<List<TokenScore>> out = new ArrayList<>(resid.count());
    for (int start = 0; start < resid.count(); start += CHUNK_ROWS) {
      int n = Math.min(CHUNK_ROWS, resid.count() - start);
      float[] chunk = new float[n * config.dModel()];
      System.arraycopy(resid.values(), start * config.dModel(), chunk, 0, chunk.length);
      try (NDManager m = manager.newSubManager()) {
        NDArray logits = unembed(input(m, chunk, n)); // [n, vocab]
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

  /** {@link #stats(Rows, int[][], int[], LensReduction)} at the device's preferred reduction. */
  public LensStats stats(Rows resid, int[][] targets, int[] refRows) {
    return stats(resid, targets, refRows, LensReduction.preferred(weights.embed.getDevice()));
  }

  /**
   * Full-vocabulary logit lens of each row: log-probability and rank of each of the row's target
   * ids (rank = how many logits exceed the target's), the top-1 token, and KL(p_ref || p_row) in
   * bits against the row's reference row (the final layer, for "how far is this layer from the
   * model's answer"). Costs one [rows, vocab] unembedding on the engine, whose price is mostly
   * reading W_U once: pass many rows per call. Then {@code reduction} reduces the logits; only
   * {@code rows × (2·slots + 2)} numbers reach Java arrays.
   *
   * @param targets {@code [rows][k]} ids to score, or {@link RankSlots#NONE} for a column without
   *     one (log-probability 0, rank -1); rows may differ in k
   * @param refRows {@code [rows]} index of each row's reference row; rows sharing one are cheapest
   *     consecutive
   * @param reduction where the logits are reduced ({@link LensReduction#preferred})
   */
  public LensStats stats(Rows resid, int[][] targets, int[] refRows, LensReduction reduction) {
    checkResid(resid);
    int n = resid.count();
    if (targets.length != n || refRows.length != n || n > 4 * CHUNK_ROWS) {
      throw new IllegalArgumentException(
          "lens of "
              + n
              + " rows (at most "
              + 4 * CHUNK_ROWS
              + ") needs one target list and one reference per row");
    }
    for (int i = 0; i < n; i++) {
      if (refRows[i] < 0 || refRows[i] >= n) {
        throw new IllegalArgumentException(
            "lens row " + i + ": reference " + refRows[i] + " outside [0, " + n + ")");
      }
    }
    reduction.checkFor(weights.embed.getDevice());
    // Zero rows pad the call (RankSlots.paddedRows), so that a row's stats do not depend on which
    // rows share its call; each padding row is its own KL reference.
    int padded = RankSlots.paddedRows(n);
    int[][] paddedTargets = Arrays.copyOf(targets, padded);
    int[] paddedRefs = Arrays.copyOf(refRows, padded);
    for (int i = n; i < padded; i++) {
      paddedTargets[i] = new int[0];
      paddedRefs[i] = i;
    }
    float[] values = Arrays.copyOf(resid.values(), padded * config.dModel());
    RankSlots slots = RankSlots.of(paddedTargets, config.vocabSize(), padded);
    try (NDManager m = manager.newSubManager()) {
      NDArray logits = unembed(input(m, values, padded)); // [padded, vocab] fp32
      Reduced r =
          switch (reduction) {
            case ENGINE -> engineReduce(logits, slots, paddedRefs);
            case VECTOR ->
                VectorLensKernel.reduce(
                    logits.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer(),
                    padded,
                    config.vocabSize(),
                    slots.ids(),
                    slots.slots(),
                    paddedRefs); // reads the engine's memory in place: before m closes
          };
      return new LensStats(
          Arrays.copyOf(slots.spread(r.scores()), n),
          Arrays.copyOf(slots.spread(r.counts(), -1), n),
          Arrays.copyOf(r.top1(), n),
          Arrays.copyOf(r.klBits(), n));
    }
  }

  /**
   * The lens reductions of a call, per row and rank slot.
   *
   * @param scores {@code [rows, slots]} log-probability of each slot's token
   * @param counts {@code [rows, slots]} its rank: how many logits of the row exceed its logit
   * @param top1 {@code [rows]} first index of the row's largest logit
   * @param klBits {@code [rows]} KL(p_ref || p_row) in bits
   */
  record Reduced(float[] scores, long[] counts, long[] top1, float[] klBits) {}

  /**
   * {@link LensReduction#ENGINE}: ranks cost one [rows, vocab] compare and count per slot, the
   * log-softmax one more [rows, vocab] array.
   */
  private static Reduced engineReduce(NDArray logits, RankSlots slots, int[] refRows) {
    int rows = refRows.length;
    int s = slots.slots();
    NDArray lp = logits.logSoftmax(1); // [rows, vocab]
    long[] counts = new long[rows * s];
    float[] scores = new float[0];
    if (s > 0) {
      NDArray ids = logits.getManager().create(slots.ids(), new Shape(rows, s));
      NDArray at = logits.gather(ids, 1); // [rows, slots]
      for (int j = 0; j < s; j++) { // one [rows, vocab] comparison per slot, counted in fp32
        // (exact below 2^24 > any vocabulary; in torch a float sum is ~2x faster than a long one)
        float[] r =
            logits
                .gt(at.get(":, {}:{}", j, j + 1))
                .toType(DataType.FLOAT32, false)
                .sum(new int[] {1})
                .toFloatArray(); // [rows]
        for (int i = 0; i < rows; i++) {
          counts[i * s + j] = (long) r[i];
        }
      }
      scores = lp.gather(ids, 1).toFloatArray();
    }
    return new Reduced(scores, counts, logits.argMax(1).toLongArray(), klBits(lp, refRows));
  }

  /**
   * KL(p_ref || p_i) in bits per row, as {@code sum p_ref log p_ref - sum p_ref log p_i}: each
   * reference's {@code p_ref} and negative entropy once, then one matrix-vector product per run of
   * consecutive rows sharing a reference (the worker's rows come grouped so). About 40 times
   * cheaper than forming {@code p_ref (log p_ref - log p_i)} for every row, which reads and writes
   * three [rows, vocab] arrays (bench lens: 12 against 505 ms). A row's KL to itself is 0; rounding
   * below 0 is clamped to 0.
   */
  private static float[] klBits(NDArray lp, int[] refRows) {
    int n = refRows.length;
    float[] kl = new float[n];
    Map<Integer, NDArray> probs = new HashMap<>(); // reference row -> p_ref [vocab]
    Map<Integer, Float> negEntropy = new HashMap<>();
    for (int start = 0; start < n; ) {
      int ref = refRows[start];
      int end = start + 1;
      while (end < n && refRows[end] == ref) {
        end++;
      }
      NDArray p = probs.computeIfAbsent(ref, r -> lp.get(r).exp());
      float h = negEntropy.computeIfAbsent(ref, r -> p.dot(lp.get(r)).getFloat());
      float[] cross = lp.get("{}:{}", start, end).matMul(p).toFloatArray(); // [end - start]
      for (int i = start; i < end; i++) {
        kl[i] = i == ref ? 0f : (float) (Math.max(0, h - cross[i - start]) / Math.log(2));
      }
      start = end;
    }
    return kl;
  }

  /**
   * Rows of the unembedding for {@code ids}: {@code W_U[:, id]} (the tied embedding row, unscaled),
   * {@code [ids.length][dModel]}. Direct logit attribution dots these with decoder directions.
   */
  public float[][] unembeddingColumns(int[] ids) {
    checkIds(ids);
    try (NDManager m = manager.newSubManager()) {
      return toMatrix(
          fp32(weights.embed.get(m, new NDIndex("{}", m.create(toLong(ids))))), config.dModel());
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

  private static float[] fp32(NDArray a) {
    return Precision.fp32(a).toFloatArray();
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
}
