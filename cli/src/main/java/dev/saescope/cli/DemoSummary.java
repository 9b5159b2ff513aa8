package dev.saescope.cli;

import dev.saescope.aggregator.stats.Distances;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.ScoreRole;
import dev.saescope.schemas.TargetScore;
import dev.saescope.schemas.Variant;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's per-layer table: E2a distances of direct against evasive answers (dense and latent),
 * and for cloze variants how often the final lens puts the gold object's first token on top. Reads
 * whole results only ({@link DemoResults} joins split ones).
 */
final class DemoSummary {
  private DemoSummary() {}

  static void print(PrintWriter out, List<LayerResult> results) {
    Map<Integer, Map<Variant, List<Double>>> dense = new TreeMap<>();
    Map<Integer, Map<Variant, List<Double>>> latent = new TreeMap<>();
    Map<Integer, List<Integer>> goldRanks = new TreeMap<>();
    for (LayerResult r : results) {
      if (!"resid_post".equals(r.site())) {
        continue;
      }
      Variant v = r.labels().variant();
      add(dense, r.layer(), v, Distances.dense(r));
      add(latent, r.layer(), v, Distances.latent(r));
      if (v == Variant.CLOZE) {
        for (TargetScore s : r.scores()) {
          if (s.role() == ScoreRole.GOLD0) {
            goldRanks.computeIfAbsent(r.layer(), k -> new ArrayList<>()).add(s.lensRank());
          }
        }
      }
    }
    out.println(
        "E2a  d_l = 1 - cos(h(q_end), mean h(answer)): direct vs evasive (means over tasks)");
    out.println(
        "layer  n_dir  d_dir   n_eva  d_eva   delta    | latent delta | cloze: gold top-1  median rank");
    for (int layer : dense.keySet()) {
      Stat d = Stat.of(dense.get(layer).get(Variant.DIRECT));
      Stat e = Stat.of(dense.get(layer).get(Variant.EVASIVE));
      Stat ld = Stat.of(latent.getOrDefault(layer, Map.of()).get(Variant.DIRECT));
      Stat le = Stat.of(latent.getOrDefault(layer, Map.of()).get(Variant.EVASIVE));
      List<Integer> ranks = goldRanks.getOrDefault(layer, List.of());
      String latentDelta =
          ld.n() == 0 || le.n() == 0
              ? "      -     "
              : String.format("%+10.4f  ", ld.mean() - le.mean());
      out.printf(
          "%5d  %5d  %.4f  %5d  %.4f  %+.4f  | %s | %18s  %11s%n",
          layer,
          d.n(),
          d.mean(),
          e.n(),
          e.mean(),
          d.mean() - e.mean(),
          latentDelta,
          ranks.isEmpty()
              ? "-"
              : String.format("%d/%d", ranks.stream().filter(x -> x == 0).count(), ranks.size()),
          ranks.isEmpty() ? "-" : String.valueOf(median(ranks)));
    }
    out.println(
        "(negative delta: the question's end sits closer to direct answers than to evasive ones)");
    out.flush();
  }

  private static void add(
      Map<Integer, Map<Variant, List<Double>>> into, int layer, Variant v, double x) {
    if (!Double.isNaN(x)) {
      into.computeIfAbsent(layer, k -> new HashMap<>())
          .computeIfAbsent(v, k -> new ArrayList<>())
          .add(x);
    }
  }

  private static int median(List<Integer> xs) {
    List<Integer> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }

  private record Stat(int n, double mean) {
    static Stat of(List<Double> xs) {
      if (xs == null || xs.isEmpty()) {
        return new Stat(0, Double.NaN);
      }
      return new Stat(
          xs.size(), xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
    }
  }
}
