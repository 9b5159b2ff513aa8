package dev.saescope.aggregator.e1;

import dev.saescope.aggregator.analysis.AnalysisOptions;
import dev.saescope.aggregator.analysis.Resampling;
import dev.saescope.aggregator.e1.E1Tables.ContextRow;
import dev.saescope.aggregator.observe.KeptVectors;
import dev.saescope.aggregator.observe.LayerObservation;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.stats.Estimate;
import dev.saescope.aggregator.stats.KeyedSample;
import dev.saescope.aggregator.stats.WeightedStatistic;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * E1b context sensitivity (EXPERIMENTS.md §3). A context is an item: the first direct task (by task
 * id) of the item whose answer starts with the token, with its kept {@code h_l(ans[0])} and active
 * latent set. Tokens with contexts in at least two items enter, each with at most {@code
 * maxContextsPerToken} contexts (lowest item keys).
 *
 * <p>Pairs are pairs of distinct contexts. Under bootstrap weights {@code w} (an item drawn {@code
 * w} times), a pair weighs {@code w_c w_c'}; copies of one context are not paired with each other,
 * so a replicate's statistic is the weighted mean over distinct-context pairs. With unit vectors
 * {@code u_c} and per-token sums {@code S_t = sum w_c u_c}, {@code K_t = sum w_c}: same-token
 * {@code sum_t (|S_t|^2 - sum w_c^2 |u_c|^2) / sum_t (K_t^2 - sum w_c^2)}, different-token {@code
 * (|S|^2 - sum_t |S_t|^2) / (K^2 - sum_t K_t^2)}: O(contexts x dModel) per replicate, sums in token
 * then item-key order.
 */
final class ContextSensitivity {
  private ContextSensitivity() {}

  /** One context's data at one layer and site. */
  record Context(int item, int token, double[] unit, int[] active) {}

  static List<ContextRow> compute(
      List<TaskObservation> observations, AnalysisOptions options, Resampling stats) {
    // (layer, site) -> token -> contexts in item-key order
    TreeMap<String, Integer> layerOf = new TreeMap<>();
    Map<String, TreeMap<Integer, List<Context>>> byLayer = new TreeMap<>();
    Map<Long, Integer> itemIndex = new LinkedHashMap<>();
    List<Long> itemKeys = new ArrayList<>();
    Set<String> seen = new HashSet<>(); // "layer site item token": first task only
    for (TaskObservation t : observations) {
      if (t.variant() != Variant.DIRECT || !t.hasAnswer()) {
        continue;
      }
      for (LayerObservation l : t.layers()) {
        KeptVectors v = l.vectors();
        if (v.ans0H().isEmpty() && v.ans0Active().length == 0) {
          continue;
        }
        String key = String.format("%06d %s", l.layer(), l.site());
        if (!seen.add(key + " " + t.itemKey() + " " + t.ans0())) {
          continue;
        }
        int item =
            itemIndex.computeIfAbsent(
                t.itemKey(),
                k -> {
                  itemKeys.add(k);
                  return itemKeys.size() - 1;
                });
        layerOf.put(key, l.layer());
        List<Context> contexts =
            byLayer
                .computeIfAbsent(key, k -> new TreeMap<>())
                .computeIfAbsent(t.ans0(), k -> new ArrayList<>());
        if (contexts.size() < options.maxContextsPerToken()) {
          double[] unit = v.ans0H().isEmpty() ? null : unit(v.ans0H().toDoubles());
          contexts.add(new Context(item, t.ans0(), unit, v.ans0Active()));
        }
      }
    }
    List<ContextRow> rows = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Integer, List<Context>>> e : byLayer.entrySet()) {
      String site = e.getKey().substring(e.getKey().indexOf(' ') + 1);
      rows.add(row(layerOf.get(e.getKey()), site, e.getValue(), itemKeys, stats));
    }
    return rows;
  }

  private static ContextRow row(
      int layer,
      String site,
      TreeMap<Integer, List<Context>> byToken,
      List<Long> itemKeys,
      Resampling stats) {
    List<List<Context>> dense = groups(byToken, true);
    List<List<Context>> sets = groups(byToken, false);
    int tokens = Math.max(dense.size(), sets.size());
    int contexts = Math.max(count(dense), count(sets));
    return new ContextRow(
        layer,
        site,
        tokens,
        contexts,
        estimate(dense, itemKeys, stats, ContextSensitivity::sameToken),
        estimate(dense, itemKeys, stats, ContextSensitivity::differentToken),
        estimate(sets, itemKeys, stats, ContextSensitivity::jaccard));
  }

  /** Tokens with at least two contexts that have the data (dense vectors or latent sets). */
  private static List<List<Context>> groups(TreeMap<Integer, List<Context>> byToken, boolean h) {
    List<List<Context>> out = new ArrayList<>();
    for (List<Context> cs : byToken.values()) {
      List<Context> with =
          cs.stream().filter(c -> h ? c.unit() != null : c.active().length > 0).toList();
      if (with.size() >= 2) {
        out.add(with);
      }
    }
    return out;
  }

  private static int count(List<List<Context>> groups) {
    return groups.stream().mapToInt(List::size).sum();
  }

  /** A pair statistic of the groups under per-item weights {@code w} (indexed by item). */
  private interface GroupStatistic {
    double apply(List<List<Context>> groups, double[] w);
  }

  /**
   * The statistic with its bootstrap interval over the items of the groups: the sample's values are
   * item indices, so the weighted statistic can look the items' contexts up.
   */
  private static Estimate estimate(
      List<List<Context>> groups, List<Long> itemKeys, Resampling stats, GroupStatistic s) {
    if (groups.isEmpty()) {
      return Resampling.NONE;
    }
    TreeMap<Long, Integer> items = new TreeMap<>();
    for (List<Context> g : groups) {
      for (Context c : g) {
        items.put(itemKeys.get(c.item()), c.item());
      }
    }
    long[] keys = items.keySet().stream().mapToLong(Long::longValue).toArray();
    double[] index = items.values().stream().mapToDouble(Integer::doubleValue).toArray();
    int n = itemKeys.size();
    WeightedStatistic weighted =
        (values, weights) -> {
          double[] w = new double[n];
          for (int i = 0; i < values.length; i++) {
            w[(int) values[i]] = weights[i];
          }
          return s.apply(groups, w);
        };
    return stats.of(KeyedSample.of(keys, index), weighted);
  }

  static double sameToken(List<List<Context>> groups, double[] w) {
    double num = 0;
    double den = 0;
    for (List<Context> g : groups) {
      double[] sum = weightedSum(g, w);
      double k = 0;
      double self = 0;
      double selfCount = 0;
      for (Context c : g) {
        double wc = w[c.item()];
        k += wc;
        self += wc * wc * dot(c.unit(), c.unit());
        selfCount += wc * wc;
      }
      num += dot(sum, sum) - self;
      den += k * k - selfCount;
    }
    return den == 0 ? Double.NaN : num / den;
  }

  static double differentToken(List<List<Context>> groups, double[] w) {
    double[] total = null;
    double within = 0;
    double k = 0;
    double withinCount = 0;
    for (List<Context> g : groups) {
      double[] sum = weightedSum(g, w);
      double kt = 0;
      for (Context c : g) {
        kt += w[c.item()];
      }
      if (total == null) {
        total = new double[sum.length];
      }
      for (int i = 0; i < sum.length; i++) {
        total[i] += sum[i];
      }
      within += dot(sum, sum);
      k += kt;
      withinCount += kt * kt;
    }
    double den = k * k - withinCount;
    return den == 0 ? Double.NaN : (dot(total, total) - within) / den;
  }

  static double jaccard(List<List<Context>> groups, double[] w) {
    double num = 0;
    double den = 0;
    for (List<Context> g : groups) {
      for (int a = 0; a < g.size(); a++) {
        for (int b = a + 1; b < g.size(); b++) {
          double ww = w[g.get(a).item()] * w[g.get(b).item()];
          if (ww != 0) {
            num += ww * jaccard(g.get(a).active(), g.get(b).active());
            den += ww;
          }
        }
      }
    }
    return den == 0 ? Double.NaN : num / den;
  }

  /** |a ∩ b| / |a ∪ b| of two ascending id lists; 0 for two empty ones never arises here. */
  static double jaccard(int[] a, int[] b) {
    int both = 0;
    int i = 0;
    int j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] == b[j]) {
        both++;
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return (double) both / (a.length + b.length - both);
  }

  private static double[] weightedSum(List<Context> g, double[] w) {
    double[] sum = new double[g.get(0).unit() == null ? 0 : g.get(0).unit().length];
    for (Context c : g) {
      double wc = w[c.item()];
      if (wc != 0 && c.unit() != null) {
        for (int i = 0; i < sum.length; i++) {
          sum[i] += wc * c.unit()[i];
        }
      }
    }
    return sum;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double[] unit(double[] x) {
    double n = Math.sqrt(dot(x, x));
    if (n == 0) {
      return null;
    }
    double[] u = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      u[i] = x[i] / n;
    }
    return u;
  }
}
