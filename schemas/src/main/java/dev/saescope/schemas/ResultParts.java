package dev.saescope.schemas;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Splits a result into parts and joins parts back, the two halves of one convention: each part
 * keeps every field but the rows; the dense rows and the latent rows are divided between the parts
 * in order ({@code rows * p / parts} onwards for part {@code p}); scores, lens summaries and latent
 * targets travel in part 0. {@code join(split(r, n))} equals {@code r} field for field.
 */
public final class ResultParts {
  private ResultParts() {}

  /**
   * {@code whole} as {@code parts} parts, part 0 first.
   *
   * @throws IllegalArgumentException when {@code whole} is itself a part, or {@code parts < 1}
   */
  public static List<LayerResult> split(LayerResult whole, int parts) {
    if (!whole.isWhole()) {
      throw new IllegalArgumentException(
          whole.key() + ": part " + whole.part() + " of " + whole.parts() + " cannot be split");
    }
    if (parts < 1) {
      throw new IllegalArgumentException(whole.key() + ": cannot split into " + parts + " parts");
    }
    if (parts == 1) {
      return List.of(whole);
    }
    DenseRows dense = whole.dense();
    List<LatentRow> latents = whole.latents().rows();
    List<LayerResult> out = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      int denseFrom = slice(dense.rows(), p, parts);
      int denseTo = slice(dense.rows(), p + 1, parts);
      int latentFrom = slice(latents.size(), p, parts);
      int latentTo = slice(latents.size(), p + 1, parts);
      out.add(
          whole.withPart(
              p,
              parts,
              dense.slice(denseFrom, denseTo),
              new LatentRows(whole.latents().dSae(), latents.subList(latentFrom, latentTo)),
              p == 0 ? whole.scores() : List.of(),
              p == 0 ? whole.lens() : List.of(),
              p == 0 ? whole.latentTargets() : List.of()));
    }
    return out;
  }

  /**
   * The whole result of every part of it, given in any order; a whole result joins to itself.
   *
   * @throws IllegalArgumentException naming the task and part when a part is missing or appears
   *     twice, when parts of different results are mixed, or when their shapes or shared fields
   *     disagree
   */
  public static LayerResult join(Collection<LayerResult> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("no parts to join");
    }
    TreeMap<Integer, LayerResult> byPart = byPart(parts);
    LayerResult first = byPart.firstEntry().getValue();
    if (first.isWhole()) {
      return first;
    }
    int rows = 0;
    List<LatentRow> latents = new ArrayList<>();
    List<TargetScore> scores = new ArrayList<>();
    List<LensSummary> lens = new ArrayList<>();
    List<LatentTarget> targets = new ArrayList<>();
    for (LayerResult p : byPart.values()) {
      requireSameShared(first, p);
      rows += p.dense().rows();
      latents.addAll(p.latents().rows());
      scores.addAll(p.scores());
      lens.addAll(p.lens());
      targets.addAll(p.latentTargets());
    }
    int d = first.dense().dModel();
    int[] positions = new int[rows];
    float[] values = new float[Math.multiplyExact(rows, d)];
    int row = 0;
    for (LayerResult p : byPart.values()) {
      DenseRows part = p.dense();
      System.arraycopy(part.positions(), 0, positions, row, part.rows());
      System.arraycopy(part.values(), 0, values, row * d, part.values().length);
      row += part.rows();
    }
    return first.withPart(
        0,
        1,
        new DenseRows(positions, d, values),
        new LatentRows(first.latents().dSae(), latents),
        scores,
        lens,
        targets);
  }

  /** The parts by index, each once: all of one result, agreeing on how many parts there are. */
  private static TreeMap<Integer, LayerResult> byPart(Collection<LayerResult> parts) {
    LayerResult any = parts.iterator().next();
    TreeMap<Integer, LayerResult> byPart = new TreeMap<>();
    for (LayerResult p : parts) {
      if (!p.key().equals(any.key())) {
        throw new IllegalArgumentException(
            "parts of different results: " + any.key() + " and " + p.key() + " part " + p.part());
      }
      if (p.parts() != any.parts()) {
        throw new IllegalArgumentException(
            any.key()
                + ": part "
                + p.part()
                + " says "
                + p.parts()
                + " parts, part "
                + any.part()
                + " says "
                + any.parts());
      }
      if (byPart.put(p.part(), p) != null) {
        throw new IllegalArgumentException(
            any.key() + ": part " + p.part() + " of " + p.parts() + " appears twice");
      }
    }
    if (byPart.size() < any.parts()) {
      TreeSet<Integer> missing = new TreeSet<>();
      for (int i = 0; i < any.parts(); i++) {
        if (!byPart.containsKey(i)) {
          missing.add(i);
        }
      }
      throw new IllegalArgumentException(
          any.key() + ": missing part(s) " + missing + " of " + any.parts());
    }
    return byPart;
  }

  /** Every field but part, rows, scores, lens and latent targets must be part 0's. */
  private static void requireSameShared(LayerResult first, LayerResult p) {
    same(first, p, "item id", first.itemId(), p.itemId());
    same(first, p, "labels", first.labels(), p.labels());
    same(first, p, "model id", first.modelId(), p.modelId());
    same(first, p, "SAE id", first.saeId(), p.saeId());
    same(first, p, "worker id", first.workerId(), p.workerId());
    same(first, p, "tokens", first.tokens(), p.tokens());
    same(first, p, "dense width (dModel)", first.dense().dModel(), p.dense().dModel());
    same(first, p, "SAE width (dSae)", first.latents().dSae(), p.latents().dSae());
    same(first, p, "compute time", first.computeMs(), p.computeMs());
    same(first, p, "production time", first.producedAtMs(), p.producedAtMs());
    same(first, p, "results per task", first.resultsPerTask(), p.resultsPerTask());
    same(first, p, "dtype", first.dtype(), p.dtype());
  }

  private static void same(LayerResult first, LayerResult p, String what, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      throw new IllegalArgumentException(
          first.key()
              + ": part "
              + p.part()
              + " of "
              + p.parts()
              + " has "
              + what
              + " "
              + b
              + ", part "
              + first.part()
              + " has "
              + a);
    }
  }

  private static int slice(int n, int p, int parts) {
    return (int) ((long) n * p / parts);
  }
}
