package dev.saescope.runtime.model;

import ai.djl.Device;

/**
 * Where the full-vocabulary lens ({@link GemmaModel#lensStats}) reduces its {@code [rows, vocab]}
 * fp32 logits after the engine's unembedding. Both give the same top-1 and ranks and the same
 * log-probabilities and KL up to fp32 rounding ({@code LensReductionTest}).
 */
public enum LensReduction {
  /** libtorch ops on the logits' device: the only choice on a GPU. */
  ENGINE,
  /**
   * Java's Vector API over the logits in place in CPU memory, one cache-resident row at a time
   * ({@code VectorLensKernel}); needs the JVM flag {@code --add-modules jdk.incubator.vector}.
   */
  VECTOR;

  private static final boolean VECTOR_API =
      ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  /** {@link #VECTOR} for CPU logits when the JVM has the Vector API, {@link #ENGINE} otherwise. */
  public static LensReduction preferred(Device device) {
    return Device.Type.CPU.equals(device.getDeviceType()) && VECTOR_API ? VECTOR : ENGINE;
  }

  /**
   * Checks that this reduction can run on {@code device}.
   *
   * @throws IllegalArgumentException for {@link #VECTOR} off the CPU or without the Vector API
   */
  void checkFor(Device device) {
    if (this == VECTOR && !Device.Type.CPU.equals(device.getDeviceType())) {
      throw new IllegalArgumentException(
          "the VECTOR lens reduction reads logits in CPU memory; the model is on " + device);
    }
    if (this == VECTOR && !VECTOR_API) {
      throw new IllegalArgumentException(
          "the VECTOR lens reduction needs the JVM flag --add-modules jdk.incubator.vector");
    }
  }
}
