package dev.saescope.aggregator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.e1.E1Tables.DriftRow;
import dev.saescope.aggregator.e2.E2aTables;
import dev.saescope.aggregator.report.Headlines.Headline;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HeadlinesTest {
  private final RunReport report = Runs.report(Runs.observations(12, 4));
  private final List<Headline> headlines = Headlines.of(report);

  private Map<String, Headline> byExperiment() {
    return headlines.stream()
        .collect(Collectors.toMap(Headline::experiment, h -> h, (first, second) -> first));
  }

  @Test
  void everyExperimentHasAHeadlineWithItsSampleSize() {
    assertEquals(
        List.of("E1a", "E1c", "E2a", "E2b", "E2c", "E3b"),
        headlines.stream().map(Headline::experiment).distinct().toList());
    for (Headline h : headlines) {
      assertTrue(h.figure().n() > 0, h + ": n");
      assertTrue(h.figure().ciLow() <= h.figure().ciHigh(), h + ": interval");
    }
  }

  @Test
  void e1aIsTheLargestLayerToLayerChangeThatIsTheLowestCosine() {
    List<DriftRow> finite =
        report.e1().drift().stream().filter(d -> Double.isFinite(d.nextQEnd().value())).toList();
    Comparator<DriftRow> byCosine = Comparator.comparingDouble(d -> d.nextQEnd().value());
    DriftRow largest = finite.stream().min(byCosine).orElseThrow();
    assertTrue(
        largest.nextQEnd().value() < finite.stream().max(byCosine).orElseThrow().nextQEnd().value(),
        "the test's layers differ in cosine");
    Headline h = byExperiment().get("E1a");
    assertEquals(largest.nextQEnd(), h.figure());
    assertTrue(h.what().endsWith("layer " + largest.layer()), h.what());
  }

  @Test
  void e2aNamesTheLayerOfTheReportsVerdict() {
    Headline h = byExperiment().get("E2a");
    String verdict = report.e2a().verdicts().get(0);
    String layer = h.what().replaceAll(".*layer (\\d+).*", "$1");
    assertTrue(verdict.contains("layer " + layer + " "), verdict + " vs " + h.what());
    assertTrue(
        verdict.contains(String.format(Locale.ROOT, "%.4g", h.figure().value())),
        verdict + " vs " + h.figure());
    assertTrue(
        report.e2a().rows().stream()
            .anyMatch(r -> r.comparison().equals(E2aTables.MAIN) && r.delta().equals(h.figure())));
  }

  @Test
  void theTableHasOneLinePerHeadlineWithItsInterval() {
    StringWriter s = new StringWriter();
    Headlines.print(new PrintWriter(s), headlines);
    List<String> lines = s.toString().lines().toList();
    assertEquals(headlines.size() + 1, lines.size(), s.toString());
    for (int i = 0; i < headlines.size(); i++) {
      assertTrue(lines.get(i + 1).startsWith(headlines.get(i).experiment()), lines.get(i + 1));
      assertTrue(lines.get(i + 1).matches(".*\\[.*, .*].*"), lines.get(i + 1));
    }
  }
}
