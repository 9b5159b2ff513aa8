package dev.saescope.runtime.device;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * The resolved {@code --dtype} and {@code --device} of a run: what the model and the SAEs run in,
 * and what results and reports record as their dtype.
 *
 * @param dtype the precision of weights and activations
 * @param device the engine device of the weights and of every array of a batch
 */
public record ComputeTarget(ComputeDtype dtype, Device device) {
  /** What every caller got before the options existed: fp32 on the CPU. */
  public static final ComputeTarget DEFAULT = new ComputeTarget(ComputeDtype.FP32, Device.cpu());

  /**
   * Resolves the option texts: {@code auto} device asks the PyTorch engine for its GPU count,
   * {@code auto} dtype reads this machine's CPU flags ({@link CpuFeatures#detect}).
   *
   * @throws IllegalArgumentException naming the option whose value is not accepted
   */
  public static ComputeTarget resolve(String dtype, String device) {
    DtypeChoice dtypeChoice = DtypeChoice.parse(dtype);
    DeviceChoice deviceChoice = DeviceChoice.parse(device);
    int gpus = 0;
    if (!deviceChoice.equals(DeviceChoice.CPU)) {
      EngineSettings.apply(); // before the engine starts
      gpus = Engine.getEngine("PyTorch").getGpuCount();
    }
    Device resolved = deviceChoice.resolve(gpus);
    return new ComputeTarget(dtypeChoice.resolve(resolved, CpuFeatures.detect()), resolved);
  }

  /** For logs and reports: e.g. {@code bf16 on gpu(0)}. */
  @Override
  public String toString() {
    return dtype.label() + " on " + device;
  }
}
