package dev.saescope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a Grafana dashboard's queries against a scrape: every selector names a sample the scrape
 * has, with labels it has; {@code rate}/{@code irate}/{@code increase} read only monotonic series;
 * {@code histogram_quantile} reads {@code _bucket} series of a histogram.
 */
final class DashboardContract {
  private DashboardContract() {}

  /** Labels Prometheus attaches to every scraped series (target labels), not the application. */
  static final Set<String> TARGET_LABELS = Set.of("job", "instance");

  private static final Set<String> NEED_MONOTONIC = Set.of("rate", "irate", "increase", "resets");

  /** Grafana's variable query {@code label_values(selector, label)}. */
  private static final Pattern LABEL_VALUES =
      Pattern.compile("^\\s*label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$");

  /** One query of the dashboard and where it sits, for messages. */
  record Query(String where, String expr, String labelValuesLabel) {}

  static JsonNode read(Path file) throws IOException {
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new IOException(file + ": not readable as JSON: " + e.getMessage(), e);
    }
  }

  /** Every panel (rows' nested panels included), depth first. */
  static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> out = new ArrayList<>();
    collect(dashboard.path("panels"), out);
    return out;
  }

  private static void collect(JsonNode panels, List<JsonNode> out) {
    for (JsonNode p : panels) {
      out.add(p);
      collect(p.path("panels"), out);
    }
  }

  /** Panel target expressions and template variable queries. */
  static List<Query> queries(JsonNode dashboard) {
    List<Query> out = new ArrayList<>();
    for (JsonNode p : panels(dashboard)) {
      for (JsonNode t : p.path("targets")) {
        String where =
            "panel '"
                + p.path("title").asText()
                + "' (id "
                + p.path("id").asText()
                + ") target "
                + t.path("refId").asText();
        out.add(new Query(where, t.path("expr").asText(null), null));
      }
    }
    for (JsonNode v : dashboard.path("templating").path("list")) {
      if (!v.path("type").asText().equals("query")) {
        continue;
      }
      JsonNode q = v.path("query");
      String text = q.isObject() ? q.path("query").asText(null) : q.asText(null);
      String where = "template variable '" + v.path("name").asText() + "'";
      Matcher m = text == null ? null : LABEL_VALUES.matcher(text);
      if (m != null && m.matches()) {
        out.add(new Query(where, m.group(1), m.group(2)));
      } else {
        out.add(new Query(where, text, null));
      }
    }
    return out;
  }

  /**
   * What is wrong with the dashboard's queries against {@code scrape}; empty when nothing is.
   *
   * @param elsewhere metric names checked by another scrape (reported as absent otherwise)
   */
  static List<String> violations(
      JsonNode dashboard, PrometheusText scrape, Predicate<String> elsewhere) {
    List<String> out = new ArrayList<>();
    for (Query q : queries(dashboard)) {
      if (q.expr() == null || q.expr().isBlank()) {
        out.add(q.where() + ": no expression");
        continue;
      }
      List<PromQlNames.Selector> selectors;
      try {
        selectors = PromQlNames.selectors(q.expr());
      } catch (PromQlNames.PromQlException e) {
        out.add(q.where() + ": " + e.getMessage());
        continue;
      }
      if (selectors.isEmpty()) {
        out.add(q.where() + ": names no metric: " + q.expr());
      }
      boolean bucket = false;
      for (PromQlNames.Selector s : selectors) {
        if (elsewhere.test(s.metric())) {
          continue;
        }
        if (!scrape.has(s.metric())) {
          out.add(
              q.where()
                  + ": metric "
                  + s.metric()
                  + " is not exported"
                  + near(scrape, s.metric())
                  + " in: "
                  + q.expr());
          continue;
        }
        for (String label : s.labels()) {
          if (!TARGET_LABELS.contains(label) && !scrape.labelsOf(s.metric()).contains(label)) {
            out.add(
                q.where()
                    + ": "
                    + s.metric()
                    + " has no label '"
                    + label
                    + "' (it has "
                    + scrape.labelsOf(s.metric())
                    + ")");
          }
        }
        if (NEED_MONOTONIC.contains(s.function()) && !scrape.monotonic(s.metric())) {
          out.add(
              q.where()
                  + ": "
                  + s.function()
                  + "() over "
                  + s.metric()
                  + ", a "
                  + scrape.typeOf(s.metric())
                  + ", not a counter");
        }
        bucket |= s.metric().endsWith("_bucket") && scrape.typeOf(s.metric()).equals("histogram");
      }
      if (q.expr().contains("histogram_quantile")
          && !bucket
          && selectors.stream().noneMatch(s -> elsewhere.test(s.metric()))) {
        out.add(
            q.where() + ": histogram_quantile without a histogram's _bucket series: " + q.expr());
      }
      if (q.labelValuesLabel() != null) {
        for (PromQlNames.Selector s : selectors) {
          if (scrape.has(s.metric())
              && !scrape.labelsOf(s.metric()).contains(q.labelValuesLabel())) {
            out.add(
                q.where()
                    + ": label_values over "
                    + s.metric()
                    + ", which has no label '"
                    + q.labelValuesLabel()
                    + "'");
          }
        }
      }
    }
    return out;
  }

  /** ", did you mean x?" for the exported name sharing the longest prefix, or "". */
  private static String near(PrometheusText scrape, String missing) {
    return scrape.labels().keySet().stream()
        .max(Comparator.comparingInt(n -> commonPrefix(n, missing)))
        .filter(n -> commonPrefix(n, missing) >= Math.min(10, missing.length() / 2))
        .map(n -> " (nearest exported: " + n + ")")
        .orElse("");
  }

  private static int commonPrefix(String a, String b) {
    int i = 0;
    while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
      i++;
    }
    return i;
  }
}
