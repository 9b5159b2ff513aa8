package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code saescope --help} lists every command, one line each. */
class MainTest {
  @Test
  void helpListsEveryCommandOnOneLine() {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out));
    assertEquals(0, cl.execute("--help"));
    List<String> lines = Arrays.asList(out.toString().split("\n"));
    int start = lines.indexOf("Commands:");
    assertTrue(start > 0, out.toString());
    for (String name : cl.getSubcommands().keySet()) {
      long matches =
          lines.stream()
              .skip(start)
              .filter(l -> l.startsWith(String.format("  %-18s ", name)))
              .count();
      assertEquals(1, matches, "one line for " + name + "\n" + out);
    }
    int listed = (int) lines.stream().skip(start + 1).takeWhile(l -> l.startsWith("  ")).count();
    assertEquals(cl.getSubcommands().size(), listed, "no command takes two lines\n" + out);
    for (String expected :
        List.of(
            "demo",
            "broker",
            "tail",
            "produce",
            "worker",
            "aggregate",
            "export",
            "analyze",
            "fetch-model",
            "inspect-model",
            "bench")) {
      assertTrue(cl.getSubcommands().containsKey(expected), expected);
    }
  }

  @Test
  void firstSentenceStopsAtASentenceOrColonButNotAtAnAbbreviation() {
    assertEquals(
        "Trains a TopK SAE (Gao et al. 2024) on activations",
        Main.firstSentence("Trains a TopK SAE (Gao et al. 2024) on activations. More text."));
    assertEquals("Measures an SAE", Main.firstSentence("Measures an SAE: L0, FVU."));
    assertEquals("Benchmarks", Main.firstSentence("Benchmarks. Absolute times are noise."));
    assertTrue(Main.firstSentence("word ".repeat(60)).length() <= 101);
  }
}
