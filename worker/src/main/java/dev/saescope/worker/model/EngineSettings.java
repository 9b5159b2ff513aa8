package dev.saescope.worker.model;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch thread settings, applied once before the engine starts (DJL's PtEngine reads these system
 * properties when it initialises). Explicit {@code -D} settings win.
 *
 * <p>OpenMP's wait policy can only be set through the environment ({@code OMP_WAIT_POLICY}, read
 * by libgomp when it loads). Measured on this 2-core machine while other processes competed for
 * the cores (Gemma 3 270M, batch 8 x 128, 2 threads): 57 tokens/s with the default spinning
 * workers, 251 tokens/s with {@code OMP_WAIT_POLICY=PASSIVE}, because every one of the ~900 ops of
 * a pass otherwise waits for a spinning worker that the OS has descheduled. Launchers should
 * export it; we warn when it is missing.
 */
final class EngineSettings {
  private static final Logger LOG = LoggerFactory.getLogger(EngineSettings.class);
  private static boolean applied;

  private EngineSettings() {}

  static synchronized void apply() {
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
    if (System.getenv("OMP_WAIT_POLICY") == null
        && !"1".equals(System.getProperty("ai.djl.pytorch.num_threads"))) {
      LOG.warn(
          "OMP_WAIT_POLICY is not set: on a machine shared with other busy processes PyTorch's"
              + " spinning OpenMP workers can slow the forward pass several-fold;"
              + " export OMP_WAIT_POLICY=PASSIVE before starting the JVM");
    }
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
