package dev.saescope.runtime.model;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch settings, applied once before the engine starts: call {@link #apply()} before the first
 * use of DJL's engine ({@link GemmaModel#load} does). Explicit {@code -D} settings and environment
 * variables win.
 *
 * <p>OpenMP's wait policy is read by libgomp from the C environment when the library loads (with
 * the engine). Measured on this 2-core machine while other processes competed for the cores (Gemma
 * 3 270M, batch 8 x 128, 2 threads): 57 tokens/s with the default spinning workers, 251 tokens/s
 * with {@code OMP_WAIT_POLICY=PASSIVE}: each of the ~900 ops of a pass otherwise waits for a
 * spinning worker that the OS has descheduled. So unless the variable is set, we set it in the
 * process's C environment ({@code setenv}, through the Foreign Function API on Java 22+, looked up
 * reflectively because the code targets Java 21); where that is impossible we warn.
 */
public final class EngineSettings {
  private static final Logger LOG = LoggerFactory.getLogger(EngineSettings.class);
  private static boolean applied;

  private EngineSettings() {}

  /** Thread and wait-policy settings; idempotent, effective only before the engine loads. */
  public static synchronized void apply() {
    if (applied) {
      return;
    }
    applied = true;
    // Intra-op threads parallelise each matmul and elementwise op: use every core we are given.
    setIfAbsent(
        "ai.djl.pytorch.num_threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
    // The forward pass issues ops one after another from one Java thread: no inter-op parallelism
    // to exploit, and a second pool would only compete for the same cores.
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    if (System.getenv("OMP_WAIT_POLICY") == null) {
      if (setenv("OMP_WAIT_POLICY", "PASSIVE")) {
        LOG.debug("set OMP_WAIT_POLICY=PASSIVE for libgomp");
      } else {
        LOG.warn(
            "OMP_WAIT_POLICY is not set and could not be set from Java: on a machine shared with other"
                + " busy processes PyTorch's spinning OpenMP workers can slow the forward pass"
                + " several-fold; export OMP_WAIT_POLICY=PASSIVE before starting the JVM");
      }
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /**
   * {@code setenv(name, value, 0)} in the C library, through java.lang.foreign (final since Java
   * 22). Returns false on Java 21, without native access, or on any failure.
   */
  static boolean setenv(String name, String value) {
    try {
      Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
      Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
      Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
      Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
      Class<?> valueLayoutC = Class.forName("java.lang.foreign.ValueLayout");
      Class<?> descriptorC = Class.forName("java.lang.foreign.FunctionDescriptor");
      Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
      Class<?> arenaC = Class.forName("java.lang.foreign.Arena");
      Class<?> allocatorC = Class.forName("java.lang.foreign.SegmentAllocator");

      Object linker = linkerC.getMethod("nativeLinker").invoke(null);
      Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
      Optional<?> symbol =
          (Optional<?>) lookupC.getMethod("find", String.class).invoke(lookup, "setenv");
      if (symbol.isEmpty()) {
        return false;
      }
      Object jint = valueLayoutC.getField("JAVA_INT").get(null);
      Object address = valueLayoutC.getField("ADDRESS").get(null);
      Object layouts = Array.newInstance(layoutC, 3);
      Array.set(layouts, 0, address);
      Array.set(layouts, 1, address);
      Array.set(layouts, 2, jint);
      Object descriptor =
          descriptorC.getMethod("of", layoutC, layouts.getClass()).invoke(null, jint, layouts);
      MethodHandle setenv =
          (MethodHandle)
              linkerC
                  .getMethod(
                      "downcallHandle",
                      segmentC,
                      descriptorC,
                      Array.newInstance(optionC, 0).getClass())
                  .invoke(linker, symbol.get(), descriptor, Array.newInstance(optionC, 0));
      Object arena = arenaC.getMethod("global").invoke(null); // the strings must outlive the call
      Object n = allocatorC.getMethod("allocateFrom", String.class).invoke(arena, name);
      Object v = allocatorC.getMethod("allocateFrom", String.class).invoke(arena, value);
      int rc = (int) setenv.invokeWithArguments(n, v, 0);
      return rc == 0;
    } catch (Throwable e) { // Java 21 (preview API), restricted access, or no libc symbol
      LOG.debug("setenv through java.lang.foreign failed: {}", e.toString());
      return false;
    }
  }
}
