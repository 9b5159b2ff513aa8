package dev.saescope.worker.compute;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows of numbers kept once per distinct value (bit for bit), each with the union of the tokens
 * asked of it: full-vocabulary work on a row costs the same whatever it scores, so rows that recur
 * in a micro-batch (tasks sharing the prefix up to a position, one latent chosen twice) are
 * computed once. Rows are equal only when every value's bits are, so a shared row gives exactly
 * what each of its copies would have.
 */
final class SharedRows {
  /** A row's values as a map key, compared with {@link Arrays#equals(float[], float[])}. */
  private record Key(float[] values) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(values);
    }
  }

  private final Map<Key, Integer> index = new HashMap<>();
  private final List<float[]> rows = new ArrayList<>();
  private final List<List<Integer>> tokens = new ArrayList<>();

  /**
   * What one added row asks of the shared rows.
   *
   * @param row the shared row's index
   * @param columns for each target, its column in {@link #tokens} of that row, -1 for none
   */
  record Asked(int row, int[] columns) {
    /**
     * This row's values from its shared row's: {@code perToken[column]}, {@code absent} for none.
     */
    int[] spread(int[] perToken, int absent) {
      int[] out = new int[columns.length];
      for (int j = 0; j < out.length; j++) {
        out[j] = columns[j] < 0 ? absent : perToken[columns[j]];
      }
      return out;
    }
  }

  /** Adds a row (kept, not copied: do not change it) asking for {@code targets} (-1 = none). */
  Asked add(float[] values, int[] targets) {
    int u =
        index.computeIfAbsent(
            new Key(values),
            k -> {
              rows.add(values);
              tokens.add(new ArrayList<>());
              return rows.size() - 1;
            });
    List<Integer> asked = tokens.get(u);
    int[] columns = new int[targets.length];
    for (int j = 0; j < targets.length; j++) {
      int c = targets[j] < 0 ? -1 : asked.indexOf(targets[j]);
      if (targets[j] >= 0 && c < 0) {
        asked.add(targets[j]);
        c = asked.size() - 1;
      }
      columns[j] = c;
    }
    return new Asked(u, columns);
  }

  /** Distinct rows so far. */
  int size() {
    return rows.size();
  }

  /** Row {@code u}'s values. */
  float[] row(int u) {
    return rows.get(u);
  }

  /** The distinct tokens asked of row {@code u}, in the order first asked. */
  int[] tokens(int u) {
    return tokens.get(u).stream().mapToInt(Integer::intValue).toArray();
  }
}
