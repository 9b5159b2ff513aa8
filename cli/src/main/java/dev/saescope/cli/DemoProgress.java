package dev.saescope.cli;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * The demo's one progress line: tasks analysed of those expected, tasks/s and tokens/s over the
 * last two minutes, and the time left at that rate. On a terminal the line is rewritten in place
 * every second; otherwise (a log, CI) a new line is printed every 15 seconds and when all are done.
 */
final class DemoProgress {
  /** Workers report per micro-batch, up to a minute apart on a small machine: average over two. */
  private static final long WINDOW_NANOS = 120_000_000_000L;

  private record Sample(long nanos, long tasks, long tokens) {}

  private final PrintWriter out;
  private final boolean terminal;
  private final ArrayDeque<Sample> window = new ArrayDeque<>();
  private long lastPrint = Long.MIN_VALUE;
  private int lastWidth;

  DemoProgress(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** Records the counts now and prints the line when it is due, and always once all are done. */
  void update(long done, long expected, long tokens) {
    long now = System.nanoTime();
    window.addLast(new Sample(now, done, tokens));
    while (window.size() > 2 && now - window.peekFirst().nanos() > WINDOW_NANOS) {
      window.removeFirst();
    }
    long every = terminal ? 1_000_000_000L : 15_000_000_000L;
    if (done < expected && lastPrint != Long.MIN_VALUE && now - lastPrint < every) {
      return;
    }
    lastPrint = now;
    Sample first = window.peekFirst();
    double seconds = (now - first.nanos()) / 1e9;
    double taskRate = seconds > 0 ? (done - first.tasks()) / seconds : 0;
    double tokenRate = seconds > 0 ? (tokens - first.tokens()) / seconds : 0;
    String line = line(done, expected, taskRate, tokenRate);
    if (terminal) {
      out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
      lastWidth = line.length();
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** Ends the line in place on a terminal. */
  void finish() {
    if (terminal && lastWidth > 0) {
      out.println();
      out.flush();
    }
  }

  static String line(long done, long expected, double tasksPerSecond, double tokensPerSecond) {
    String eta =
        tasksPerSecond > 0 && done < expected
            ? duration((long) Math.ceil((expected - done) / tasksPerSecond))
            : done >= expected ? "0s" : "–";
    return String.format(
        Locale.ROOT,
        "  %d/%d tasks analysed (%d%%)  %.2f tasks/s  %.0f tokens/s  ETA %s",
        done,
        expected,
        expected == 0 ? 100 : 100 * done / expected,
        tasksPerSecond,
        tokensPerSecond,
        eta);
  }

  /** {@code 4m05s}, {@code 1h02m}, {@code 12s}. */
  static String duration(long seconds) {
    if (seconds >= 3600) {
      return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }
    if (seconds >= 60) {
      return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
    }
    return seconds + "s";
  }
}
