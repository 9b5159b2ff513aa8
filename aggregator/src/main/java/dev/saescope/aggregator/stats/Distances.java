package dev.saescope.aggregator.stats;

import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.PromptTokens;
import java.util.HashMap;
import java.util.Map;

/**
 * EXPERIMENTS.md E2a: {@code d_l = 1 - cos(x(q_end), mean_{p in ans} x(p))}, on the dense residual
 * ({@code h_l}) and on the SAE latents ({@code z_l}) of one result. NaN when the result has no
 * answer (cloze) or a zero vector. Works on one whole result: split results must be joined first.
 * The record guarantees that the dense values fill {@code [rows, dModel]}.
 */
public final class Distances {
  private Distances() {}

  /** Distance on the dense {@code resid_post} rows: row 0 is {@code q_end}, the rest the answer. */
  public static double dense(LayerResult r) {
    requireWhole(r);
    DenseRows rows = r.dense();
    PromptTokens tokens = r.tokens();
    int d = rows.dModel();
    if (rows.rows() < 2 || rows.positions()[0] != tokens.qEnd() || d == 0) {
      return Double.NaN;
    }
    double[] q = new double[d];
    double[] mean = new double[d];
    for (int c = 0; c < d; c++) {
      q[c] = rows.get(0, c);
    }
    int answerRows = 0;
    for (int row = 1; row < rows.rows(); row++) {
      if (!tokens.inAnswer(rows.positions()[row])) {
        continue;
      }
      for (int c = 0; c < d; c++) {
        mean[c] += rows.get(row, c);
      }
      answerRows++;
    }
    return answerRows == 0 ? Double.NaN : 1 - cosine(q, mean);
  }

  /** Distance on the sparse latents: {@code q_end}'s latents against the answer's mean latents. */
  public static double latent(LayerResult r) {
    requireWhole(r);
    PromptTokens tokens = r.tokens();
    if (r.latents().isEmpty() || !tokens.hasAnswer()) {
      return Double.NaN;
    }
    Map<Integer, Double> q = new HashMap<>();
    Map<Integer, Double> mean = new HashMap<>();
    for (LatentRow s : r.latents().rows()) {
      if (s.position() == tokens.qEnd()) {
        add(q, s);
      } else if (tokens.inAnswer(s.position())) {
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

  private static void add(Map<Integer, Double> into, LatentRow s) {
    for (int i = 0; i < s.indices().length; i++) {
      into.merge(s.indices()[i], (double) s.values()[i], Double::sum);
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

  private static void requireWhole(LayerResult r) {
    if (!r.isWhole()) {
      throw new IllegalArgumentException(
          "result "
              + r.taskId()
              + " layer "
              + r.layer()
              + " is part "
              + r.part()
              + " of "
              + r.parts()
              + "; join the parts first (ResultParts.join)");
    }
  }
}
