package dev.saescope.runtime.model;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/** Top-k of one logits row on the Java side, with log-softmax computed in double. */
final class TopK {
  private TopK() {}

  static List<TokenScore> of(float[] logits, int k) {
    if (k <= 0 || k > logits.length) {
      throw new IllegalArgumentException("top-k must be in 1.." + logits.length + ", got " + k);
    }
    double logZ = logSumExp(logits);
    // min-heap of the k best indices; ties broken towards the lower id
    PriorityQueue<Integer> heap =
        new PriorityQueue<>(
            k + 1,
            (a, b) ->
                logits[a] != logits[b]
                    ? Float.compare(logits[a], logits[b])
                    : Integer.compare(b, a));
    for (int i = 0; i < logits.length; i++) {
      heap.add(i);
      if (heap.size() > k) {
        heap.poll();
      }
    }
    List<TokenScore> out = new ArrayList<>(k);
    while (!heap.isEmpty()) {
      int i = heap.poll();
      out.add(new TokenScore(i, logits[i], (float) (logits[i] - logZ)));
    }
    java.util.Collections.reverse(out);
    return List.copyOf(out);
  }

  /** {@code log sum exp(logits)} in double, shifted by the maximum. */
  static double logSumExp(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : logits) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : logits) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum);
  }
}
