package dev.saescope.aggregator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code aggregate}: bad options exit 1 with a message naming the option, before any Kafka. */
class AggregateCommandTest {
  @Test
  void aNegativeRecordCacheIsRefusedNamingTheOption() {
    String err = refused("--cache-mb", "-1");
    assertTrue(err.contains("--cache-mb"), err);
    assertTrue(err.contains("-1"), err);
  }

  @Test
  void aCommitIntervalBelowOneMillisecondIsRefusedNamingTheOption() {
    String err = refused("--commit-interval-ms", "0");
    assertTrue(err.contains("--commit-interval-ms must be at least 1, got 0"), err);
  }

  /** What {@code aggregate} prints when it exits 1 on these options. */
  private static String refused(String option, String value) {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new AggregateCommand());
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(option, value, "--bootstrap-servers", "127.0.0.1:1");
    assertEquals(1, code, err.toString());
    return err.toString();
  }
}
