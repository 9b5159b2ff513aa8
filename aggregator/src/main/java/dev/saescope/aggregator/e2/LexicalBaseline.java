package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.analysis.ItemMeans;
import dev.saescope.aggregator.analysis.Resampling;
import dev.saescope.aggregator.e2.E2aTables.LexicalRow;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.stats.KeyedSample;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * E2a's lexical baseline (EXPERIMENTS.md §4): the same distance on bag-of-token vectors. A task's
 * question bag counts the token ids at positions {@code [1, ansStart)} (BOS left out, the prompt
 * template's tokens in), the answer bag those at {@code [ansStart, ansEnd)}; {@code d_lex = 1 -
 * cos} of the two count vectors. NaN without an answer.
 */
final class LexicalBaseline {
  private LexicalBaseline() {}

  /** {@code 1 - cos(bag(question), bag(answer))}. */
  static double distance(TaskObservation t) {
    if (!t.hasAnswer()) {
      return Double.NaN;
    }
    Map<Integer, Integer> q = bag(t.questionIds());
    Map<Integer, Integer> a = bag(t.answerIds());
    double dot = 0;
    for (Map.Entry<Integer, Integer> e : q.entrySet()) {
      dot += (double) e.getValue() * a.getOrDefault(e.getKey(), 0);
    }
    double nq = squaredNorm(q);
    double na = squaredNorm(a);
    return nq == 0 || na == 0 ? Double.NaN : 1 - dot / Math.sqrt(nq * na);
  }

  static LexicalRow row(
      String name,
      List<TaskObservation> observations,
      Predicate<TaskObservation> a,
      Predicate<TaskObservation> b,
      Resampling stats) {
    ItemMeans ma = new ItemMeans();
    ItemMeans mb = new ItemMeans();
    for (TaskObservation t : observations) {
      if (a.test(t)) {
        ma.add(t.itemKey(), distance(t));
      } else if (b.test(t)) {
        mb.add(t.itemKey(), distance(t));
      }
    }
    KeyedSample sa = ma.sample();
    KeyedSample sb = mb.sample();
    KeyedSample d = KeyedSample.pairedDifference(sa, sb);
    return new LexicalRow(
        name,
        stats.meanDifference(d),
        stats.mean(sa),
        stats.mean(sb),
        stats.auroc(sa, sb),
        stats.cohensDz(d));
  }

  private static Map<Integer, Integer> bag(int[] ids) {
    Map<Integer, Integer> bag = new TreeMap<>();
    for (int id : ids) {
      bag.merge(id, 1, Integer::sum);
    }
    return bag;
  }

  private static double squaredNorm(Map<Integer, Integer> bag) {
    double s = 0;
    for (int c : bag.values()) {
      s += (double) c * c;
    }
    return s;
  }
}
