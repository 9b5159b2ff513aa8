package dev.saescope.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.broker.cli.BrokerCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** A broker that cannot start says why, naming the directory or port. */
class BrokerBadInputTest {
  @TempDir Path dir;

  @Test
  void dataDirThatIsAFileIsNamed() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    var e =
        assertThrows(
            BrokerStartException.class, () -> EmbeddedBroker.start(EmbeddedBroker.Config.at(file)));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void corruptMetaPropertiesIsNamed() throws Exception {
    Path logs = Files.createDirectories(dir.resolve("kafka-logs"));
    Files.writeString(logs.resolve("meta.properties"), "this is not what Kafka wrote\n");
    var e =
        assertThrows(
            BrokerStartException.class, () -> EmbeddedBroker.start(EmbeddedBroker.Config.at(dir)));
    assertTrue(e.getMessage().contains(logs.toString()), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {99999, 65536, -5})
  void portOutsideTheRangeIsRefusedWithExit2(int port) {
    StringWriter err = new StringWriter();
    int exit =
        new CommandLine(new BrokerCommand())
            .setErr(new PrintWriter(err))
            .execute("--port", Integer.toString(port), "--data-dir", dir.toString());
    assertEquals(2, exit, err.toString());
    assertTrue(
        err.toString().contains("--port " + port + " is not a port: give 0..65535"),
        err.toString());
    assertFalse(err.toString().contains("Exception"), err.toString());
  }

  @Test
  void portInUseIsACleanExit() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      StringWriter err = new StringWriter();
      int exit =
          new CommandLine(new BrokerCommand())
              .setErr(new PrintWriter(err))
              .execute(
                  "--port", Integer.toString(taken.getLocalPort()), "--data-dir", dir.toString());
      assertEquals(1, exit);
      assertTrue(
          err.toString()
              .contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"),
          err.toString());
    }
  }
}
