package dev.saescope.worker.model;

/**
 * PyTorch thread settings, applied once before the engine starts (DJL's PtEngine reads these system
 * properties when it initialises). Explicit {@code -D} settings win.
 */
final class EngineSettings {
  private EngineSettings() {}

  static synchronized void apply() {
    // Intra-op threads parallelise each matmul and elementwise op: use every core we are given.
    setIfAbsent(
        "ai.djl.pytorch.num_threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
    // The forward pass issues ops one after another from one Java thread: no inter-op parallelism
    // to exploit, and a second pool would only compete for the same cores.
    setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
