package dev.saescope.aggregator.report;

import dev.saescope.aggregator.e1.E1Tables;
import dev.saescope.aggregator.e2.E2aTables;
import dev.saescope.aggregator.e2.E2aTables.E2aRow;
import dev.saescope.aggregator.e2.E2bTables.AurocRow;
import dev.saescope.aggregator.stats.Estimate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The report's plots as data: per-layer curves with 95% bands for E1 (drift, lens) and E2 (E2a
 * direct vs evasive and the controls, per representation; E2b AUROC), and latent histograms. Plots
 * without a point are left out.
 */
final class ReportPlots {
  private static final String[] CONTROLS = {
    E2aTables.MAIN, "direct_vs_counterfactual", "direct_vs_other_item"
  };

  private ReportPlots() {}

  static List<Plot> of(RunReport r) {
    List<Plot> plots = new ArrayList<>(e1(r.e1()));
    for (String rep : new String[] {"h", "z"}) {
      plots.add(distances(r.e2a(), rep));
      plots.add(deltas(r.e2a(), rep));
    }
    plots.add(auroc(r));
    for (LatentHistogram h : r.histograms()) {
      plots.add(histogram(h));
    }
    plots.removeIf(Plot::isEmpty);
    return plots;
  }

  /** E1a drift, E1c agreement with the commit layer, E1c KL. */
  private static List<Plot> e1(E1Tables e1) {
    List<Plot> plots = new ArrayList<>();
    plots.add(
        new Plot(
            "e1_drift",
            "E1a drift of h across layers",
            "layer",
            "cosine",
            List.of(
                series(
                    "q_end vs next layer",
                    e1.drift(),
                    E1Tables.DriftRow::layer,
                    E1Tables.DriftRow::nextQEnd),
                series(
                    "q_end vs final layer",
                    e1.drift(),
                    E1Tables.DriftRow::layer,
                    E1Tables.DriftRow::finalQEnd),
                series(
                    "answer vs next layer",
                    e1.drift(),
                    E1Tables.DriftRow::layer,
                    E1Tables.DriftRow::nextAnswer),
                series(
                    "answer vs final layer",
                    e1.drift(),
                    E1Tables.DriftRow::layer,
                    E1Tables.DriftRow::finalAnswer)),
            false));
    plots.add(
        new Plot(
            "e1_lens",
            "E1c logit lens at q_end: agreement with the final layer",
            "layer",
            "share of tasks",
            List.of(
                series(
                    "top-1 equals final top-1",
                    e1.lens(),
                    E1Tables.LensRow::layer,
                    E1Tables.LensRow::top1Agreement),
                series(
                    "commit layer",
                    e1.commit(),
                    E1Tables.CommitRow::layer,
                    E1Tables.CommitRow::fraction)),
            false));
    plots.add(
        new Plot(
            "e1_kl",
            "E1c KL(p_L || p_l) at q_end",
            "layer",
            "bits",
            List.of(series("KL", e1.lens(), E1Tables.LensRow::layer, E1Tables.LensRow::klBits)),
            false));
    return plots;
  }

  private static Plot distances(E2aTables e2a, String rep) {
    List<Plot.Series> s = new ArrayList<>();
    for (String site : sites(e2a, rep)) {
      String at = site.equals("resid_post") ? "" : " @" + site;
      s.add(
          series(
              "direct" + at, rows(e2a, E2aTables.MAIN, rep, site), E2aRow::layer, E2aRow::meanA));
      s.add(
          series(
              "evasive" + at, rows(e2a, E2aTables.MAIN, rep, site), E2aRow::layer, E2aRow::meanB));
      s.add(
          series(
              "counterfactual" + at,
              rows(e2a, "direct_vs_counterfactual", rep, site),
              E2aRow::layer,
              E2aRow::meanB));
      s.add(
          series(
              "another item's answer (kept vectors)" + at,
              rows(e2a, "direct_vs_other_item", rep, site),
              E2aRow::layer,
              E2aRow::meanB));
    }
    return new Plot(
        "e2a_" + rep,
        "E2a distance d = 1 - cos(" + rep + "(q_end), mean answer " + rep + ")",
        "layer",
        "d",
        s,
        false);
  }

  private static Plot deltas(E2aTables e2a, String rep) {
    List<Plot.Series> s = new ArrayList<>();
    for (String site : sites(e2a, rep)) {
      String at = site.equals("resid_post") ? "" : " @" + site;
      for (String c : CONTROLS) {
        s.add(
            series(
                c.replace('_', ' ') + at, rows(e2a, c, rep, site), E2aRow::layer, E2aRow::delta));
      }
    }
    return new Plot(
        "e2a_delta_" + rep,
        "E2a paired difference d(direct) - d(other condition) on " + rep,
        "layer",
        "delta",
        s,
        false);
  }

  private static java.util.SortedSet<String> sites(E2aTables e2a, String rep) {
    java.util.TreeSet<String> sites = new java.util.TreeSet<>();
    for (E2aRow r : e2a.rows()) {
      if (r.representation().equals(rep)) {
        sites.add(r.site());
      }
    }
    return sites;
  }

  private static Plot auroc(RunReport r) {
    List<Plot.Series> s = new ArrayList<>();
    for (String scorer : new String[] {"lens", "attribution"}) {
      List<AurocRow> rows =
          r.e2b().auroc().stream().filter(a -> a.scorer().equals(scorer)).toList();
      s.add(series(scorer, rows, AurocRow::layer, AurocRow::auroc));
    }
    return new Plot(
        "e2b_auroc",
        "E2b AUROC of direct vs evasive by the score of the answer's first token at q_end",
        "layer",
        "AUROC",
        s,
        false);
  }

  private static Plot histogram(LatentHistogram h) {
    // steps: bin i runs from edge i to edge i + 1 at its count; the last count closes the last bin
    double[] x = h.edges().clone();
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = h.counts()[Math.min(i, h.counts().length - 1)];
    }
    String id = h.saeId().replaceAll("[^A-Za-z0-9._-]", "_");
    return new Plot(
        "hist_" + id + "_" + h.latent(),
        "Activations of latent " + h.latent() + " of " + h.saeId(),
        "activation",
        "count",
        List.of(new Plot.Series("count", x, y, null, null)),
        true);
  }

  private static List<E2aRow> rows(E2aTables e2a, String comparison, String rep, String site) {
    Predicate<E2aRow> keep =
        r ->
            r.comparison().equals(comparison)
                && r.representation().equals(rep)
                && r.site().equals(site);
    return e2a.rows().stream().filter(keep).toList();
  }

  private static <R> Plot.Series series(
      String label, List<R> rows, ToIntFunction<R> layer, Function<R, Estimate> estimate) {
    double[] x = new double[rows.size()];
    double[] y = new double[rows.size()];
    double[] low = new double[rows.size()];
    double[] high = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Estimate e = estimate.apply(rows.get(i));
      x[i] = layer.applyAsInt(rows.get(i));
      y[i] = e.value();
      low[i] = e.ciLow();
      high[i] = e.ciHigh();
    }
    return new Plot.Series(label, x, y, low, high);
  }
}
