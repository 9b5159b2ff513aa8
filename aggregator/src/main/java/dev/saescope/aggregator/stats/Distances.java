package dev.saescope.aggregator.stats;

import dev.saescope.avro.SparseLatents;
import dev.saescope.avro.TaskResult;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * EXPERIMENTS.md E2a: {@code d_l = 1 - cos(x(q_end), mean_{p in ans} x(p))}, on the dense residual
 * ({@code h_l}) and on the SAE latents ({@code z_l}) of one result. NaN when the result has no
 * answer (cloze) or a zero vector. Works on one whole result: split results must be joined first.
 */
public final class Distances {
  private Distances() {}

  /** Distance on the dense {@code resid_post} rows: row 0 is {@code q_end}, the rest the answer. */
  public static double dense(TaskResult r) {
    requireWhole(r);
    List<Integer> positions = r.getDensePositions();
    int d = r.getDModel();
    if (positions.size() < 2 || positions.get(0) != r.getQEnd() || d == 0) {
      return Double.NaN;
    }
    FloatBuffer f = r.getDense().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    if (f.remaining() != positions.size() * d) {
      throw new IllegalArgumentException(
          "result "
              + r.getTaskId()
              + " layer "
              + r.getLayer()
              + ": dense holds "
              + f.remaining()
              + " floats for "
              + positions.size()
              + " rows of "
              + d);
    }
    double[] q = new double[d];
    double[] mean = new double[d];
    for (int c = 0; c < d; c++) {
      q[c] = f.get(c);
    }
    int answerRows = 0;
    for (int row = 1; row < positions.size(); row++) {
      int pos = positions.get(row);
      if (pos < r.getAnsStart() || pos >= r.getAnsEnd()) {
        continue;
      }
      for (int c = 0; c < d; c++) {
        mean[c] += f.get(row * d + c);
      }
      answerRows++;
    }
    return answerRows == 0 ? Double.NaN : 1 - cosine(q, mean);
  }

  /** Distance on the sparse latents: {@code q_end}'s latents against the answer's mean latents. */
  public static double latent(TaskResult r) {
    requireWhole(r);
    if (r.getLatents().isEmpty() || r.getAnsEnd() <= r.getAnsStart()) {
      return Double.NaN;
    }
    Map<Integer, Double> q = new HashMap<>();
    Map<Integer, Double> mean = new HashMap<>();
    for (SparseLatents s : r.getLatents()) {
      if (s.getPosition() == r.getQEnd()) {
        add(q, s);
      } else if (s.getPosition() >= r.getAnsStart() && s.getPosition() < r.getAnsEnd()) {
        add(mean, s); // the mean's 1/n does not change the cosine
      }
    }
    double dot = 0;
    for (Map.Entry<Integer, Double> e : q.entrySet()) {
      dot += e.getValue() * mean.getOrDefault(e.getKey(), 0.0);
    }
    double nq = norm(q.values());
    double nm = norm(mean.values());
    return nq == 0 || nm == 0 ? Double.NaN : 1 - dot / (nq * nm);
  }

  private static void add(Map<Integer, Double> into, SparseLatents s) {
    for (int i = 0; i < s.getIndices().size(); i++) {
      into.merge(s.getIndices().get(i), (double) s.getValues().get(i), Double::sum);
    }
  }

  private static double norm(Iterable<Double> values) {
    double s = 0;
    for (double v : values) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  static double cosine(double[] a, double[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return na == 0 || nb == 0 ? Double.NaN : dot / Math.sqrt(na * nb);
  }

  private static void requireWhole(TaskResult r) {
    if (r.getParts() != 1) {
      throw new IllegalArgumentException(
          "result "
              + r.getTaskId()
              + " layer "
              + r.getLayer()
              + " is part "
              + r.getPart()
              + " of "
              + r.getParts()
              + "; join the parts first");
    }
  }
}
