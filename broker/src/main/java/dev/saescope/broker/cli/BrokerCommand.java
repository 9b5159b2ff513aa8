package dev.saescope.broker.cli;

import dev.saescope.broker.BrokerStartException;
import dev.saescope.broker.EmbeddedBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./saescope broker}: a real single-node Kafka in the foreground until Ctrl-C. */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Run a single-node Kafka broker (KRaft, broker and controller in one process) on 127.0.0.1 until Ctrl-C.",
      "The first start formats DIR; later starts on the same DIR keep every topic and message.",
      "Only one broker at a time may use DIR: another is refused while one runs."
    },
    footer = {
      "",
      "Exit codes: 1 cannot start (port in use, DIR in use by another broker, DIR",
      "unreadable); 2 bad options (--port outside 0..65535, --start-timeout below 1)."
    })
public final class BrokerCommand implements Callable<Integer> {
  @Option(
      names = "--port",
      paramLabel = "P",
      defaultValue = "9092",
      description = "Client port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "${env:SAESCOPE_KAFKA_DIR:-${sys:user.home}/.saescope/kafka}",
      description =
          "Where the broker keeps its data (default: $SAESCOPE_KAFKA_DIR, else ~/.saescope/kafka).")
  Path dataDir;

  @Option(
      names = "--start-timeout",
      paramLabel = "SECONDS",
      defaultValue = "60",
      description = "How long to wait for the broker to serve (default: ${DEFAULT-VALUE}).")
  int startTimeoutSeconds;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (port < 0 || port > 65535) {
      err.println("saescope broker: --port " + port + " is not a port: give 0..65535");
      return 2;
    }
    if (startTimeoutSeconds < 1) {
      err.println(
          "saescope broker: --start-timeout " + startTimeoutSeconds + " must be at least 1 second");
      return 2;
    }
    if (port != 0 && !portFree(port)) {
      err.println(
          "saescope broker: port "
              + port
              + " on 127.0.0.1 is already in use"
              + " (another broker running? pick one with --port, or --port 0 for any free port)");
      return 1;
    }
    EmbeddedBroker broker;
    try {
      broker =
          EmbeddedBroker.start(
              new EmbeddedBroker.Config(
                  dataDir, port, Duration.ofSeconds(startTimeoutSeconds), Map.of()));
    } catch (BrokerStartException e) {
      err.println("saescope broker: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGINT/SIGTERM run shutdown hooks: stop Kafka cleanly (flushes logs, so the next start is
    // fast).
    Thread hook =
        new Thread(
            () -> {
              err.println("saescope broker: stopping ...");
              err.flush();
              broker.close();
              stopped.countDown();
            },
            "broker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(
        "Kafka broker ready at "
            + broker.bootstrapServers()
            + " (data "
            + broker.logDir()
            + (broker.formattedNow() ? ", newly formatted" : ", existing data")
            + "). Ctrl-C stops it.");
    out.println("Use it with: --bootstrap-servers " + broker.bootstrapServers());
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      broker.close();
    }
    return 0;
  }

  private static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
