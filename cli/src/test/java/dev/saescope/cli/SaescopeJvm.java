package dev.saescope.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code saescope ...} as its own JVM on the test class path, as users start it. */
final class SaescopeJvm {
  private SaescopeJvm() {}

  /**
   * The command line of {@code saescope args}. A small initial heap collects early, so {@code
   * jvm_gc_pause} exists in every role the monitoring tests scrape.
   */
  static List<String> command(String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms32m",
                "-Xmx768m",
                "-Dai.djl.offline=true",
                "--enable-native-access=ALL-UNNAMED",
                "--add-modules=jdk.incubator.vector", // the lens's Vector API kernel, as ./saescope
                // runs it
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** A port nothing listens on now. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
