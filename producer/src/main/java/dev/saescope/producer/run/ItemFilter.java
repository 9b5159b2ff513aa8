package dev.saescope.producer.run;

import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which items a run takes.
 *
 * @param relations relations to keep; empty keeps all
 * @param dropObjectInSubject drop items whose gold object occurs in the subject's name
 * @param limit at most this many items (after the other filters and the order); 0 for no limit
 * @param order order of a dataset read whole
 * @param seed seed of the shuffled order
 */
public record ItemFilter(
    Set<String> relations, boolean dropObjectInSubject, long limit, ItemOrder order, long seed) {
  public ItemFilter {
    relations = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(relations));
    Objects.requireNonNull(order, "order");
    if (limit < 0) {
      throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
    }
  }

  /** Everything, in dataset order. */
  public static ItemFilter all() {
    return new ItemFilter(Set.of(), false, 0, ItemOrder.DATASET, 0);
  }
}
