package dev.saescope.aggregator.analysis;

import dev.saescope.aggregator.stats.KeyedSample;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-item means of task-level values (EXPERIMENTS.md §6: the item is the unit of resampling, an
 * item's value is the mean over its tasks). NaN values are skipped, so an item with no finite value
 * is left out. Values must be added in the analyses' observation order for the sums to be the same
 * doubles on every run.
 */
public final class ItemMeans {
  private final TreeMap<Long, double[]> sums = new TreeMap<>(); // key -> {sum, count}

  /** Adds one task's value to its item; NaN is ignored. */
  public void add(long itemKey, double value) {
    if (Double.isNaN(value)) {
      return;
    }
    if (Double.isInfinite(value)) {
      throw new IllegalArgumentException("item key " + itemKey + ": value " + value);
    }
    double[] s = sums.computeIfAbsent(itemKey, k -> new double[2]);
    s[0] += value;
    s[1]++;
  }

  /** The items' means, one value per item. */
  public KeyedSample sample() {
    long[] keys = new long[sums.size()];
    double[] values = new double[sums.size()];
    int i = 0;
    for (Map.Entry<Long, double[]> e : sums.entrySet()) {
      keys[i] = e.getKey();
      values[i++] = e.getValue()[0] / e.getValue()[1];
    }
    return KeyedSample.of(keys, values);
  }

  /** Number of items with a value. */
  public int items() {
    return sums.size();
  }
}
