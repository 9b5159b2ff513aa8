package dev.saescope.cli;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.UsageMessageSpec;

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
      dev.saescope.broker.cli.BrokerCommand.class,
      dev.saescope.common.cli.TailCommand.class,
      dev.saescope.producer.cli.ProduceCommand.class,
      dev.saescope.worker.cli.WorkerCommand.class,
      dev.saescope.aggregator.cli.AggregateCommand.class,
      dev.saescope.aggregator.cli.ExportCommand.class,
      dev.saescope.aggregator.cli.AnalyzeCommand.class,
      dev.saescope.lab.cli.FetchModelCommand.class,
      dev.saescope.lab.cli.InspectModelCommand.class,
      dev.saescope.lab.cli.MakeRandomModelCommand.class,
      dev.saescope.cli.BenchCommand.class,
      dev.saescope.lab.cli.SaeEncodeCommand.class,
      dev.saescope.lab.cli.TrainSaeCommand.class,
      dev.saescope.lab.cli.SaeEvalCommand.class,
      dev.saescope.lab.cli.FetchSaeCommand.class,
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

  /**
   * Runs the command and exits with its code. An Error escaping a command (a class missing from a
   * broken install, out of memory) still ends the process: the broker's and the stream's non-daemon
   * threads would otherwise keep it alive with nothing left to stop them.
   */
  public static void main(String[] args) {
    int code;
    try {
      code = commandLine().execute(args);
    } catch (Throwable t) {
      t.printStackTrace();
      code = 70; // EX_SOFTWARE
    }
    System.exit(code);
  }

  /** The command tree, with a command list of one line per command. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
    return cl;
  }

  /** {@code name first sentence of its header or description}, one line each. */
  static String commandList(CommandLine.Help help) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, CommandLine.Help> e : help.subcommands().entrySet()) {
      UsageMessageSpec usage = e.getValue().commandSpec().usageMessage();
      String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
      out.append(String.format("  %-18s %s%n", e.getKey(), firstSentence(String.join(" ", lines))));
    }
    return out.toString();
  }

  /**
   * Up to the first full stop before a capital letter, or a colon; at most about 100 characters.
   */
  static String firstSentence(String text) {
    String t = text.replace("%n", " ").strip().replaceAll("\\s+", " ");
    Matcher m = Pattern.compile("(\\.\\s+(?=[A-Z])|:\\s)").matcher(t);
    if (m.find()) {
      t = t.substring(0, m.start());
    }
    t = t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
    if (t.length() > 100) {
      t = t.substring(0, t.lastIndexOf(' ', 97)) + " ...";
    }
    return t;
  }
}
