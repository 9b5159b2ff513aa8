package dev.saescope.aggregator.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.aggregator.observe.TaskObservation;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ReportFilesTest {
  private static final List<String> PLOTS =
      List.of(
          "e1_drift",
          "e1_lens",
          "e1_kl",
          "e2a_h",
          "e2a_delta_h",
          "e2a_z",
          "e2a_delta_z",
          "e2b_auroc",
          "hist_sae-1_3");

  private static RunReport report() {
    List<TaskObservation> obs = Runs.observations(10, 4);
    return Runs.report(obs)
        .withHistograms(
            List.of(
                new LatentHistogram("sae-1", 3, new double[] {0, 1, 2, 4}, new long[] {5, 2, 1})));
  }

  @Test
  void everyFileIsWrittenAndParses(@TempDir Path dir) throws Exception {
    RunReport r = report();
    List<Path> written = ReportFiles.write(r, dir);
    assertEquals(dir.resolve("report.json"), written.get(0));
    assertEquals(dir.resolve("report.html"), written.get(written.size() - 1));
    JsonNode json = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals(r.tasks(), json.get("tasks").asInt());
    for (ReportTables.Table t : ReportTables.of(r)) {
      Path csv = dir.resolve(t.name() + ".csv");
      assertTrue(Files.exists(csv), csv.toString());
      List<List<String>> rows = parseCsv(Files.readString(csv));
      assertEquals(ReportCsv.header(t.rowType()), rows.get(0), t.name());
      assertEquals(t.rows().size() + 1, rows.size(), t.name());
      for (List<String> row : rows) {
        assertEquals(rows.get(0).size(), row.size(), t.name() + ": " + row);
      }
    }
    for (String plot : PLOTS) {
      Path svg = dir.resolve(plot + ".svg");
      assertTrue(Files.exists(svg), svg.toString());
      assertEquals("svg", parseXml(Files.readAllBytes(svg)).getDocumentElement().getNodeName());
    }
    String html = Files.readString(dir.resolve("report.html"));
    for (String plot : PLOTS) {
      assertTrue(html.contains("<img src=\"" + plot + ".svg\""), plot);
    }
    assertTrue(html.contains("href=\"e2a.csv\""));
    assertTrue(html.contains(r.e2a().verdicts().get(0).substring(0, 20)));
  }

  @Test
  void csvHeadersNameEveryColumn() {
    List<String> e2a = ReportCsv.header(dev.saescope.aggregator.e2.E2aTables.E2aRow.class);
    assertEquals(
        List.of(
            "comparison",
            "representation",
            "layer",
            "site",
            "delta_value",
            "delta_ci_low",
            "delta_ci_high",
            "delta_n",
            "delta_p",
            "p_unadjusted",
            "t"),
        e2a.subList(0, 11));
    assertTrue(e2a.contains("cohens_dz_value"));
    List<String> e2c = ReportCsv.header(dev.saescope.aggregator.e2.E2cTables.E2cRow.class);
    assertEquals(
        List.of(
            "horizon",
            "predictor",
            "layer",
            "top1_value",
            "top1_ci_low",
            "top1_ci_high",
            "top1_n",
            "top1_p",
            "top1_absent",
            "top5_value",
            "top5_ci_low",
            "top5_ci_high",
            "top5_n",
            "top5_p",
            "top5_absent"),
        e2c);
  }

  @Test
  void csvFieldsWithCommasOrQuotesAreQuoted() {
    assertEquals("plain", ReportCsv.quote("plain"));
    assertEquals("\"a, b\"", ReportCsv.quote("a, b"));
    assertEquals("\"say \"\"hi\"\"\"", ReportCsv.quote("say \"hi\""));
    assertEquals("", ReportCsv.number(Double.NaN));
  }

  @Test
  void theHtmlEscapesUntrustedText(@TempDir Path dir) throws Exception {
    RunReport r = report();
    RunReport hostile =
        new RunReport(
            "<script>alert(1)</script>",
            r.modelId(),
            List.of("sae\"><img src=x onerror=y>"),
            null,
            r.seed(),
            r.resamples(),
            r.codeVersion(),
            r.items(),
            r.tasks(),
            r.e1(),
            r.e2a(),
            r.e2b(),
            r.e2c(),
            r.e3(),
            List.of());
    ReportFiles.write(hostile, dir);
    String html = Files.readString(dir.resolve("report.html"));
    assertFalse(html.contains("<script>"), "no script element");
    assertFalse(html.contains("<img src=x"), "no injected element");
    assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assertTrue(html.contains("sae&quot;&gt;&lt;img"));
  }

  private static Document parseXml(byte[] svg) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    // the SVG names the W3C DTD: never fetch it
    f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
    f.setFeature("http://xml.org/sax/features/external-general-entities", false);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg));
  }

  /** RFC 4180 fields of every line. */
  private static List<List<String>> parseCsv(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.add(field.toString());
        field.setLength(0);
      } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        row.add(field.toString());
        field.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
        i++;
      } else {
        field.append(c);
      }
    }
    assertTrue(row.isEmpty() && field.isEmpty(), "the file ends with a line break");
    return rows;
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
