package dev.saescope.common.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  @Test
  void rendersCountRateAndEta() {
    AtomicLong now = new AtomicLong(0);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar("tasks", 100, new PrintStream(buf), true, now::get);
    now.set(2_000_000_000L);
    bar.advance(50);
    String line = bar.render();
    assertTrue(line.contains("50/100 tasks"), line);
    assertTrue(line.contains("25.0/s"), line);
    assertTrue(line.contains("ETA 0:02"), line);
    bar.close();
    assertTrue(buf.toString().endsWith("\n"), "close ends the line");
  }

  @Test
  void disabledBarPrintsNothingButCounts() {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar("tasks", -1, new PrintStream(buf), false, System::nanoTime);
    bar.advance(3);
    bar.close();
    assertEquals(3, bar.count());
    assertEquals("", buf.toString());
  }

  @Test
  void unknownTotalHasNoEta() {
    AtomicLong now = new AtomicLong(0);
    ProgressBar bar =
        new ProgressBar("items", -1, new PrintStream(new ByteArrayOutputStream()), true, now::get);
    now.set(1_000_000_000L);
    bar.advance(10);
    assertEquals("10 items  10.0/s  0:01", bar.render());
    assertEquals("1:01:01", ProgressBar.formatDuration(3661));
  }
}
