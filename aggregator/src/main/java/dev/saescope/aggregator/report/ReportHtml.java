package dev.saescope.aggregator.report;

import dev.saescope.aggregator.e2.E2aTables;
import dev.saescope.aggregator.e2.E2aTables.E2aRow;
import dev.saescope.aggregator.e2.E2aTables.LexicalRow;
import dev.saescope.aggregator.stats.Estimate;
import java.util.List;
import java.util.Locale;

/**
 * report.html: one static page with the run, the E2a verdicts and headline table (direct vs evasive
 * per layer, and the lexical baseline), the plots as images and links to every table. All text is
 * escaped: ids and token strings are untrusted. No script, no external resource.
 */
final class ReportHtml {
  private ReportHtml() {}

  static String write(RunReport r, List<Plot> plots, List<ReportTables.Table> tables) {
    StringBuilder b = new StringBuilder();
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
        .append("img-src 'self'; style-src 'unsafe-inline'\">\n")
        .append("<title>saescope report: ")
        .append(esc(r.runId()))
        .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:70em}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;")
        .append("text-align:right}th{background:#eee}img{max-width:100%}</style>\n</head>\n")
        .append("<body>\n<h1>saescope report: ")
        .append(esc(r.runId()))
        .append("</h1>\n");
    run(b, r);
    b.append("<h2>E2a: direct vs evasive</h2>\n");
    for (String v : r.e2a().verdicts()) {
      b.append("<p>").append(esc(v)).append("</p>\n");
    }
    headline(b, r.e2a());
    b.append("<h2>Plots</h2>\n");
    for (Plot p : plots) {
      b.append("<figure><img src=\"")
          .append(esc(p.name()))
          .append(".svg\" alt=\"")
          .append(esc(p.title()))
          .append("\"><figcaption>")
          .append(esc(p.title()))
          .append("</figcaption></figure>\n");
    }
    b.append("<h2>Tables</h2>\n<ul>\n<li><a href=\"report.json\">report.json</a> (every table)")
        .append("</li>\n");
    for (ReportTables.Table t : tables) {
      b.append("<li><a href=\"")
          .append(esc(t.name()))
          .append(".csv\">")
          .append(esc(t.name()))
          .append(".csv</a>: ")
          .append(esc(t.title()))
          .append(" (")
          .append(t.rows().size())
          .append(" rows)</li>\n");
    }
    b.append("</ul>\n</body>\n</html>\n");
    return b.toString();
  }

  private static void run(StringBuilder b, RunReport r) {
    b.append("<table>\n");
    row(b, "run", r.runId());
    row(b, "model", r.modelId());
    row(b, "SAEs", String.join(", ", r.saeIds()));
    row(b, "dtype", r.dtype() == null ? "unknown" : r.dtype());
    row(b, "seed", Long.toString(r.seed()));
    row(b, "resamples", Integer.toString(r.resamples()));
    row(b, "code version", r.codeVersion());
    row(b, "items", Integer.toString(r.items()));
    row(b, "tasks", Integer.toString(r.tasks()));
    b.append("</table>\n");
  }

  private static void row(StringBuilder b, String key, String value) {
    b.append("<tr><th>")
        .append(esc(key))
        .append("</th><td>")
        .append(esc(value))
        .append("</td></tr>\n");
  }

  private static void headline(StringBuilder b, E2aTables e2a) {
    b.append("<table>\n<tr><th>rep</th><th>layer</th><th>site</th><th>delta [95% CI]</th>")
        .append("<th>p (max-over-layers)</th><th>p (layer)</th><th>AUROC [95% CI]</th>")
        .append("<th>d_z</th><th>n</th></tr>\n");
    for (E2aRow r : e2a.rows()) {
      if (!r.comparison().equals(E2aTables.MAIN)) {
        continue;
      }
      b.append("<tr><td>")
          .append(esc(r.representation()))
          .append("</td><td>")
          .append(r.layer())
          .append("</td><td>")
          .append(esc(r.site()))
          .append("</td><td>")
          .append(esc(interval(r.delta())))
          .append("</td><td>")
          .append(esc(num(r.delta().p())))
          .append("</td><td>")
          .append(esc(num(r.pUnadjusted())))
          .append("</td><td>")
          .append(esc(interval(r.auroc())))
          .append("</td><td>")
          .append(esc(num(r.cohensDz().value())))
          .append("</td><td>")
          .append(r.delta().n())
          .append("</td></tr>\n");
    }
    b.append("</table>\n<h3>Lexical baseline</h3>\n<table>\n<tr><th>comparison</th>")
        .append("<th>delta [95% CI]</th><th>p</th><th>AUROC [95% CI]</th><th>n</th></tr>\n");
    for (LexicalRow r : e2a.lexical()) {
      b.append("<tr><td>")
          .append(esc(r.comparison()))
          .append("</td><td>")
          .append(esc(interval(r.delta())))
          .append("</td><td>")
          .append(esc(num(r.delta().p())))
          .append("</td><td>")
          .append(esc(interval(r.auroc())))
          .append("</td><td>")
          .append(r.delta().n())
          .append("</td></tr>\n");
    }
    b.append("</table>\n");
  }

  private static String interval(Estimate e) {
    return num(e.value()) + " [" + num(e.ciLow()) + ", " + num(e.ciHigh()) + "]";
  }

  private static String num(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "–";
  }

  /** HTML-escapes text for element content and quoted attributes. */
  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
