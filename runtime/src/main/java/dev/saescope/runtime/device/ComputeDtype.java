package dev.saescope.runtime.device;

import ai.djl.ndarray.types.DataType;

/**
 * The precision the model's weights and activations run in. Accumulations that decide results
 * (log-softmax, KL, ranks, SAE thresholds, cosine sums) are cast to fp32 whatever this is.
 */
public enum ComputeDtype {
  FP32("fp32", DataType.FLOAT32),
  BF16("bf16", DataType.BFLOAT16),
  FP16("fp16", DataType.FLOAT16);

  private final String label;
  private final DataType engineType;

  ComputeDtype(String label, DataType engineType) {
    this.label = label;
    this.engineType = engineType;
  }

  /** The name recorded in results and reports ({@code "fp32"}, {@code "bf16"}, {@code "fp16"}). */
  public String label() {
    return label;
  }

  /** The DJL data type of arrays in this precision. */
  public DataType engineType() {
    return engineType;
  }
}
