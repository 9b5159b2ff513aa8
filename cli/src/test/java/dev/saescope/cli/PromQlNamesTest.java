package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.cli.PromQlNames.PromQlException;
import dev.saescope.cli.PromQlNames.Selector;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The PromQL name extractor, the exposition reader and the contract check, on hand-made inputs. */
class PromQlNamesTest {

  private static List<String> names(String expr) {
    return PromQlNames.selectors(expr).stream().map(Selector::metric).toList();
  }

  @Test
  void findsMetricsNotFunctionsKeywordsOrLabels() {
    String expr =
        "histogram_quantile(0.99, sum by (le, worker) (rate(a_seconds_bucket{worker=~\"$worker\", le!=\"\"}[$__rate_interval])))"
            + " / on (instance) group_left (worker) group by (instance, worker) (b_gauge)"
            + " + ignoring(role) c:recorded:rate5m offset 5m - sum(d_total) without (x) * 2e3 and bool e or unless f";
    assertEquals(
        List.of("a_seconds_bucket", "b_gauge", "c:recorded:rate5m", "d_total", "e", "f"),
        names(expr));
    Selector a = PromQlNames.selectors(expr).get(0);
    assertEquals(Set.of("worker", "le"), a.labels());
    assertEquals("rate", a.function());
    assertEquals("group", PromQlNames.selectors(expr).get(1).function());
  }

  @Test
  void readsNameMatchersSubqueriesStringsAndVariables() {
    assertEquals(List.of("x_total"), names("{__name__=\"x_total\", job=\"w\"}"));
    assertEquals(List.of("y"), names("max_over_time(rate(y[5m])[1h:1m])"));
    assertEquals(
        List.of("z"), names("label_replace(z, \"dst\", \"$1\", \"src\", \"(.*) {x} [y]\")"));
    assertEquals(List.of("w"), names("increase(w[${__range}]) # a comment naming fake_metric"));
    assertEquals(List.of("v"), names("rate(v[[[interval]]])"));
    assertEquals(List.of("u"), names("u @ end() offset -1h30m"));
    assertEquals(List.of(), names("vector(1) + time() * Inf"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          rat(x[5m])                     | 1  | unknown function 'rat'
          sum(rate(x[5m])                | 4  | '(' is never closed
          rate(x[5m]))                   | 12 | ')' without a matching '('
          x{job="a"                      | 2  | '{' is never closed
          x{job="a" role="b"}            | 11 | expected ',' or '}'
          x{job=a}                       | 7  | must be matched against a quoted string
          x{job=="a"}                    | 6  | expected =, !=, =~ or !~
          x{job~"a"}                     | 6  | unexpected character '~'
          x{="a"}                        | 3  | expected a label name
          {job="a"}                      | 1  | selector without a metric name
          rate(x[])                      | 7  | empty range
          rate(x[5m)                     | 10 | expected a duration inside
          rate(x[5m                      | 7  | '[' is never closed
          rate(x[foo])                   | 8  | expected a duration inside
          rate(x 5m)                     | 8  | outside a range
          x offset                       | 3  | 'offset' must be followed by a duration
          sum by x (y)                   | 5  | 'by' must be followed by a label list
          sum by (le y                   | 8  | label list '(' is never closed
          x{job="a\\"}                   | 7  | unterminated string
          x ; y                          | 3  | unexpected character ';'
          rate(x[5q])                    | 9  | malformed number or duration
          rate(x[${}])                   | 8  | malformed template variable
          x + $                          | 5  | '$' not followed by a template variable name
          x}                             | 2  | without a matching opening bracket
          """)
  void badExpressionsNameTheColumnAndProblem(String expr, int column, String problem) {
    PromQlException e = assertThrows(PromQlException.class, () -> PromQlNames.selectors(expr));
    assertTrue(e.getMessage().contains("column " + column + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    assertTrue(e.getMessage().contains(expr), "quotes the expression: " + e.getMessage());
  }

  @Test
  void emptyExpressionIsAnError() {
    assertThrows(PromQlException.class, () -> PromQlNames.selectors("  "));
    assertThrows(PromQlException.class, () -> PromQlNames.selectors(null));
  }

  static final String SCRAPE =
      """
      # HELP t_total Tasks
      # TYPE t_total counter
      t_total{role="worker",worker="a"} 3.0
      # TYPE lat_seconds histogram
      lat_seconds_bucket{worker="a",le="0.1"} 1.0
      lat_seconds_bucket{worker="a",le="+Inf"} 2.0
      lat_seconds_count{worker="a"} 2.0
      lat_seconds_sum{worker="a"} 0.3
      # TYPE lat_seconds_max gauge
      lat_seconds_max{worker="a"} 0.2
      # TYPE pending gauge
      pending{worker="a",note="x\\"y,z=}"} NaN
      """;

  @Test
  void expositionKeepsSampleNamesLabelsAndTypes() {
    PrometheusText p = PrometheusText.parse(SCRAPE, "hand-made");
    assertEquals(
        Set.of(
            "t_total",
            "lat_seconds_bucket",
            "lat_seconds_count",
            "lat_seconds_sum",
            "lat_seconds_max",
            "pending"),
        p.labels().keySet());
    assertEquals(Set.of("worker", "note"), p.labelsOf("pending"));
    assertTrue(
        p.monotonic("t_total")
            && p.monotonic("lat_seconds_bucket")
            && p.monotonic("lat_seconds_sum"));
    assertTrue(!p.monotonic("lat_seconds_max") && !p.monotonic("pending"));
    assertEquals("histogram", p.typeOf("lat_seconds_count"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          x{a="1"}                 | line 1 | no numeric value
          x{a="1" 2                | line 1 | expected ',' or '}'
          x{a=1} 2                 | line 1 | malformed label
          x{a="1} 2                | line 1 | unterminated label value
          {a="1"} 2                | line 1 | must start with a metric name
          x one                    | line 1 | no numeric value
          """)
  void badExpositionLinesNameTheLine(String line, String where, String problem) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(line, "scrape"));
    assertTrue(e.getMessage().startsWith("scrape " + where + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  @Test
  void malformedTypeLineIsNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> PrometheusText.parse("x 1\n# TYPE\n", "scrape"));
    assertTrue(e.getMessage().startsWith("scrape line 2: malformed TYPE line"), e.getMessage());
  }

  private static JsonNode dashboard(String... exprs) throws Exception {
    ObjectMapper m = new ObjectMapper();
    var d = m.createObjectNode();
    var panel = d.putArray("panels").addObject().put("id", 7).put("title", "P");
    var targets = panel.putArray("targets");
    char ref = 'A';
    for (String e : exprs) {
      targets.addObject().put("refId", String.valueOf(ref++)).put("expr", e);
    }
    return d;
  }

  @Test
  void contractAcceptsACorrectDashboard() throws Exception {
    PrometheusText p = PrometheusText.parse(SCRAPE, "hand-made");
    JsonNode d =
        dashboard(
            "sum by (worker) (rate(t_total{worker=~\"$worker\", instance!=\"\"}[$__rate_interval]))",
            "histogram_quantile(0.99, sum by (le) (rate(lat_seconds_bucket[1m])))",
            "max(lat_seconds_max) + sum(pending{note=\"\"})");
    assertEquals(List.of(), DashboardContract.violations(d, p, n -> false));
  }

  @Test
  void contractNamesEachKindOfMistake() throws Exception {
    PrometheusText p = PrometheusText.parse(SCRAPE, "hand-made");
    JsonNode d =
        dashboard(
            "rate(t[1m])", // name without _total
            "rate(lat_seconds[1m])", // bare histogram name
            "sum(pending{reason=\"x\"})", // label the series lacks
            "rate(pending[1m])", // rate over a gauge
            "histogram_quantile(0.5, rate(lat_seconds_count[1m]))", // quantile without buckets
            "rate(t_total[1m]", // unreadable
            "vector(1)", // no metric at all
            "rate(elsewhere_total[1m])"); // checked elsewhere: no violation
    List<String> v = DashboardContract.violations(d, p, n -> n.startsWith("elsewhere"));
    assertEquals(7, v.size(), String.join("\n", v));
    assertTrue(
        v.get(0)
            .contains(
                "panel 'P' (id 7) target A: metric t is not exported (nearest exported: t_total)"),
        v.get(0));
    assertTrue(v.get(1).contains("metric lat_seconds is not exported"), v.get(1));
    assertTrue(v.get(2).contains("pending has no label 'reason'"), v.get(2));
    assertTrue(v.get(3).contains("rate() over pending, a gauge, not a counter"), v.get(3));
    assertTrue(
        v.get(4).contains("histogram_quantile without a histogram's _bucket series"), v.get(4));
    assertTrue(v.get(5).contains("'(' is never closed"), v.get(5));
    assertTrue(v.get(6).contains("names no metric"), v.get(6));
  }
}
