package dev.saescope.runtime.device;

import ai.djl.Device;

/**
 * A parsed {@code --device}: {@code cpu}, {@code cuda}, {@code cuda:N}, or {@code auto} (the first
 * GPU when the engine sees one, else the CPU).
 *
 * @param kind "cpu", "cuda" or "auto"
 * @param index the GPU index for "cuda", else -1
 */
public record DeviceChoice(String kind, int index) {
  public static final DeviceChoice CPU = new DeviceChoice("cpu", -1);

  public DeviceChoice {
    if (!kind.equals("cpu") && !kind.equals("cuda") && !kind.equals("auto")) {
      throw new IllegalArgumentException("device kind " + kind + ": expected cpu, cuda or auto");
    }
    if (kind.equals("cuda") ? index < 0 : index != -1) {
      throw new IllegalArgumentException("device " + kind + " index " + index);
    }
  }

  /**
   * Parses {@code cpu|cuda[:N]|auto}.
   *
   * @throws IllegalArgumentException naming the option and the accepted forms
   */
  public static DeviceChoice parse(String text) {
    String t = text.strip().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("cpu") || t.equals("auto")) {
      return new DeviceChoice(t, -1);
    }
    if (t.equals("cuda") || t.equals("gpu")) {
      return new DeviceChoice("cuda", 0);
    }
    if (t.startsWith("cuda:")) {
      try {
        return new DeviceChoice("cuda", Integer.parseInt(t.substring(5)));
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException(
        "--device " + text + ": expected cpu, cuda, cuda:N (N = 0, 1, ...) or auto");
  }

  /**
   * The DJL device: for "auto", GPU 0 when {@code gpuCount > 0}, else the CPU.
   *
   * @throws IllegalArgumentException when "cuda:N" names a GPU the engine does not see
   */
  public Device resolve(int gpuCount) {
    return switch (kind) {
      case "cpu" -> Device.cpu();
      case "auto" -> gpuCount > 0 ? Device.gpu(0) : Device.cpu();
      default -> {
        if (index >= gpuCount) {
          throw new IllegalArgumentException(
              "--device cuda:"
                  + index
                  + ": the PyTorch engine sees "
                  + gpuCount
                  + " GPU(s); a CUDA build of pytorch-native is needed (README, GPU)");
        }
        yield Device.gpu(index);
      }
    };
  }
}
