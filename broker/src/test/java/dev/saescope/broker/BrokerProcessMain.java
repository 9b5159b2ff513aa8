package dev.saescope.broker;

import dev.saescope.broker.cli.BrokerCommand;
import picocli.CommandLine;

/**
 * Runs {@code saescope broker} in a child JVM, as a user starts it (the cli module is downstream).
 */
public final class BrokerProcessMain {
  private BrokerProcessMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new BrokerCommand()).execute(args));
  }
}
