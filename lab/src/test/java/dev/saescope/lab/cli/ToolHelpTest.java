package dev.saescope.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The help of fetch-sae, make-random-model, sae-encode and sae-eval: picocli passes every
 * description line through {@link String#format}, and a lone {@code %} makes it print "[picocli
 * WARN] Could not format ..." instead of the help alone.
 */
class ToolHelpTest {
  private static final List<Object> COMMANDS =
      List.of(
          new FetchSaeCommand(),
          new MakeRandomModelCommand(),
          new SaeEncodeCommand(),
          new SaeEvalCommand());

  /** Before: fetch-sae's "over the last 20%, context 128" did not format. */
  @Test
  void everyDescriptionLineFormats() {
    for (Object command : COMMANDS) {
      CommandSpec spec = new CommandLine(command).getCommandSpec();
      List<String> lines = new ArrayList<>(List.of(spec.usageMessage().description()));
      for (OptionSpec o : spec.options()) {
        lines.addAll(List.of(o.description()));
      }
      for (String line : lines) {
        try {
          String.format(line);
        } catch (IllegalFormatException e) {
          fail(spec.name() + ": help line does not format (" + e + "): " + line);
        }
      }
    }
  }

  @Test
  void fetchSaeHelpShowsThePercentSign() {
    CommandRun r = CommandRun.run(new FetchSaeCommand(), "--help");
    assertEquals(0, r.code());
    String help = r.out().replaceAll("\\s+", " ");
    assertTrue(help.contains("over the last 20%, context 128"), help);
    assertTrue(r.err().isEmpty(), r.err());
  }
}
