package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.analysis.ItemMeans;
import dev.saescope.aggregator.analysis.LayerSite;
import dev.saescope.aggregator.analysis.Resampling;
import dev.saescope.aggregator.e2.E2aTables.E2aRow;
import dev.saescope.aggregator.e2.E2aTables.LexicalRow;
import dev.saescope.aggregator.observe.LayerObservation;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.stats.Estimate;
import dev.saescope.aggregator.stats.KeyedSample;
import dev.saescope.aggregator.stats.LayerSignificance;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/** E2a (EXPERIMENTS.md §4) over a run's observations. */
public final class E2aAnalysis {
  /** The level the verdict sentence tests at. */
  public static final double ALPHA = 0.05;

  private E2aAnalysis() {}

  /** One item-level sample per condition at each layer: [0] = A (direct), [1] = B. */
  record Samples(KeyedSample a, KeyedSample b) {}

  /**
   * The E2a tables: direct vs evasive, the controls (counterfactual, another item's answer, the
   * lexical baseline) and the splits (evasive family, subject mention, relation).
   *
   * @param observations the run's observations in {@code TaskObservation.ORDER}
   */
  public static E2aTables compute(List<TaskObservation> observations, AnalysisOptions options) {
    Resampling stats = new Resampling(options);
    Predicate<TaskObservation> direct = t -> t.variant() == Variant.DIRECT;
    Predicate<TaskObservation> evasive = t -> t.variant() == Variant.EVASIVE;
    List<E2aRow> rows = new ArrayList<>();
    rows.addAll(compare(E2aTables.MAIN, observations, direct, evasive, stats));
    rows.addAll(
        compare(
            "direct_vs_counterfactual",
            observations,
            direct,
            t -> t.variant() == Variant.COUNTERFACTUAL,
            stats));
    for (Representation rep : Representation.values()) {
      rows.addAll(
          rows("direct_vs_other_item", rep, OtherItemControl.samples(observations, rep), stats));
    }
    rows.addAll(splits(observations, direct, evasive, stats));
    List<LexicalRow> lexical =
        List.of(
            LexicalBaseline.row(E2aTables.MAIN, observations, direct, evasive, stats),
            LexicalBaseline.row(
                "direct_vs_counterfactual",
                observations,
                direct,
                t -> t.variant() == Variant.COUNTERFACTUAL,
                stats));
    List<String> verdicts = new ArrayList<>();
    for (Representation rep : Representation.values()) {
      verdicts.add(verdict(rows, rep));
    }
    return new E2aTables(rows, lexical, verdicts);
  }

  /** Direct vs evasive per evasive family, per subject-mention flag and per relation. */
  private static List<E2aRow> splits(
      List<TaskObservation> observations,
      Predicate<TaskObservation> direct,
      Predicate<TaskObservation> evasive,
      Resampling stats) {
    List<E2aRow> rows = new ArrayList<>();
    for (String family : values(observations, t -> t.labels().family())) {
      rows.addAll(
          compare(
              E2aTables.MAIN + "[family=" + family + "]",
              observations,
              direct,
              evasive.and(t -> family.equals(t.labels().family())),
              stats));
    }
    for (boolean mentions : new boolean[] {false, true}) {
      rows.addAll(
          compare(
              E2aTables.MAIN + "[mentions_subject=" + mentions + "]",
              observations,
              direct,
              evasive.and(t -> t.labels().answerMentionsSubject() == mentions),
              stats));
    }
    for (String relation : values(observations, t -> t.labels().relation())) {
      Predicate<TaskObservation> in = t -> relation.equals(t.labels().relation());
      rows.addAll(
          compare(
              E2aTables.MAIN + "[relation=" + relation + "]",
              observations,
              direct.and(in),
              evasive.and(in),
              stats));
    }
    return rows;
  }

  private static TreeSet<String> values(
      List<TaskObservation> observations, java.util.function.Function<TaskObservation, String> f) {
    TreeSet<String> out = new TreeSet<>();
    for (TaskObservation t : observations) {
      String v = f.apply(t);
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  /** Condition A against B on the distances the observations carry, for h and for z. */
  static List<E2aRow> compare(
      String name,
      List<TaskObservation> observations,
      Predicate<TaskObservation> a,
      Predicate<TaskObservation> b,
      Resampling stats) {
    List<E2aRow> out = new ArrayList<>();
    for (Representation rep : Representation.values()) {
      TreeMap<LayerSite, ItemMeans[]> means = new TreeMap<>();
      for (TaskObservation t : observations) {
        int side = a.test(t) ? 0 : b.test(t) ? 1 : -1;
        if (side < 0) {
          continue;
        }
        for (LayerObservation l : t.layers()) {
          if (rep.applies(l)) {
            means
                .computeIfAbsent(
                    new LayerSite(l.layer(), l.site()),
                    k -> new ItemMeans[] {new ItemMeans(), new ItemMeans()})[side]
                .add(t.itemKey(), rep.distance(l));
          }
        }
      }
      TreeMap<LayerSite, Samples> samples = new TreeMap<>();
      means.forEach((k, m) -> samples.put(k, new Samples(m[0].sample(), m[1].sample())));
      out.addAll(rows(name, rep, samples, stats));
    }
    return out;
  }

  /** The rows of one comparison and representation, with maxT over its layers. */
  static List<E2aRow> rows(
      String name, Representation rep, TreeMap<LayerSite, Samples> samples, Resampling stats) {
    List<KeyedSample> differences = new ArrayList<>();
    for (Samples s : samples.values()) {
      differences.add(KeyedSample.pairedDifference(s.a(), s.b()));
    }
    List<LayerSignificance> significance = stats.maxT(differences);
    List<E2aRow> rows = new ArrayList<>();
    int i = 0;
    for (Map.Entry<LayerSite, Samples> e : samples.entrySet()) {
      KeyedSample d = differences.get(i);
      LayerSignificance sig = significance.get(i++);
      Samples s = e.getValue();
      rows.add(
          new E2aRow(
              name,
              rep.key,
              e.getKey().layer(),
              e.getKey().site(),
              stats.mean(d).withP(sig.pAdjusted()),
              sig.p(),
              sig.t(),
              stats.mean(s.a()),
              stats.mean(s.b()),
              stats.auroc(s.a(), s.b()),
              stats.cohensDz(d)));
    }
    return rows;
  }

  /**
   * The plain sentence for direct vs evasive on one representation: the layer with the smallest
   * adjusted p (ties to the larger |t|, then the shallower layer) if that p is at most {@link
   * #ALPHA}.
   */
  static String verdict(List<E2aRow> rows, Representation rep) {
    String what = rep == Representation.H ? "h (residual stream)" : "z (SAE latents)";
    E2aRow best = null;
    for (E2aRow r : rows) {
      if (!r.comparison().equals(E2aTables.MAIN)
          || !r.representation().equals(rep.key)
          || Double.isNaN(r.delta().p())) {
        continue;
      }
      if (best == null
          || r.delta().p() < best.delta().p()
          || (r.delta().p() == best.delta().p() && Math.abs(r.t()) > Math.abs(best.t()))) {
        best = r;
      }
    }
    if (best == null) {
      return "On " + what + ": no layer has direct and evasive answers on two or more items.";
    }
    Estimate d = best.delta();
    String figures =
        String.format(
            Locale.ROOT,
            "delta = d(direct) - d(evasive) = %.4g [95%% CI %.4g, %.4g], adjusted p = %.3g,"
                + " n = %d items",
            d.value(),
            d.ciLow(),
            d.ciHigh(),
            d.p(),
            d.n());
    if (d.p() <= ALPHA) {
      return String.format(
          Locale.ROOT,
          "On %s, layer %d (%s) wins under the max-over-layers correction: %s.",
          what,
          best.layer(),
          best.site(),
          figures);
    }
    return String.format(
        Locale.ROOT,
        "On %s, no layer differs at %.2f under the max-over-layers correction; the smallest"
            + " adjusted p is at layer %d (%s): %s.",
        what,
        ALPHA,
        best.layer(),
        best.site(),
        figures);
  }
}
