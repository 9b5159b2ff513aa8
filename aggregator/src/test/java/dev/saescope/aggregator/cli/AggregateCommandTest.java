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
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new AggregateCommand());
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("--cache-mb", "-1", "--bootstrap-servers", "127.0.0.1:1");
    assertEquals(1, code, err.toString());
    assertTrue(err.toString().contains("--cache-mb"), err.toString());
    assertTrue(err.toString().contains("-1"), err.toString());
  }
}
