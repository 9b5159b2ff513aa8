package dev.saescope.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code saescope} command: one subcommand per role or tool. */
@Command(
    name = "saescope",
    mixinStandardHelpOptions = true,
    version = "saescope 0.1.0",
    description =
        "Sparse-autoencoder interpretability experiments on language models, streamed through Kafka.",
    subcommands = {
      CommandLine.HelpCommand.class,
      DemoCommand.class,
      dev.saescope.common.broker.BrokerCommand.class,
      dev.saescope.common.tail.TailCommand.class,
      dev.saescope.producer.cli.ProduceCommand.class,
      dev.saescope.worker.service.WorkerCommand.class,
      dev.saescope.worker.hub.FetchModelCommand.class,
      dev.saescope.worker.cli.InspectModelCommand.class,
      dev.saescope.worker.cli.MakeRandomModelCommand.class,
      dev.saescope.worker.cli.BenchCommand.class,
      dev.saescope.worker.sae.cli.SaeEncodeCommand.class,
      dev.saescope.worker.sae.cli.TrainSaeCommand.class,
      dev.saescope.worker.sae.cli.SaeEvalCommand.class,
    },
    footer = {
      "",
      "The ./saescope script also runs: test   the whole test suite (Maven, embedded Kafka broker)."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
