package dev.saescope.aggregator.observe;

import dev.saescope.schemas.LatentRow;
import dev.saescope.schemas.LatentTarget;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.LensSummary;
import dev.saescope.schemas.PromptTokens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One task's per-layer reduction: the figures of one result given the task's dense views. */
final class LayerReduction {
  private final PromptTokens tokens;
  private final int goldPosition;
  private final Map<Integer, DenseView> dense; // resid_post layer -> its rows
  private final int finalLayer;
  private final boolean keepVectors;
  private final int mapLatents; // 0 = no map
  private final boolean direct;

  LayerReduction(
      PromptTokens tokens,
      int goldPosition,
      Map<Integer, DenseView> dense,
      int finalLayer,
      boolean keepVectors,
      int mapLatents,
      boolean direct) {
    this.tokens = tokens;
    this.goldPosition = goldPosition;
    this.dense = dense;
    this.finalLayer = finalLayer;
    this.keepVectors = keepVectors;
    this.mapLatents = mapLatents;
    this.direct = direct;
  }

  LayerObservation reduce(LayerResult r) {
    boolean resid = LayerObservation.RESID_POST.equals(r.site());
    DenseView h = resid ? dense.get(r.layer()) : null;
    LensSummary lens = TaskObservations.lensAt(r, tokens.qEnd());
    Latents z = r.saeId() == null ? null : new Latents(r.latents().rows());
    return new LayerObservation(
        r.layer(),
        r.site(),
        r.saeId(),
        drift(h, r.layer()),
        h == null ? Double.NaN : 1 - DenseView.cosine(h.qEnd(), h.answer()),
        z == null ? Double.NaN : z.distance(),
        lens == null ? -1 : lens.top1(),
        lens == null ? Double.NaN : lens.klBits(),
        r.scores(),
        z == null ? Peak.NONE : z.peak(tokens.qEnd(), r.latentTargets()),
        z == null || goldPosition < 0 ? Peak.NONE : z.peak(goldPosition, r.latentTargets()),
        z == null ? new float[0] : z.reconErrors(),
        z == null || mapLatents == 0 ? List.of() : z.map(mapLatents),
        keepVectors ? vectors(h, z) : KeptVectors.NONE);
  }

  /** E1a: strictly {@code l + 1}, and the final layer. */
  private Drift drift(DenseView h, int layer) {
    if (h == null) {
      return Drift.NONE;
    }
    DenseView next = dense.get(layer + 1);
    DenseView last = dense.get(finalLayer);
    return new Drift(
        next == null ? Double.NaN : DenseView.cosine(h.qEnd(), next.qEnd()),
        last == null ? Double.NaN : DenseView.cosine(h.qEnd(), last.qEnd()),
        next == null ? Double.NaN : DenseView.cosine(h.answer(), next.answer()),
        last == null ? Double.NaN : DenseView.cosine(h.answer(), last.answer()));
  }

  private KeptVectors vectors(DenseView h, Latents z) {
    return new KeptVectors(
        h == null || h.qEnd() == null ? HalfRow.EMPTY : HalfRow.of(h.qEnd()),
        h == null || h.answer() == null ? HalfRow.EMPTY : HalfRow.of(h.answer()),
        h == null || h.ans0() == null || !direct ? HalfRow.EMPTY : HalfRow.of(h.ans0()),
        z == null ? SparseRow.EMPTY : z.qEndRow(),
        z == null ? SparseRow.EMPTY : z.answerRow(),
        z == null || !direct ? new int[0] : z.activeAt(tokens.ansStart()));
  }

  /** The latent rows of one result, by position. */
  private final class Latents {
    private final TreeMap<Integer, LatentRow> byPosition = new TreeMap<>();

    Latents(List<LatentRow> rows) {
      for (LatentRow row : rows) {
        byPosition.putIfAbsent(row.position(), row);
      }
    }

    /** E2a on {@code z_l}: 1 - cos(z(q_end), mean over answer of z); the mean's 1/n cancels. */
    double distance() {
      LatentRow q = byPosition.get(tokens.qEnd());
      TreeMap<Integer, Double> sum = answerSum();
      if (q == null || sum.isEmpty()) {
        return Double.NaN;
      }
      double dot = 0;
      double nq = 0;
      for (int i = 0; i < q.l0(); i++) {
        dot += q.values()[i] * sum.getOrDefault(q.indices()[i], 0.0);
        nq += (double) q.values()[i] * q.values()[i];
      }
      double ns = 0;
      for (double v : sum.values()) {
        ns += v * v;
      }
      return nq == 0 || ns == 0 ? Double.NaN : 1 - dot / Math.sqrt(nq * ns);
    }

    /** Sum over the answer's positions, added in position order. */
    private TreeMap<Integer, Double> answerSum() {
      TreeMap<Integer, Double> sum = new TreeMap<>();
      for (LatentRow row : byPosition.values()) {
        if (tokens.inAnswer(row.position())) {
          for (int i = 0; i < row.l0(); i++) {
            sum.merge(row.indices()[i], (double) row.values()[i], Double::sum);
          }
        }
      }
      return sum;
    }

    /**
     * E3b: the most active latent at {@code position}, ties to the lower id; with the worker's
     * latent target there (results v3), the latent with the largest attribution and both ranks.
     */
    Peak peak(int position, List<LatentTarget> targets) {
      LatentRow row = byPosition.get(position);
      int best = -1;
      double value = Double.NaN;
      for (int i = 0; row != null && i < row.l0(); i++) {
        if (best < 0 || row.values()[i] > value) {
          best = row.indices()[i];
          value = row.values()[i];
        }
      }
      for (LatentTarget t : targets) {
        if (t.position() == position && t.topLatent() == best && best >= 0) {
          return new Peak(
              position, best, value, t.attrLatent(), t.attribution(), t.topRank(), t.attrRank());
        }
      }
      return new Peak(position, best, value, -1, Double.NaN, -1, -1);
    }

    float[] reconErrors() {
      float[] err = new float[tokens.size()];
      Arrays.fill(err, Float.NaN);
      for (LatentRow row : byPosition.values()) {
        err[row.position()] = row.reconError();
      }
      return err;
    }

    /** E3c: the {@code k} most active latents at every position, largest first. */
    List<TokenLatents> map(int k) {
      List<TokenLatents> out = new ArrayList<>(byPosition.size());
      for (LatentRow row : byPosition.values()) {
        Integer[] order = new Integer[row.l0()];
        Arrays.setAll(order, i -> i);
        // descending activation, ties to the lower id (indices ascend, so to the lower i)
        Arrays.sort(order, (a, b) -> Float.compare(row.values()[b], row.values()[a]));
        int n = Math.min(k, order.length);
        int[] ids = new int[n];
        float[] values = new float[n];
        for (int j = 0; j < n; j++) {
          ids[j] = row.indices()[order[j]];
          values[j] = row.values()[order[j]];
        }
        out.add(new TokenLatents(row.position(), ids, values));
      }
      return out;
    }

    SparseRow qEndRow() {
      LatentRow q = byPosition.get(tokens.qEnd());
      if (q == null) {
        return SparseRow.EMPTY;
      }
      double[] v = new double[q.l0()];
      Arrays.setAll(v, i -> q.values()[i]);
      return SparseRow.of(q.indices().clone(), v);
    }

    /** The mean over the answer rows present. */
    SparseRow answerRow() {
      TreeMap<Integer, Double> sum = answerSum();
      long rows = byPosition.keySet().stream().filter(tokens::inAnswer).count();
      int[] idx = new int[sum.size()];
      double[] v = new double[sum.size()];
      int i = 0;
      for (Map.Entry<Integer, Double> e : sum.entrySet()) {
        idx[i] = e.getKey();
        v[i++] = e.getValue() / rows;
      }
      return SparseRow.of(idx, v);
    }

    int[] activeAt(int position) {
      LatentRow row = byPosition.get(position);
      return row == null ? new int[0] : row.indices().clone();
    }
  }
}
