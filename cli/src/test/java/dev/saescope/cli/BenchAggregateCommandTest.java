package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code bench aggregate}: bad sizes are usage errors naming the option, and a tiny run through the
 * embedded broker reports consistent figures (counts and bytes, not timing targets).
 */
class BenchAggregateCommandTest {
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    List<String> all = new ArrayList<>(List.of("bench", "aggregate"));
    all.addAll(List.of(args));
    int code = cl.execute(all.toArray(String[]::new));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void badSizesAreUsageErrorsNamingTheOption() {
    Run zeroItems = run("--items", "0");
    assertEquals(2, zeroItems.code());
    assertTrue(zeroItems.err().contains("--items"), zeroItems.err());
    Run kTooLarge = run("--d-sae", "8", "--k", "9");
    assertEquals(2, kTooLarge.code());
    assertTrue(kTooLarge.err().contains("--k"), kTooLarge.err());
    Run scaleOne = run("--scales", "1");
    assertEquals(2, scaleOne.code());
    assertTrue(scaleOne.err().contains("--scales"), scaleOne.err());
    Run saeLayers = run("--layers", "4", "--sae-layers", "5");
    assertEquals(2, saeLayers.code());
    assertTrue(saeLayers.err().contains("--sae-layers"), saeLayers.err());
    Run noCommits = run("--commit-interval-ms", "0");
    assertEquals(2, noCommits.code());
    assertTrue(noCommits.err().contains("--commit-interval-ms"), noCommits.err());
    Run negativeCache = run("--cache-mb", "-1");
    assertEquals(2, negativeCache.code());
    assertTrue(negativeCache.err().contains("--cache-mb"), negativeCache.err());
  }

  @Test
  void aTinyRunReportsConsistentFigures() throws Exception {
    Run r =
        run(
            "--items",
            "3",
            "--layers",
            "3",
            "--sae-layers",
            "1",
            "--d-model",
            "32",
            "--d-sae",
            "64",
            "--k",
            "4",
            "--positions",
            "6",
            "--scales",
            "2",
            "--json");
    assertEquals(0, r.code(), r.err());
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> sizes = new ArrayList<>();
    for (String line : r.out().strip().split("\n")) {
      sizes.add(json.readTree(line));
    }
    assertEquals(5, sizes.size(), r.out()); // warmup, base, items-x2, layers-x2, latents-x2
    for (JsonNode s : sizes) {
      assertEquals(s.get("tasks").asLong() * s.get("layers").asLong(), s.get("results").asLong());
      assertTrue(
          s.get("result_bytes").asLong() > 32L * 4 * s.get("results").asLong(), s.toString());
      assertTrue(s.get("stream_results_per_s").asDouble() > 0, s.toString());
      assertTrue(s.get("observe_results_per_s").asDouble() > 0, s.toString());
      assertTrue(s.get("state_entries").asLong() >= s.get("tasks").asLong(), s.toString());
    }
    JsonNode base = sizes.get(1);
    JsonNode items = sizes.get(2);
    assertEquals("items-x2", items.get("size").asText());
    assertEquals(2 * base.get("results").asLong(), items.get("results").asLong());
    JsonNode layers = sizes.get(3);
    assertEquals(6, layers.get("layers").asInt());
    assertEquals(2, layers.get("sae_layers").asInt(), "SAE layers scale with the layers");
  }

  @Test
  void theSummaryLatencyOfATinyRunIsMeasuredWhileResultsStreamIn() throws Exception {
    Run bad = run("--summary-latency", "--summary-items", "0");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--summary-items"), bad.err());
    Run r =
        run("--summary-latency", "--summary-items", "20", "--summary-stream-items", "10", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode s = new ObjectMapper().readTree(r.out().strip());
    assertEquals("summary-latency", s.get("bench").asText());
    assertEquals(20 * 3, s.get("tasks_at_start").asLong(), "every loaded task observed first");
    assertEquals(30 * 3, s.get("tasks_at_end").asLong(), "measured until the stream was observed");
    assertTrue(s.get("requests").asInt() > 0, s.toString());
    double p50 = s.get("p50_ms").asDouble();
    double p99 = s.get("p99_ms").asDouble();
    assertTrue(0 < p50 && p50 <= p99 && p99 <= s.get("max_ms").asDouble(), s.toString());
  }
}
