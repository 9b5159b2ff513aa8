package dev.saescope.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.weights.HostTensor;
import dev.saescope.runtime.weights.ModelWeights;
import dev.saescope.runtime.weights.WeightsException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Uploads a {@link ModelWeights} to the engine once, fusing q/k/v and gate/up for fewer matmuls, in
 * the model's compute precision.
 *
 * <p>In bf16 or fp16 the matrices are stored in that precision, as {@code model.to(dtype)} stores
 * them in transformers. The RMSNorm scales stay fp32, since Gemma's RMSNorm computes in fp32
 * ({@code output * (1.0 + self.weight.float())}), but their weight {@code w} is first rounded to
 * the precision, as the parameter would be: scale = 1 + round(w).
 *
 * <p>Every weight is allocated by the engine and filled through one reused direct staging buffer,
 * block of rows by block of rows. Handing DJL a heap buffer instead would make it allocate a fresh
 * direct ByteBuffer per tensor, which cannot exceed 2 GiB (the gemma-2-2b fp32 embedding is 2.36
 * GB), counts against the JVM's direct-memory limit (default: the heap size) for as long as the
 * weight lives, and is freed only by the garbage collector.
 */
final class DeviceWeights {
  /** Size of the staging buffer, i.e. of the largest block of rows copied at once. */
  static final int STAGING_BYTES = 64 << 20;

  /**
   * Host bytes uploaded between two garbage-collection requests. Each tensor's host copy is garbage
   * once uploaded, but large arrays live outside G1's young generation, so without a request the
   * heap grows towards -Xmx (a quarter of RAM by default) before they are reclaimed: measured on
   * the random gemma-2-2b, 17 GB peak resident instead of the 10.5 GB the engine holds.
   */
  static final long GC_EVERY_BYTES = 1L << 30;

  final NDArray embed; // [vocab, dModel], unscaled: the embedding (times sqrt(dModel)) and the tied
  // unembedding
  final NDArray finalNorm; // [dModel]
  final List<LayerTensors> layers;
  final DataType dtype; // of the matrices and of every activation

  private DeviceWeights(
      NDArray embed, NDArray finalNorm, List<LayerTensors> layers, DataType dtype) {
    this.embed = embed;
    this.finalNorm = finalNorm;
    this.layers = List.copyOf(layers);
    this.dtype = dtype;
  }

  /**
   * Reads every expected tensor, checks its shape, and creates it in {@code manager} in {@code
   * dtype} (FLOAT32, BFLOAT16 or FLOAT16).
   */
  static DeviceWeights load(ModelWeights source, NDManager manager, DataType dtype)
      throws WeightsException {
    ModelConfig c = source.config();
    Uploader up = new Uploader(source, manager, STAGING_BYTES, dtype);
    NDArray embed = up.tensor("model.embed_tokens.weight", c.vocabSize(), c.dModel());
    List<LayerTensors> layers = new ArrayList<>(c.nLayers());
    long d = c.dModel();
    long q = (long) c.nHeads() * c.headDim();
    long kv = (long) c.nKvHeads() * c.headDim();
    for (int l = 0; l < c.nLayers(); l++) {
      String p = "model.layers." + l + ".";
      NDArray qkv =
          up.stacked(
              d,
              new String[] {
                p + "self_attn.q_proj.weight",
                p + "self_attn.k_proj.weight",
                p + "self_attn.v_proj.weight"
              },
              new long[] {q, kv, kv});
      NDArray gateUp =
          up.stacked(
              d,
              new String[] {p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"},
              new long[] {c.dMlp(), c.dMlp()});
      layers.add(
          new LayerTensors(
              up.norm(p + "input_layernorm.weight", d),
              qkv,
              c.qkNorm() ? up.norm(p + "self_attn.q_norm.weight", c.headDim()) : null,
              c.qkNorm() ? up.norm(p + "self_attn.k_norm.weight", c.headDim()) : null,
              up.tensor(p + "self_attn.o_proj.weight", d, q),
              up.norm(p + "post_attention_layernorm.weight", d),
              up.norm(p + "pre_feedforward_layernorm.weight", d),
              gateUp,
              up.tensor(p + "mlp.down_proj.weight", d, c.dMlp()),
              up.norm(p + "post_feedforward_layernorm.weight", d)));
    }
    NDArray finalNorm = up.norm("model.norm.weight", d);
    return new DeviceWeights(embed, finalNorm, layers, dtype);
  }

  /** Creates an engine-owned fp32 array from host data, copying through a staging buffer. */
  static NDArray createInBlocks(
      NDManager manager, FloatBuffer data, int stagingBytes, long... shape) {
    NDArray out = manager.create(new Shape(shape), DataType.FLOAT32);
    new Uploader(null, manager, stagingBytes, DataType.FLOAT32).copyRows(out, 0, data, shape);
    return out;
  }

  /** Copies host tensors into engine-allocated arrays, one staging block at a time. */
  private static final class Uploader {
    private final ModelWeights source;
    private final NDManager manager;
    private final ByteBuffer staging;
    private final DataType dtype;
    private long sinceGc;

    Uploader(ModelWeights source, NDManager manager, int stagingBytes, DataType dtype) {
      this.source = source;
      this.manager = manager;
      this.staging = ByteBuffer.allocateDirect(stagingBytes).order(ByteOrder.nativeOrder());
      this.dtype = dtype;
    }

    /** One matrix of the given shape, in the compute precision. */
    NDArray tensor(String name, long... shape) throws WeightsException {
      maybeCollect(); // before reading: the previous host copies are unreachable by now
      NDArray out = manager.create(new Shape(shape), DataType.FLOAT32);
      copyRows(out, 0, read(name, shape), shape);
      return inPrecision(out);
    }

    /** {@code fp32} in the compute precision; the fp32 copy is freed when they differ. */
    private NDArray inPrecision(NDArray fp32) {
      NDArray out = Precision.to(fp32, dtype);
      if (out != fp32) {
        fp32.close();
      }
      return out;
    }

    /**
     * An RMSNorm scale {@code 1 + w} (folded on the host), kept in fp32 with {@code w} rounded to
     * the compute precision first.
     */
    NDArray norm(String name, long size) throws WeightsException {
      NDArray scale = manager.create(new Shape(size), DataType.FLOAT32);
      copyRows(scale, 0, read(name, new long[] {size}), new long[] {size});
      if (dtype == DataType.FLOAT32) {
        return scale;
      }
      try (NDArray w = scale.sub(1f);
          NDArray rounded = Precision.to(w, dtype);
          NDArray back = Precision.fp32(rounded)) {
        NDArray out = back.add(1f);
        scale.close();
        return out;
      }
    }

    /** Several [rows_i, cols] tensors stacked along rows into one [sum rows_i, cols] array. */
    NDArray stacked(long cols, String[] names, long[] rows) throws WeightsException {
      maybeCollect();
      long total = Arrays.stream(rows).sum();
      NDArray out = manager.create(new Shape(total, cols), DataType.FLOAT32);
      long at = 0;
      for (int i = 0; i < names.length; i++) {
        long[] shape = {rows[i], cols};
        copyRows(out, at, read(names[i], shape), shape);
        at += rows[i];
      }
      return inPrecision(out);
    }

    private FloatBuffer read(String name, long[] shape) throws WeightsException {
      HostTensor t = source.tensor(name);
      if (!Arrays.equals(t.shape(), shape)) {
        throw new WeightsException(
            source.origin(),
            name,
            "shape "
                + Arrays.toString(t.shape())
                + ", expected "
                + Arrays.toString(shape)
                + " for "
                + source.config().architecture());
      }
      sinceGc += t.size() * 4;
      return t.data();
    }

    /** Asks for a collection of the host copies already uploaded, about once per GiB. */
    private void maybeCollect() {
      if (sinceGc >= GC_EVERY_BYTES) {
        sinceGc = 0;
        System.gc();
      }
    }

    /** Copies {@code data} (shape {@code shape}) into rows {@code rowOffset..} of {@code out}. */
    void copyRows(NDArray out, long rowOffset, FloatBuffer data, long[] shape) {
      FloatBuffer src = data.slice(); // position 0, capacity = the tensor
      long rowFloats = 1;
      for (int i = 1; i < shape.length; i++) {
        rowFloats *= shape[i];
      }
      long rowsPerBlock = Math.max(1, staging.capacity() / 4 / rowFloats);
      if (rowFloats * 4 > staging.capacity()) {
        throw new IllegalArgumentException(
            "a row of " + rowFloats + " floats does not fit the staging buffer");
      }
      for (long row = 0; row < shape[0]; row += rowsPerBlock) {
        long rows = Math.min(rowsPerBlock, shape[0] - row);
        int floats = (int) (rows * rowFloats);
        staging.clear();
        staging.asFloatBuffer().put(src.slice((int) (row * rowFloats), floats));
        staging.limit(floats * 4);
        long[] blockShape = shape.clone();
        blockShape[0] = rows;
        // DJL wraps a direct buffer without copying; set() copies it into the engine's array
        // before the staging buffer is reused.
        try (NDArray block = manager.create(staging, new Shape(blockShape), DataType.FLOAT32)) {
          long from = rowOffset + row;
          out.set(new NDIndex(from + ":" + (from + rows)), block);
        }
      }
    }
  }
}
