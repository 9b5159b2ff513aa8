package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo's options and progress line; whole runs are in {@link DemoProcessTest}. */
class DemoCommandTest {
  @TempDir Path dir;

  private String refused(int code, String... args) {
    StringWriter err = new StringWriter();
    int got =
        new CommandLine(new DemoCommand())
            .setErr(new PrintWriter(err))
            .setOut(new PrintWriter(new StringWriter()))
            .execute(args);
    assertEquals(code, got, err.toString());
    return err.toString();
  }

  @Test
  void badOptionsAreRefusedBeforeAnythingStarts() throws Exception {
    Path out = dir.resolve("runs");
    assertTrue(refused(1, "--items", "0", "--out", out.toString()).contains("--items"));
    assertTrue(refused(1, "--workers", "-1", "--out", out.toString()).contains("--workers"));
    assertTrue(refused(1, "--run-id", "a/b", "--out", out.toString()).contains("--run-id 'a/b'"));
    assertTrue(refused(1, "--http-port", "70000").contains("--http-port"));
    assertTrue(
        refused(1, "--metrics-port", "65530", "--workers", "2").contains("no port for 2 workers"));
    assertTrue(refused(1, "--timeout", "0").contains("--timeout"));
    String missing =
        refused(1, "--data", dir.resolve("nowhere").toString(), "--out", out.toString());
    assertTrue(missing.contains("no dataset at " + dir.resolve("nowhere")), missing);
    assertFalse(Files.exists(out), "nothing written for refused options");
  }

  @Test
  void theProgressLineSaysDoneOfExpectedRatesAndTimeLeft() {
    assertEquals(
        "  30/120 tasks analysed (25%)  1.50 tasks/s  21 tokens/s  ETA 1m00s",
        DemoProgress.line(30, 120, 1.5, 21.2));
    assertEquals(
        "  0/120 tasks analysed (0%)  0.00 tasks/s  0 tokens/s  ETA –",
        DemoProgress.line(0, 120, 0, 0));
    assertEquals(
        "  120/120 tasks analysed (100%)  2.00 tasks/s  30 tokens/s  ETA 0s",
        DemoProgress.line(120, 120, 2, 30));
    assertEquals("1h02m", DemoProgress.duration(3720));
    assertEquals("59s", DemoProgress.duration(59));
  }

  @Test
  void onATerminalTheLineIsRewrittenInPlace() {
    StringWriter s = new StringWriter();
    DemoProgress p = new DemoProgress(new PrintWriter(s), true);
    p.update(0, 10, 0);
    p.finish();
    assertTrue(s.toString().startsWith("\r  0/10 tasks analysed"), s.toString());
    assertTrue(s.toString().endsWith(System.lineSeparator()), s.toString());
  }
}
