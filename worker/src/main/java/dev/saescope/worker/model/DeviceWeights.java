package dev.saescope.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.saescope.worker.weights.GemmaTensors;
import dev.saescope.worker.weights.HostTensor;
import dev.saescope.worker.weights.ModelWeights;
import dev.saescope.worker.weights.WeightsException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Uploads a {@link ModelWeights} to the engine once, fusing q/k/v and gate/up for fewer matmuls. */
final class DeviceWeights {
  /**
   * Largest block uploaded at once. DJL copies a heap buffer through a direct ByteBuffer, which
   * cannot exceed 2 GiB; the gemma-2-2b fp32 embedding is 2.36 GB, so big tensors go up in row
   * blocks.
   */
  static final long MAX_BLOCK_BYTES = 256L << 20;

  final NDArray embed; // [vocab, dModel], unscaled: the embedding (times sqrt(dModel)) and the tied unembedding
  final NDArray finalNorm; // [dModel]
  final List<LayerTensors> layers;

  private DeviceWeights(NDArray embed, NDArray finalNorm, List<LayerTensors> layers) {
    this.embed = embed;
    this.finalNorm = finalNorm;
    this.layers = List.copyOf(layers);
  }

  /** Reads every expected tensor, checks its shape, and creates it in {@code manager}. */
  static DeviceWeights load(ModelWeights source, NDManager manager) throws WeightsException {
    ModelConfig c = source.config();
    NDArray embed = upload(source, manager, "model.embed_tokens.weight", c.vocabSize(), c.dModel());
    List<LayerTensors> layers = new ArrayList<>(c.nLayers());
    long q = (long) c.nHeads() * c.headDim();
    long kv = (long) c.nKvHeads() * c.headDim();
    for (int l = 0; l < c.nLayers(); l++) {
      String p = "model.layers." + l + ".";
      NDArray qkv =
          concatRows(
              upload(source, manager, p + "self_attn.q_proj.weight", q, c.dModel()),
              upload(source, manager, p + "self_attn.k_proj.weight", kv, c.dModel()),
              upload(source, manager, p + "self_attn.v_proj.weight", kv, c.dModel()));
      NDArray gateUp =
          concatRows(
              upload(source, manager, p + "mlp.gate_proj.weight", c.dMlp(), c.dModel()),
              upload(source, manager, p + "mlp.up_proj.weight", c.dMlp(), c.dModel()));
      layers.add(
          new LayerTensors(
              upload(source, manager, p + "input_layernorm.weight", c.dModel()),
              qkv,
              c.qkNorm() ? upload(source, manager, p + "self_attn.q_norm.weight", c.headDim()) : null,
              c.qkNorm() ? upload(source, manager, p + "self_attn.k_norm.weight", c.headDim()) : null,
              upload(source, manager, p + "self_attn.o_proj.weight", c.dModel(), q),
              upload(source, manager, p + "post_attention_layernorm.weight", c.dModel()),
              upload(source, manager, p + "pre_feedforward_layernorm.weight", c.dModel()),
              gateUp,
              upload(source, manager, p + "mlp.down_proj.weight", c.dModel(), c.dMlp()),
              upload(source, manager, p + "post_feedforward_layernorm.weight", c.dModel())));
    }
    NDArray finalNorm = upload(source, manager, "model.norm.weight", c.dModel());
    return new DeviceWeights(embed, finalNorm, layers);
  }

  /** Concatenates along dim 0 and frees the parts. */
  private static NDArray concatRows(NDArray... parts) {
    NDList list = new NDList(parts);
    NDArray out = NDArrays.concat(list, 0);
    list.close();
    return out;
  }

  private static NDArray upload(ModelWeights source, NDManager manager, String name, long... shape)
      throws WeightsException {
    HostTensor t = source.tensor(name);
    if (!Arrays.equals(t.shape(), shape)) {
      throw new WeightsException(
          source.origin(),
          name,
          "shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape)
              + " for " + source.config().architecture());
    }
    return create(manager, t.data(), shape);
  }

  /** Creates an fp32 array from host data, in row blocks of at most {@link #MAX_BLOCK_BYTES}. */
  static NDArray create(NDManager manager, FloatBuffer data, long... shape) {
    return createInBlocks(manager, data, MAX_BLOCK_BYTES, shape);
  }

  /**
   * Creates an fp32 array from host data. Above {@code maxBlockBytes} the rows go up block by block
   * into one preallocated array (in-place slice assignment), so the peak is one copy of the tensor
   * plus one block, not two copies as with a concatenation.
   */
  static NDArray createInBlocks(NDManager manager, FloatBuffer data, long maxBlockBytes, long... shape) {
    FloatBuffer src = data.slice(); // position 0, capacity = the tensor
    long rowFloats = 1;
    for (int i = 1; i < shape.length; i++) {
      rowFloats *= shape[i];
    }
    if (shape.length < 2 || rowFloats * shape[0] * 4 <= maxBlockBytes) {
      return manager.create(src, new Shape(shape));
    }
    long rowsPerBlock = Math.max(1, maxBlockBytes / 4 / rowFloats);
    NDArray out = manager.create(new Shape(shape), DataType.FLOAT32);
    for (long row = 0; row < shape[0]; row += rowsPerBlock) {
      long rows = Math.min(rowsPerBlock, shape[0] - row);
      FloatBuffer slice = src.slice((int) (row * rowFloats), (int) (rows * rowFloats));
      long[] blockShape = shape.clone();
      blockShape[0] = rows;
      try (NDArray block = manager.create(slice, new Shape(blockShape))) {
        out.set(new NDIndex(row + ":" + (row + rows)), block);
      }
    }
    return out;
  }

  /** All tensor names this class reads, for a fail-fast check of a source before uploading. */
  static List<String> names(ModelConfig c) {
    return GemmaTensors.expected(c).stream().map(GemmaTensors.Spec::name).toList();
  }
}
