package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.analysis.ItemMeans;
import dev.saescope.aggregator.analysis.LayerSite;
import dev.saescope.aggregator.e2.E2aAnalysis.Samples;
import dev.saescope.aggregator.observe.KeptVectors;
import dev.saescope.aggregator.observe.LayerObservation;
import dev.saescope.aggregator.observe.SparseRow;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * E2a's "answer taken from a different item" control (EXPERIMENTS.md §4), on the kept vectors. Each
 * item is paired with the next item in item-key order within its relation (the last with the first;
 * a relation with one item has no pair). With {@code A_i} the mean pooled answer of item i's direct
 * tasks and {@code q_t} the {@code q_end} vector of task t: condition A is {@code own(i) = mean_t
 * (1 - cos(q_t, A_i))}, condition B {@code other(i) = mean_t (1 - cos(q_t, A_j))} over i's direct
 * tasks, both from the same float16 vectors so that rounding does not differ between them.
 */
final class OtherItemControl {
  private OtherItemControl() {}

  /** One item's kept direct vectors at one layer and site. */
  private static final class ItemVectors {
    final String relation;
    final List<double[]> qEndH = new ArrayList<>();
    final List<SparseRow> qEndZ = new ArrayList<>();
    double[] answerH; // sum, then mean, of the tasks' pooled answers
    TreeMap<Integer, Double> answerZ = new TreeMap<>();
    int answers;

    ItemVectors(String relation) {
      this.relation = relation;
    }
  }

  static TreeMap<LayerSite, Samples> samples(
      List<TaskObservation> observations, Representation rep) {
    TreeMap<LayerSite, TreeMap<Long, ItemVectors>> byLayer = new TreeMap<>();
    for (TaskObservation t : observations) {
      if (t.variant() != Variant.DIRECT) {
        continue;
      }
      for (LayerObservation l : t.layers()) {
        KeptVectors v = l.vectors();
        boolean has =
            rep == Representation.H
                ? !v.qEndH().isEmpty() && !v.answerH().isEmpty()
                : !v.qEndZ().isEmpty() && !v.answerZ().isEmpty();
        if (!has || !rep.applies(l)) {
          continue;
        }
        ItemVectors iv =
            byLayer
                .computeIfAbsent(new LayerSite(l.layer(), l.site()), k -> new TreeMap<>())
                .computeIfAbsent(t.itemKey(), k -> new ItemVectors(t.labels().relation()));
        add(iv, v, rep);
      }
    }
    TreeMap<LayerSite, Samples> out = new TreeMap<>();
    byLayer.forEach((k, items) -> out.put(k, pairUp(items, rep)));
    return out;
  }

  private static void add(ItemVectors iv, KeptVectors v, Representation rep) {
    iv.answers++;
    if (rep == Representation.H) {
      iv.qEndH.add(v.qEndH().toDoubles());
      double[] a = v.answerH().toDoubles();
      if (iv.answerH == null) {
        iv.answerH = new double[a.length];
      }
      for (int c = 0; c < a.length; c++) {
        iv.answerH[c] += a[c];
      }
    } else {
      iv.qEndZ.add(v.qEndZ());
      double[] a = v.answerZ().values().toDoubles();
      for (int i = 0; i < a.length; i++) {
        iv.answerZ.merge(v.answerZ().indices()[i], a[i], Double::sum);
      }
    }
  }

  private static Samples pairUp(TreeMap<Long, ItemVectors> items, Representation rep) {
    TreeMap<String, List<Map.Entry<Long, ItemVectors>>> byRelation = new TreeMap<>();
    for (Map.Entry<Long, ItemVectors> e : items.entrySet()) {
      byRelation.computeIfAbsent(e.getValue().relation, k -> new ArrayList<>()).add(e);
    }
    ItemMeans own = new ItemMeans();
    ItemMeans other = new ItemMeans();
    for (List<Map.Entry<Long, ItemVectors>> relation : byRelation.values()) {
      if (relation.size() < 2) {
        continue;
      }
      for (int i = 0; i < relation.size(); i++) {
        long key = relation.get(i).getKey();
        ItemVectors self = relation.get(i).getValue();
        ItemVectors next = relation.get((i + 1) % relation.size()).getValue();
        int tasks = rep == Representation.H ? self.qEndH.size() : self.qEndZ.size();
        for (int t = 0; t < tasks; t++) {
          own.add(key, 1 - cosine(self, t, self, rep));
          other.add(key, 1 - cosine(self, t, next, rep));
        }
      }
    }
    return new Samples(own.sample(), other.sample());
  }

  /** cos(q of task t of {@code q}, mean answer of {@code a}); the mean's 1/n cancels. */
  private static double cosine(ItemVectors q, int t, ItemVectors a, Representation rep) {
    double dot = 0;
    double nq = 0;
    double na = 0;
    if (rep == Representation.H) {
      double[] x = q.qEndH.get(t);
      if (x.length != a.answerH.length) {
        return Double.NaN;
      }
      for (int c = 0; c < x.length; c++) {
        dot += x[c] * a.answerH[c];
        nq += x[c] * x[c];
        na += a.answerH[c] * a.answerH[c];
      }
    } else {
      SparseRow z = q.qEndZ.get(t);
      double[] v = z.values().toDoubles();
      for (int i = 0; i < v.length; i++) {
        dot += v[i] * a.answerZ.getOrDefault(z.indices()[i], 0.0);
        nq += v[i] * v[i];
      }
      for (double x : a.answerZ.values()) {
        na += x * x;
      }
    }
    return nq == 0 || na == 0 ? Double.NaN : dot / Math.sqrt(nq * na);
  }
}
