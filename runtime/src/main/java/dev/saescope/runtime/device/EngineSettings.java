package dev.saescope.runtime.device;

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
      Object jint = valueLayout("JAVA_INT");
      Object address = valueLayout("ADDRESS");
      MethodHandle setenv = downcall("setenv", jint, address, address, jint);
      Object arena = arena(); // the strings must outlive the call
      int rc = (int) setenv.invokeWithArguments(cString(arena, name), cString(arena, value), 0);
      return rc == 0;
    } catch (Throwable e) { // Java 21 (preview API), restricted access, or no libc symbol
      LOG.debug("setenv through java.lang.foreign failed: {}", e.toString());
      return false;
    }
  }

  /**
   * {@code getenv(name)} in the C library, which libgomp reads (Java's {@link System#getenv} is a
   * snapshot taken at start-up and never sees {@link #setenv}). Empty when unset or unavailable.
   */
  static Optional<String> getenv(String name) {
    try {
      Object address = valueLayout("ADDRESS");
      MethodHandle getenv = downcall("getenv", address, address);
      Object result = getenv.invokeWithArguments(cString(arena(), name));
      Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
      if ((long) segmentC.getMethod("address").invoke(result) == 0) {
        return Optional.empty();
      }
      Object whole = segmentC.getMethod("reinterpret", long.class).invoke(result, Long.MAX_VALUE);
      return Optional.of((String) segmentC.getMethod("getString", long.class).invoke(whole, 0L));
    } catch (Throwable e) {
      LOG.debug("getenv through java.lang.foreign failed: {}", e.toString());
      return Optional.empty();
    }
  }

  // java.lang.foreign through reflection: the code targets Java 21, where the API is a preview.

  private static Object valueLayout(String name) throws ReflectiveOperationException {
    return Class.forName("java.lang.foreign.ValueLayout").getField(name).get(null);
  }

  private static Object arena() throws ReflectiveOperationException {
    return Class.forName("java.lang.foreign.Arena").getMethod("global").invoke(null);
  }

  private static Object cString(Object arena, String s) throws ReflectiveOperationException {
    return Class.forName("java.lang.foreign.SegmentAllocator")
        .getMethod("allocateFrom", String.class)
        .invoke(arena, s);
  }

  /**
   * A downcall handle to the C library's {@code symbol} with the given return and argument layouts.
   */
  private static MethodHandle downcall(String symbol, Object returns, Object... args)
      throws ReflectiveOperationException {
    Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
    Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
    Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
    Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
    Class<?> descriptorC = Class.forName("java.lang.foreign.FunctionDescriptor");
    Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
    Object linker = linkerC.getMethod("nativeLinker").invoke(null);
    Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
    Optional<?> found =
        (Optional<?>) lookupC.getMethod("find", String.class).invoke(lookup, symbol);
    if (found.isEmpty()) {
      throw new ReflectiveOperationException("no C symbol " + symbol);
    }
    Object layouts = Array.newInstance(layoutC, args.length);
    for (int i = 0; i < args.length; i++) {
      Array.set(layouts, i, args[i]);
    }
    Object descriptor =
        descriptorC.getMethod("of", layoutC, layouts.getClass()).invoke(null, returns, layouts);
    Object options = Array.newInstance(optionC, 0);
    return (MethodHandle)
        linkerC
            .getMethod("downcallHandle", segmentC, descriptorC, options.getClass())
            .invoke(linker, found.get(), descriptor, options);
  }
}
