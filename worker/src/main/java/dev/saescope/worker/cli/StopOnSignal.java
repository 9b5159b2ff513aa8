package dev.saescope.worker.cli;

import dev.saescope.worker.service.WorkerLoop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's SIGTERM and Ctrl-C handling while its loop runs: a shutdown hook that stops the loop
 * after the batch in flight and waits for the command to return.
 *
 * <p>A signal makes the JVM exit with 128 + its number (143, 130) once the hooks are done, whatever
 * {@code main} passes to {@code System.exit}. So when the worker is the process's own command
 * (called on the JVM's main thread, as {@code saescope worker} is), the hook ends the process with
 * the code the command returned: 0, as its help documents. A worker run in-process on another
 * thread (the demo) leaves the exit to its host.
 */
final class StopOnSignal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StopOnSignal.class);

  private final Thread hook;

  private StopOnSignal(Thread hook) {
    this.hook = hook;
  }

  /**
   * Registers the hook; call on the thread that runs the command.
   *
   * @param returned completed with the command's exit code once it has returned (null if it threw)
   */
  static StopOnSignal install(
      WorkerLoop loop, Duration timeout, CompletableFuture<Integer> returned) {
    Thread caller = Thread.currentThread();
    Thread hook =
        new Thread(() -> stop(loop, timeout, returned, caller), "saescope-worker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return new StopOnSignal(hook);
  }

  private static void stop(
      WorkerLoop loop, Duration timeout, CompletableFuture<Integer> returned, Thread caller) {
    LOG.info(
        "signal: stopping after the batch in flight (waiting up to {} s)", timeout.toSeconds());
    loop.stop();
    Integer code;
    try {
      code = returned.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn(
          "the batch in flight did not finish within {} s; its transaction will be aborted",
          timeout.toSeconds());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (ExecutionException e) {
      return; // only ever completed normally
    }
    if (code != null && "main".equals(caller.getName())) {
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(code);
    }
  }

  /** Removes the hook once the loop has returned without a signal. */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // A signal: the hook is what stopped the loop, and it is waiting for the command to return.
    }
  }
}
