package dev.saescope.runtime.device;

import ai.djl.Device;
import java.util.Locale;
import java.util.Optional;

/**
 * A parsed {@code --dtype}: one precision, or {@code auto}, which picks bf16 only where the device
 * runs it fast (CUDA, or a CPU with AMX / AVX-512-BF16 per {@link CpuFeatures}) and fp32 elsewhere.
 *
 * @param fixed the precision asked for, or empty for auto
 */
public record DtypeChoice(Optional<ComputeDtype> fixed) {
  public static final DtypeChoice FP32 = new DtypeChoice(Optional.of(ComputeDtype.FP32));

  /**
   * Parses {@code fp32|bf16|fp16|auto} (also {@code float32}, {@code bfloat16}, {@code float16}).
   */
  public static DtypeChoice parse(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "fp32", "float32", "f32" -> FP32;
      case "bf16", "bfloat16" -> new DtypeChoice(Optional.of(ComputeDtype.BF16));
      case "fp16", "float16", "f16", "half" -> new DtypeChoice(Optional.of(ComputeDtype.FP16));
      case "auto" -> new DtypeChoice(Optional.empty());
      default ->
          throw new IllegalArgumentException(
              "--dtype " + text + ": expected fp32, bf16, fp16 or auto");
    };
  }

  /** The precision to run on {@code device}: the fixed one, or auto's pick. */
  public ComputeDtype resolve(Device device, CpuFeatures cpu) {
    if (fixed.isPresent()) {
      return fixed.get();
    }
    return device.isGpu() || cpu.fastBf16() ? ComputeDtype.BF16 : ComputeDtype.FP32;
  }
}
