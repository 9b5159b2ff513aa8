package dev.saescope.lab.bench;

import java.lang.management.ManagementFactory;

/**
 * CPU time consumed by this whole process (all threads: Java, PyTorch's OpenMP pool, GC), from
 * {@code com.sun.management.OperatingSystemMXBean#getProcessCpuTime}. On a machine shared with
 * other work, wall-clock rates swing with the load; CPU-time rates of compute-bound work do not, so
 * benchmarks report both.
 */
public final class ProcessCpu {
  private ProcessCpu() {}

  /** Process CPU time in nanoseconds, or -1 when the JVM does not report it. */
  public static long nanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}
