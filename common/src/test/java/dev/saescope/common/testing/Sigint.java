package dev.saescope.common.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * For tests that press Ctrl-C on a child process (SIGINT). A process started in the background by a
 * shell without job control ({@code cmd &} in a script, {@code nohup}) inherits SIGINT ignored
 * (POSIX), every child after it too, and the JVM leaves an ignored SIGINT ignored, as under nohup:
 * such a child never sees the signal. GNU env's {@code --default-signal} starts the child with
 * SIGINT at its default again.
 */
public final class Sigint {
  private static Boolean envResets;

  private Sigint() {}

  /**
   * {@code command}, run by {@code env --default-signal=INT} when this process ignores SIGINT and
   * the system's env can reset it; otherwise unchanged.
   */
  public static List<String> restored(List<String> command) throws IOException {
    if (!ignoredBy(ProcessHandle.current().pid()) || !envResets()) {
      return command;
    }
    List<String> out = new ArrayList<>(List.of("env", "--default-signal=INT"));
    out.addAll(command);
    return out;
  }

  /** Whether process {@code pid} ignores SIGINT: bit 2 of SigIgn in /proc/PID/status (Linux). */
  public static boolean ignoredBy(long pid) throws IOException {
    Path status = Path.of("/proc/" + pid + "/status");
    if (!Files.isReadable(status)) {
      return false; // no procfs: assume the default
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseLong(line.substring(7).strip(), 16) & 0x2) != 0;
      }
    }
    return false;
  }

  private static synchronized boolean envResets() {
    if (envResets == null) {
      try {
        Process p = new ProcessBuilder("env", "--default-signal=INT", "true").start();
        envResets = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
      } catch (IOException e) {
        envResets = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        envResets = false;
      }
    }
    return envResets;
  }
}
