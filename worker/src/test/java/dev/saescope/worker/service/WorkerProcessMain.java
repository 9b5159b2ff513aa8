package dev.saescope.worker.service;

import dev.saescope.worker.cli.WorkerCommand;
import picocli.CommandLine;

/**
 * Runs {@code saescope worker} in a child JVM for the fault test (the cli module is downstream).
 */
public final class WorkerProcessMain {
  private WorkerProcessMain() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new WorkerCommand()).execute(args));
  }
}
