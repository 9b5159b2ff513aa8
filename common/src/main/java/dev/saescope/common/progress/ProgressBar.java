package dev.saescope.common.progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on stderr: count, total, rate and ETA, redrawn at most every 200 ms.
 * Silent when disabled ({@code --quiet}, or stderr is not a terminal), so logs and pipes stay
 * clean. Not thread-safe: one thread advances it.
 */
public final class ProgressBar implements AutoCloseable {
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int WIDTH = 30;

  private final String label;
  private final long total;
  private final PrintStream out;
  private final boolean enabled;
  private final LongSupplier clock;
  private final long startNanos;
  private long count;
  private long lastDraw;
  private boolean drawn;

  /**
   * @param label what is counted, e.g. "tasks"
   * @param total expected count, or a negative number when unknown (no bar, no ETA)
   * @param out where to draw (stderr in the CLI)
   * @param enabled whether to draw at all
   * @param clock nanosecond clock (tests pass a fake one)
   */
  public ProgressBar(
      String label, long total, PrintStream out, boolean enabled, LongSupplier clock) {
    this.label = label;
    this.total = total;
    this.out = out;
    this.enabled = enabled;
    this.clock = clock;
    this.startNanos = clock.getAsLong();
    this.lastDraw = startNanos - REDRAW_NANOS;
  }

  /** A bar on stderr, drawn only when not quiet and the process has an interactive terminal. */
  public static ProgressBar onStderr(String label, long total, boolean quiet) {
    return new ProgressBar(label, total, System.err, !quiet && interactive(), System::nanoTime);
  }

  /** Whether a human is probably watching: a console that is a terminal, and TERM is not dumb. */
  static boolean interactive() {
    java.io.Console console = System.console();
    if (console == null || "dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    // JDK 22+ returns a Console even when redirected and adds isTerminal(); we compile for 21.
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21: a non-null console means a terminal
    }
  }

  /** Counts {@code n} more and redraws when due. */
  public void advance(long n) {
    count += n;
    if (!enabled) {
      return;
    }
    long now = clock.getAsLong();
    if (now - lastDraw >= REDRAW_NANOS) {
      lastDraw = now;
      draw(now);
    }
  }

  /** Count so far. */
  public long count() {
    return count;
  }

  /** The line as it would be drawn now (tests, logs). */
  public String render() {
    return render(clock.getAsLong());
  }

  String render(long now) {
    double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
    double rate = count / seconds;
    StringBuilder sb = new StringBuilder();
    if (total > 0) {
      double frac = Math.min(1.0, (double) count / total);
      int filled = (int) Math.round(frac * WIDTH);
      sb.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ");
      sb.append(count).append('/').append(total).append(' ').append(label);
      sb.append(String.format(Locale.ROOT, " %5.1f%%", frac * 100));
    } else {
      sb.append(count).append(' ').append(label);
    }
    sb.append(String.format(Locale.ROOT, "  %.1f/s", rate));
    if (total > 0 && count > 0 && count < total) {
      sb.append("  ETA ").append(formatDuration((long) ((total - count) / rate)));
    }
    sb.append("  ").append(formatDuration((long) seconds));
    return sb.toString();
  }

  private void draw(long now) {
    // \r and clear-to-end-of-line redraw in place on any ANSI terminal.
    out.print("\r" + render(now) + "\u001b[K");
    out.flush();
    drawn = true;
  }

  /** Draws the final state and ends the line. */
  @Override
  public void close() {
    if (enabled) {
      draw(clock.getAsLong());
      if (drawn) {
        out.println();
      }
    }
  }

  static String formatDuration(long seconds) {
    long h = seconds / 3600;
    long m = (seconds % 3600) / 60;
    long s = seconds % 60;
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
        : String.format(Locale.ROOT, "%d:%02d", m, s);
  }
}
