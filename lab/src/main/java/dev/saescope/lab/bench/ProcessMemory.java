package dev.saescope.lab.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Resident memory of this process from {@code /proc/self/status} (proc(5)): {@code VmHWM} is the
 * peak resident set size, {@code VmRSS} the current one. Both count the JVM heap, native (PyTorch)
 * allocations and touched file mappings alike, which is what must fit the machine.
 */
public final class ProcessMemory {
  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcessMemory() {}

  /** Peak resident set size in bytes, if the platform reports it. */
  public static OptionalLong peakRssBytes() {
    return field("VmHWM:");
  }

  /** Current resident set size in bytes, if the platform reports it. */
  public static OptionalLong currentRssBytes() {
    return field("VmRSS:");
  }

  private static OptionalLong field(String key) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(key)) {
          String[] parts = line.substring(key.length()).trim().split("\\s+");
          long kb = Long.parseLong(parts[0]);
          return OptionalLong.of(kb * 1024);
        }
      }
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty(); // not Linux, or /proc not mounted
    }
    return OptionalLong.empty();
  }
}
