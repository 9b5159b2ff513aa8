package dev.saescope.aggregator.stats;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One finite value per item, held in ascending order of the item's {@link ItemKey} (signed long
 * order). Every statistic of this package reads the values in that order, so a sum over a sample is
 * the same double whatever order the observations arrived in.
 */
public final class KeyedSample {
  private final long[] keys; // [n] ascending, distinct
  private final double[] values; // [n] values[i] is the observation of item keys[i]

  private KeyedSample(long[] sortedKeys, double[] values) {
    this.keys = sortedKeys;
    this.values = values;
  }

  /** The sample with {@code values[i]} observed on item {@code keys[i]}; any order. */
  public static KeyedSample of(long[] keys, double[] values) {
    if (keys.length != values.length) {
      throw new IllegalArgumentException(
          keys.length + " item keys for " + values.length + " values; expected one key per value");
    }
    Integer[] order = IntStream.range(0, keys.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingLong(i -> keys[i]));
    long[] k = new long[keys.length];
    double[] v = new double[keys.length];
    for (int i = 0; i < order.length; i++) {
      k[i] = keys[order[i]];
      // -0.0 becomes 0.0: equal values, which Double.compare (and so every sort, and Hipparchus'
      // ranking) would order apart, splitting a tie.
      v[i] = values[order[i]] + 0.0;
      if (!Double.isFinite(v[i])) {
        throw new IllegalArgumentException(
            "item key " + k[i] + ": value " + v[i] + " is not finite");
      }
      if (i > 0 && k[i] == k[i - 1]) {
        throw new IllegalArgumentException("item key " + k[i] + " appears twice in one sample");
      }
    }
    return new KeyedSample(k, v);
  }

  /** The sample of a map from item key to value. */
  public static KeyedSample of(Map<Long, Double> valuesByKey) {
    long[] k = new long[valuesByKey.size()];
    double[] v = new double[valuesByKey.size()];
    int i = 0;
    for (Map.Entry<Long, Double> e : valuesByKey.entrySet()) {
      k[i] = e.getKey();
      v[i++] = e.getValue();
    }
    return of(k, v);
  }

  /**
   * The paired differences {@code a - b} over the items present in both; an item seen in only one
   * of them has no pair and is left out.
   */
  public static KeyedSample pairedDifference(KeyedSample a, KeyedSample b) {
    long[] k = new long[Math.min(a.size(), b.size())];
    double[] v = new double[k.length];
    int n = 0;
    int j = 0;
    for (int i = 0; i < a.size(); i++) {
      while (j < b.size() && b.keys[j] < a.keys[i]) {
        j++;
      }
      if (j < b.size() && b.keys[j] == a.keys[i]) {
        k[n] = a.keys[i];
        v[n++] = a.values[i] - b.values[j];
      }
    }
    return new KeyedSample(Arrays.copyOf(k, n), Arrays.copyOf(v, n));
  }

  /** This sample with one more item; the item must not be in it yet. */
  public KeyedSample with(long key, double value) {
    long[] k = Arrays.copyOf(keys, keys.length + 1);
    double[] v = Arrays.copyOf(values, values.length + 1);
    k[keys.length] = key;
    v[values.length] = value;
    return of(k, v);
  }

  public int size() {
    return keys.length;
  }

  /** The i-th key in ascending order. */
  public long key(int i) {
    return keys[i];
  }

  /** The value of the i-th key in ascending order. */
  public double value(int i) {
    return values[i];
  }

  /** A copy of the keys, ascending. */
  public long[] keys() {
    return keys.clone();
  }

  /** A copy of the values, in ascending order of their keys. */
  public double[] values() {
    return values.clone();
  }
}
