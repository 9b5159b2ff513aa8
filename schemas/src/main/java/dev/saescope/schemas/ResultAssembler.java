package dev.saescope.schemas;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Joins the parts of split results as they stream in: hands back each whole result once, when its
 * last part arrives. Not thread-safe; one per reader.
 */
public final class ResultAssembler {
  private final Map<LayerResult.Key, List<LayerResult>> pending = new HashMap<>();

  /**
   * The whole result {@code r} completes, or empty while parts are missing; a whole result passes
   * straight through.
   *
   * @throws IllegalArgumentException naming task and part for a duplicate part or parts that do not
   *     fit together (see {@link ResultParts#join})
   */
  public Optional<LayerResult> offer(LayerResult r) {
    if (r.isWhole()) {
      return Optional.of(r);
    }
    List<LayerResult> got = pending.computeIfAbsent(r.key(), k -> new ArrayList<>());
    for (LayerResult g : got) {
      if (g.part() == r.part()) {
        throw new IllegalArgumentException(
            r.key() + ": part " + r.part() + " of " + r.parts() + " appears twice");
      }
    }
    got.add(r);
    if (got.size() < r.parts()) {
      return Optional.empty();
    }
    pending.remove(r.key());
    return Optional.of(ResultParts.join(got));
  }

  /** Results with some parts received but not all. */
  public int incomplete() {
    return pending.size();
  }
}
