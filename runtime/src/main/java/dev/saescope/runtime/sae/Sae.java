package dev.saescope.runtime.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.model.HookPoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A loaded sparse autoencoder. The encoder runs on the DJL engine; decoding from sparse latents
 * runs on the host, because with a few dozen active latents per position a sparse sum is far
 * cheaper than the dense {@code [tokens, dSae] x [dSae, dIn]} matmul.
 *
 * <p>Encoding materialises exactly one dense {@code [tokens, dSae]} block per batch (the
 * pre-activations) on the engine; the threshold/top-k selection and the nonzero extraction run
 * there too, and only the nonzero indices and values are copied to Java.
 *
 * <p>Not thread-safe for concurrent {@link #close()}; concurrent encodes are fine.
 */
public final class Sae implements AutoCloseable {
  /** Positions per engine batch: 1024 keeps the dense block at 64 MB for a 16k-latent SAE. */
  public static final int DEFAULT_BATCH = 1024;

  private final SaeMetadata meta;
  private final NDManager manager;
  private final NDArray wEnc; // [dIn, dSae]
  private final NDArray bEnc; // [dSae]
  private final NDArray bDecEngine; // [dIn]
  private final NDArray thresholdEff; // [dSae], max(threshold, 0); JumpReLU only, else null
  private final float[] wDec; // [dSae, dIn] host copy for sparse decoding
  private final float[] bDec; // [dIn]
  private final float[] threshold; // [dSae] raw, for saving; length 0 unless JumpReLU

  private Sae(SaeParams p, NDManager manager) {
    this.meta = p.meta();
    this.manager = manager;
    int dIn = meta.dIn();
    int dSae = meta.dSae();
    this.wEnc = manager.create(p.wEnc(), new Shape(dIn, dSae));
    this.bEnc = manager.create(p.bEnc(), new Shape(dSae));
    this.bDecEngine = manager.create(p.bDec(), new Shape(dIn));
    this.wDec = p.wDec();
    this.bDec = p.bDec();
    this.threshold = p.threshold();
    this.thresholdEff =
        switch (meta.activation()) {
          case Activation.JumpRelu j -> manager.create(p.threshold(), new Shape(dSae)).maximum(0f);
          case Activation.TopK t -> null;
          case Activation.Relu r -> null;
        };
  }

  /** Moves host parameters to the engine (in a new manager owned by the SAE). */
  public static Sae create(SaeParams params) {
    NDManager m = NDManager.newBaseManager();
    try {
      return new Sae(params, m);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  public SaeMetadata metadata() {
    return meta;
  }

  public int dIn() {
    return meta.dIn();
  }

  public int dSae() {
    return meta.dSae();
  }

  /**
   * Fails unless this SAE reads vectors of width {@code width} at {@code where}; the message names
   * both sides. Layer and site are checked only when the SAE knows them.
   *
   * @param width the model's width at that site (dModel, or nHeads*headDim for attn_z)
   */
  public void requireFits(int width, HookPoint where) {
    if (width != meta.dIn()) {
      throw new IllegalArgumentException(
          "SAE "
              + meta.source()
              + " reads d_in="
              + meta.dIn()
              + " but the model's "
              + where
              + " has width "
              + width);
    }
    meta.hook()
        .ifPresent(
            h -> {
              if (!h.equals(where)) {
                throw new IllegalArgumentException(
                    "SAE "
                        + meta.source()
                        + " was trained on "
                        + h
                        + " but is attached to "
                        + where);
              }
            });
  }

  /**
   * Encodes {@code tokens} vectors in batches of {@link #DEFAULT_BATCH}.
   *
   * @param x {@code [tokens, dIn]} row-major
   */
  public SparseLatents encode(float[] x, int tokens) {
    return encode(x, tokens, DEFAULT_BATCH);
  }

  /** As {@link #encode(float[], int)} with an explicit batch size. */
  public SparseLatents encode(float[] x, int tokens, int batch) {
    requireInput(x.length, tokens);
    List<SparseLatents> parts = new ArrayList<>();
    for (int start = 0; start < tokens; start += batch) {
      int n = Math.min(batch, tokens - start);
      try (NDManager m = manager.newSubManager()) {
        NDArray xb =
            m.create(
                Arrays.copyOfRange(x, start * dIn(), (start + n) * dIn()), new Shape(n, dIn()));
        parts.add(encode(xb));
      }
    }
    return parts.size() == 1 ? parts.get(0) : SparseLatents.concat(dSae(), parts);
  }

  /**
   * Encodes one batch already on the engine. Temporaries live in a sub-manager closed before
   * returning; {@code x} is not closed.
   *
   * @param x {@code [tokens, dIn]} float32
   */
  public SparseLatents encode(NDArray x) {
    long[] shape = x.getShape().getShape();
    if (shape.length != 2 || shape[1] != dIn()) {
      throw new IllegalArgumentException(
          "SAE " + meta.source() + " encodes [tokens, " + dIn() + "], got " + x.getShape());
    }
    int tokens = (int) shape[0];
    try (NDManager m = manager.newSubManager()) {
      NDArray pre = preActivations(x, m); // [tokens, dSae]
      return switch (meta.activation()) {
        case Activation.JumpRelu j -> extract(pre, pre.gt(thresholdEff), tokens);
        case Activation.Relu r -> extract(pre, pre.gt(0f), tokens);
        case Activation.TopK t -> topK(pre, t.k(), tokens);
      };
    }
  }

  /** {@code (x - b_dec?) W_enc + b_enc} in manager {@code m}: the one dense block per batch. */
  private NDArray preActivations(NDArray x, NDManager m) {
    NDArray in = x;
    if (meta.applyBDecToInput()) {
      in = x.sub(bDecEngine);
      in.attach(m);
    }
    NDArray pre = in.matMul(wEnc);
    pre.attach(m);
    return pre.addi(bEnc);
  }

  /**
   * Copies the positions and values where {@code mask} holds. The flat nonzero of a row-major mask
   * is ascending, hence sorted by position, then latent. {@code take} by flat index costs ~1 ms at
   * 1024 x 16384 where {@code booleanMask} (masked_select) costs ~150 ms, a third of the matmul.
   */
  private SparseLatents extract(NDArray pre, NDArray mask, int tokens) {
    NDArray flat = mask.reshape(-1).nonzero().reshape(-1); // [nnz] int64: token * dSae + latent
    NDArray vals = pre.take(flat); // [nnz]
    long[] where = flat.toLongArray();
    float[] values = vals.toFloatArray();
    int nnz = values.length;
    int dSae = dSae();
    int[] offsets = new int[tokens + 1];
    int[] indices = new int[nnz];
    for (int j = 0; j < nnz; j++) {
      offsets[(int) (where[j] / dSae) + 1]++;
      indices[j] = (int) (where[j] % dSae);
    }
    for (int t = 0; t < tokens; t++) {
      offsets[t + 1] += offsets[t];
    }
    return requireNonZero(new SparseLatents(dSae, offsets, indices, values));
  }

  /**
   * Top-k per row with ReLU. The engine's topk does not define tie order, so we also count the
   * entries {@code >=} the k-th value: where that count is k the selection is unambiguous; a row
   * with ties at the k-th value is resolved on the host (greater values first, then lower index).
   */
  private SparseLatents topK(NDArray pre, int k, int tokens) {
    NDList top = pre.topK(k, 1, true, false);
    NDArray topVals = top.get(0); // [tokens, k]
    NDArray topIdx = top.get(1); // [tokens, k]
    NDArray kth = topVals.min(new int[] {1}, true); // [tokens, 1]
    NDArray countGe = pre.gte(kth).sum(new int[] {1}); // [tokens]
    float[] tv = topVals.toFloatArray();
    long[] ti = topIdx.toType(DataType.INT64, false).toLongArray();
    float[] kv = kth.toFloatArray();
    long[] cge = countGe.toType(DataType.INT64, false).toLongArray();
    int[] offsets = new int[tokens + 1];
    int[] indices = new int[tokens * k];
    float[] values = new float[tokens * k];
    int at = 0;
    Integer[] order = new Integer[k];
    for (int t = 0; t < tokens; t++) {
      if (kv[t] > 0 && cge[t] != k) {
        float[] row = pre.get(new NDIndex("{}", t)).toFloatArray();
        at = resolveTies(row, k, kv[t], indices, values, at);
      } else {
        for (int i = 0; i < k; i++) {
          order[i] = i;
        }
        final int base = t * k;
        Arrays.sort(order, (a, b) -> Long.compare(ti[base + a], ti[base + b]));
        for (int i = 0; i < k; i++) {
          float v = tv[base + order[i]];
          if (v > 0) { // ReLU after top-k
            indices[at] = (int) ti[base + order[i]];
            values[at++] = v;
          }
        }
      }
      offsets[t + 1] = at;
    }
    return new SparseLatents(
        dSae(), offsets, Arrays.copyOf(indices, at), Arrays.copyOf(values, at));
  }

  /** Host fallback for one row with ties at the k-th value {@code kth > 0}. */
  static int resolveTies(float[] row, int k, float kth, int[] indices, float[] values, int at) {
    int greater = 0;
    for (float v : row) {
      if (v > kth) {
        greater++;
      }
    }
    int equalBudget = k - greater;
    for (int i = 0; i < row.length; i++) {
      if (row[i] > kth || (row[i] == kth && equalBudget-- > 0)) {
        indices[at] = i;
        values[at++] = row[i];
      }
    }
    return at;
  }

  private static SparseLatents requireNonZero(SparseLatents z) {
    // JumpReLU/ReLU masks are strict comparisons against values >= 0, so a stored value is > 0;
    // this only guards the invariant "values are never zero".
    for (float v : z.values()) {
      if (v == 0f) {
        throw new IllegalStateException("zero latent value survived the activation mask");
      }
    }
    return z;
  }

  /**
   * Reconstructs inputs from latents on the host: {@code x_hat = z W_dec + b_dec}.
   *
   * @return {@code [tokens, dIn]} row-major
   */
  public float[] decode(SparseLatents z) {
    if (z.dSae() != dSae()) {
      throw new IllegalArgumentException(
          "latents of width "
              + z.dSae()
              + " given to SAE "
              + meta.source()
              + " of width "
              + dSae());
    }
    int dIn = dIn();
    float[] out = new float[Math.multiplyExact(z.tokens(), dIn)];
    IntStream.range(0, z.tokens())
        .parallel()
        .forEach(
            t -> {
              int o = t * dIn;
              System.arraycopy(bDec, 0, out, o, dIn);
              for (int j = z.offsets()[t]; j < z.offsets()[t + 1]; j++) {
                float v = z.values()[j];
                int r = z.indices()[j] * dIn;
                for (int c = 0; c < dIn; c++) {
                  out[o + c] += v * wDec[r + c];
                }
              }
            });
    return out;
  }

  /**
   * Squared reconstruction error {@code ||x - x_hat||^2} per position.
   *
   * @param x {@code [tokens, dIn]}
   * @param xHat {@code [tokens, dIn]}
   * @return {@code [tokens]}
   */
  public float[] squaredError(float[] x, float[] xHat) {
    if (x.length != xHat.length || x.length % dIn() != 0) {
      throw new IllegalArgumentException(
          "inputs of "
              + x.length
              + " and reconstructions of "
              + xHat.length
              + " values do not match d_in "
              + dIn());
    }
    int tokens = x.length / dIn();
    float[] err = new float[tokens];
    for (int t = 0; t < tokens; t++) {
      double s = 0;
      for (int c = 0, o = t * dIn(); c < dIn(); c++) {
        double d = x[o + c] - xHat[o + c];
        s += d * d;
      }
      err[t] = (float) s;
    }
    return err;
  }

  /** A copy of the parameters in host memory, e.g. to save. */
  public SaeParams params() {
    return new SaeParams(
        meta,
        wEnc.toFloatArray(),
        bEnc.toFloatArray(),
        wDec.clone(),
        bDec.clone(),
        threshold.clone());
  }

  /**
   * Row {@code latent} of {@code W_dec}, a copy ({@code [dIn]}): the latent's decoder direction.
   */
  public float[] decoderRow(int latent) {
    if (latent < 0 || latent >= dSae()) {
      throw new IndexOutOfBoundsException("latent " + latent + " of " + dSae());
    }
    return Arrays.copyOfRange(wDec, latent * dIn(), (latent + 1) * dIn());
  }

  /** Rows {@code [from, to)} of {@code W_dec} ({@code [to-from, dIn]}) in manager {@code m}. */
  public NDArray decoderRows(NDManager m, int from, int to) {
    if (from < 0 || to > dSae() || from > to) {
      throw new IndexOutOfBoundsException("latents [" + from + ", " + to + ") of " + dSae());
    }
    return m.create(
        Arrays.copyOfRange(wDec, from * dIn(), to * dIn()), new Shape(to - from, dIn()));
  }

  private void requireInput(int length, int tokens) {
    if ((long) tokens * dIn() != length) {
      throw new IllegalArgumentException(
          "SAE "
              + meta.source()
              + " expects "
              + tokens
              + " x d_in "
              + dIn()
              + " values, got "
              + length);
    }
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
