package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.observe.TaskObservation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * E2c's baseline: counts of token b standing {@code 1 + n} after token a, over positions {@code
 * [q_end, ansEnd - 1 - n)} of the texts counted (a skip-bigram for n > 0).
 */
final class Bigram {
  private final int n;
  private final Map<Integer, Map<Integer, Integer>> counts = new HashMap<>();

  Bigram(int n) {
    this.n = n;
  }

  void count(TaskObservation t) {
    int[] ids = t.tokens().ids();
    for (int p = t.tokens().qEnd(); p < t.tokens().ansEnd() - 1 - n; p++) {
      counts.computeIfAbsent(ids[p], k -> new HashMap<>()).merge(ids[p + 1 + n], 1, Integer::sum);
    }
  }

  boolean isEmpty() {
    return counts.isEmpty();
  }

  /** The {@code k} most counted followers of {@code a}, ties to the lower id; empty if unseen. */
  int[] top(int a, int k) {
    Map<Integer, Integer> next = counts.get(a);
    if (next == null) {
      return new int[0];
    }
    List<Map.Entry<Integer, Integer>> entries = new ArrayList<>(next.entrySet());
    entries.sort(
        (x, y) ->
            !x.getValue().equals(y.getValue())
                ? Integer.compare(y.getValue(), x.getValue())
                : Integer.compare(x.getKey(), y.getKey()));
    return entries.stream().limit(k).mapToInt(Map.Entry::getKey).toArray();
  }
}
