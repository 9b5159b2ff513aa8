package dev.saescope.aggregator.report;

import dev.saescope.aggregator.e1.E1Tables.CommitRow;
import dev.saescope.aggregator.e1.E1Tables.DriftRow;
import dev.saescope.aggregator.e2.E2aTables;
import dev.saescope.aggregator.e2.E2aTables.E2aRow;
import dev.saescope.aggregator.e2.E2bTables.AurocRow;
import dev.saescope.aggregator.e2.E2cTables.E2cRow;
import dev.saescope.aggregator.stats.Estimate;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * One line per experiment picked from a report's tables, for a terminal: the deepest change of
 * representation (E1a), where the logit lens settles (E1c), direct against evasive answers at the
 * layer that wins under the max-over-layers correction (E2a), the best forecast of direct answers
 * at {@code q_end} (E2b), the next token from the lens against the bigram baseline (E2c) and
 * whether the gold token's most active latent promotes it (E3b). The report holds every row these
 * come from.
 */
public final class Headlines {
  /** One headline: which experiment, what the figure is, and the figure with its CI and n. */
  public record Headline(String experiment, String what, Estimate figure) {}

  private Headlines() {}

  public static List<Headline> of(RunReport r) {
    List<Headline> out = new ArrayList<>();
    extreme(r.e1().drift(), DriftRow::nextQEnd, LOWEST)
        .ifPresent(
            d ->
                out.add(
                    new Headline(
                        "E1a",
                        "largest change at q_end, cos(h_l, h_l+1) lowest: layer " + d.layer(),
                        d.nextQEnd())));
    best(r.e1().commit(), CommitRow::fraction)
        .ifPresent(
            c ->
                out.add(
                    new Headline(
                        "E1c",
                        "lens top-1 settles on the final one: most often at layer " + c.layer(),
                        c.fraction())));
    for (String rep : List.of("h", "z")) {
      e2aWinner(r.e2a(), rep)
          .ifPresent(
              w ->
                  out.add(
                      new Headline(
                          "E2a",
                          String.format(
                              Locale.ROOT,
                              "d(direct) - d(evasive) on %s, layer %d (%s), adjusted p %s",
                              rep,
                              w.layer(),
                              w.site(),
                              number(w.delta().p())),
                          w.delta())));
    }
    best(r.e2b().auroc(), AurocRow::auroc)
        .ifPresent(
            a ->
                out.add(
                    new Headline(
                        "E2b",
                        "AUROC direct vs evasive at q_end: " + a.scorer() + ", layer " + a.layer(),
                        a.auroc())));
    e2cNextToken(r, "lens").ifPresent(out::add);
    e2cNextToken(r, "bigram").ifPresent(out::add);
    r.e3().correspondence().stream()
        .filter(c -> c.point().equals("gold_token") && c.topLatentMatch().isPresent())
        .max(Comparator.comparingDouble(c -> c.topLatentMatch().estimate().value()))
        .ifPresent(
            c ->
                out.add(
                    new Headline(
                        "E3b",
                        "the gold token's most active latent promotes it most (" + c.saeId() + ")",
                        c.topLatentMatch().estimate())));
    return out;
  }

  /** The headlines as an aligned table. */
  public static void print(PrintWriter out, List<Headline> headlines) {
    int width = headlines.stream().mapToInt(h -> h.what().length()).max().orElse(0);
    String row = "%-4s  %-" + Math.max(7, width) + "s  %-26s  %s%n";
    out.printf(Locale.ROOT, row, "", "finding", "value [95% CI]", "n");
    for (Headline h : headlines) {
      Estimate e = h.figure();
      String value = number(e.value()) + " [" + number(e.ciLow()) + ", " + number(e.ciHigh()) + "]";
      out.printf(Locale.ROOT, row, h.experiment(), h.what(), value, e.n());
    }
    out.flush();
  }

  /** The row with the largest finite value; the shallowest layer on ties (rows come in order). */
  private static final int HIGHEST = 1;

  private static final int LOWEST = -1;

  private static <T> Optional<T> best(List<T> rows, Function<T, Estimate> figure) {
    return extreme(rows, figure, HIGHEST);
  }

  /** The row whose finite figure is highest ({@code sign} 1) or lowest (-1); the first on ties. */
  private static <T> Optional<T> extreme(List<T> rows, Function<T, Estimate> figure, int sign) {
    T best = null;
    for (T row : rows) {
      double v = sign * figure.apply(row).value();
      if (Double.isFinite(v) && (best == null || v > sign * figure.apply(best).value())) {
        best = row;
      }
    }
    return Optional.ofNullable(best);
  }

  /** The main comparison's row with the smallest adjusted p, as the report's verdict picks it. */
  private static Optional<E2aRow> e2aWinner(E2aTables e2a, String representation) {
    return e2a.rows().stream()
        .filter(
            x ->
                x.comparison().equals(E2aTables.MAIN)
                    && x.representation().equals(representation)
                    && !Double.isNaN(x.delta().p()))
        .min(
            Comparator.comparingDouble((E2aRow x) -> x.delta().p())
                .thenComparing(x -> -Math.abs(x.t())));
  }

  /** Next-token top-1 of one predictor at its best layer. */
  private static Optional<Headline> e2cNextToken(RunReport r, String predictor) {
    List<E2cRow> rows =
        r.e2c().rows().stream()
            .filter(x -> x.horizon() == 0 && x.predictor().equals(predictor))
            .filter(x -> x.top1().isPresent())
            .toList();
    return best(rows, (E2cRow x) -> x.top1().estimate())
        .map(
            x ->
                new Headline(
                    "E2c",
                    "next answer token top-1: "
                        + predictor
                        + (x.layer() >= 0 ? ", layer " + x.layer() : ""),
                    x.top1().estimate()));
  }

  private static String number(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "–";
  }
}
