package dev.saescope.aggregator.stream;

import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.ResultParts;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * One task's received parts turned into its whole per-layer results, the same way in the stream and
 * offline ({@code analyze}): parts grouped by (layer, site), each group joined when every part is
 * there; a group with parts missing, or parts that do not fit together, is reported and left out.
 */
public final class TaskParts {
  private TaskParts() {}

  /**
   * @param skipped told the reason ({@code incomplete}, {@code inconsistent}) and a message naming
   *     the result
   * @return whole results ordered by layer and site
   */
  public static List<LayerResult> join(
      Collection<LayerResult> parts, BiConsumer<String, String> skipped) {
    Map<String, List<LayerResult>> byResult = new TreeMap<>();
    for (LayerResult p : parts) {
      byResult.computeIfAbsent(StoreKeys.result(p.key()), k -> new ArrayList<>()).add(p);
    }
    List<LayerResult> whole = new ArrayList<>();
    for (List<LayerResult> got : byResult.values()) {
      got.sort(Comparator.comparingInt(LayerResult::part));
      LayerResult first = got.get(0);
      if (got.size() < first.parts()) {
        skipped.accept(
            "incomplete",
            first.key() + ": " + got.size() + " of " + first.parts() + " parts arrived");
        continue;
      }
      try {
        whole.add(ResultParts.join(got));
      } catch (IllegalArgumentException e) {
        skipped.accept("inconsistent", e.getMessage());
      }
    }
    whole.sort(Comparator.comparingInt(LayerResult::layer).thenComparing(LayerResult::site));
    return whole;
  }
}
