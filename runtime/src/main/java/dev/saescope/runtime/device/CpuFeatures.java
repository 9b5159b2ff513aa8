package dev.saescope.runtime.device;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CPU flags that decide whether bf16 is fast here, read from {@code /proc/cpuinfo} at run time.
 * bf16 matmuls are fast only with AMX ({@code amx_bf16}) or AVX-512-BF16 ({@code avx512_bf16});
 * elsewhere oneDNN emulates them and they run slower than fp32.
 *
 * @param flags the flags of the first processor listed (all cores of a machine share them)
 */
public record CpuFeatures(Set<String> flags) {
  public CpuFeatures {
    flags = Set.copyOf(flags);
  }

  /** The flags of this machine; none when {@code /proc/cpuinfo} cannot be read (not Linux). */
  public static CpuFeatures detect() {
    try {
      return parse(Files.readString(Path.of("/proc/cpuinfo")));
    } catch (IOException | RuntimeException e) {
      return new CpuFeatures(Set.of());
    }
  }

  /** Parses cpuinfo text: the first {@code flags : ...} line (x86 Linux format). */
  public static CpuFeatures parse(String cpuinfo) {
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).strip().equals("flags")) {
        return new CpuFeatures(
            Arrays.stream(line.substring(colon + 1).strip().split("\\s+"))
                .filter(f -> !f.isEmpty())
                .collect(Collectors.toSet()));
      }
    }
    return new CpuFeatures(Set.of());
  }

  /** True when the CPU multiplies bf16 in hardware (AMX or AVX-512-BF16). */
  public boolean fastBf16() {
    return flags.contains("amx_bf16") || flags.contains("avx512_bf16");
  }
}
