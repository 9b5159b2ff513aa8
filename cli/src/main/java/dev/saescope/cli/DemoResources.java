package dev.saescope.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.stream.Stream;

/**
 * What the demo has started, closed in reverse order exactly once: when the demo returns or when
 * the JVM is asked to exit (Ctrl-C, SIGTERM), whichever comes first. A second caller waits until
 * the first has finished, so the JVM does not exit while a worker is still stopping.
 */
final class DemoResources implements AutoCloseable {
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Thread hook = new Thread(this::closeOnSignal, "saescope-demo-shutdown");
  private volatile boolean closing;

  private DemoResources() {}

  static DemoResources closedOnExit() {
    DemoResources r = new DemoResources();
    Runtime.getRuntime().addShutdownHook(r.hook);
    return r;
  }

  /** Registers {@code resource} to be closed; returns it. */
  synchronized <T extends AutoCloseable> T add(T resource) {
    started.push(resource);
    return resource;
  }

  /** A new temporary folder, deleted with everything in it on close. */
  Path tempFolder(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    add(() -> delete(dir));
    return dir;
  }

  @Override
  public void close() {
    closeAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already exiting: the hook has run or is running closeAll
    }
  }

  /** Whether closing has begun: a worker exiting now is being stopped, not failing. */
  boolean closing() {
    return closing;
  }

  private void closeOnSignal() {
    System.err.printf(
        "%ndemo: stopping: the workers finish their batch in flight (up to %d s), then the"
            + " aggregator and the broker stop%n",
        WorkerProcesses.SHUTDOWN_SECONDS);
    closeAll();
  }

  private synchronized void closeAll() {
    closing = true;
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        System.err.println("demo: while stopping: " + e);
      }
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
