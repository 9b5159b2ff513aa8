package dev.saescope.aggregator.observe;

import dev.saescope.schemas.DenseRows;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.PromptTokens;

/**
 * The dense rows of one {@code resid_post} result that the figures use, in doubles. Null vectors
 * where the result has no such row.
 *
 * @param qEnd {@code h_l(q_end)} // [dModel]
 * @param answer {@code mean_{p in ans} h_l(p)} over the answer rows present, in position order //
 *     [dModel]
 * @param ans0 {@code h_l(ans[0])} // [dModel]
 */
record DenseView(double[] qEnd, double[] answer, double[] ans0) {

  /** The view of {@code r}'s dense rows; null when it has none. */
  static DenseView of(LayerResult r) {
    DenseRows rows = r.dense();
    int d = rows.dModel();
    if (rows.rows() == 0 || d == 0) {
      return null;
    }
    PromptTokens t = r.tokens();
    double[] q = null;
    double[] ans0 = null;
    double[] sum = new double[d];
    int answerRows = 0;
    for (int row = 0; row < rows.rows(); row++) {
      int p = rows.positions()[row];
      if (p == t.qEnd()) {
        q = row(rows, row);
      } else if (t.inAnswer(p)) {
        double[] x = row(rows, row);
        for (int c = 0; c < d; c++) {
          sum[c] += x[c];
        }
        answerRows++;
        if (p == t.ansStart()) {
          ans0 = x;
        }
      }
    }
    if (answerRows > 0) {
      for (int c = 0; c < d; c++) {
        sum[c] /= answerRows;
      }
    }
    return new DenseView(q, answerRows > 0 ? sum : null, ans0);
  }

  private static double[] row(DenseRows rows, int row) {
    double[] x = new double[rows.dModel()];
    for (int c = 0; c < x.length; c++) {
      x[c] = rows.get(row, c);
    }
    return x;
  }

  /** {@code cos(a, b)}; NaN when either is null or zero. */
  static double cosine(double[] a, double[] b) {
    if (a == null || b == null) {
      return Double.NaN;
    }
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "dense rows of one task differ in width: " + a.length + " and " + b.length);
    }
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
}
