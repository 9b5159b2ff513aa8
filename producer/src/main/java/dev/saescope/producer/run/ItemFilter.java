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
 * @param perRelation at most this many items of each relation, the first in {@code order}; 0 for no
 *     cap. With the shuffled order this gives a balanced sample of the relations.
 */
public record ItemFilter(
    Set<String> relations,
    boolean dropObjectInSubject,
    long limit,
    ItemOrder order,
    long seed,
    long perRelation) {
  public ItemFilter {
    if (perRelation < 0) {
      throw new IllegalArgumentException("--per-relation must be >= 0, got " + perRelation);
    }
    relations = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(relations));
    Objects.requireNonNull(order, "order");
    if (limit < 0) {
      throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
    }
  }

  /** A filter without a per-relation cap. */
  public ItemFilter(
      Set<String> relations, boolean dropObjectInSubject, long limit, ItemOrder order, long seed) {
    this(relations, dropObjectInSubject, limit, order, seed, 0);
  }

  /** Everything, in dataset order. */
  public static ItemFilter all() {
    return new ItemFilter(Set.of(), false, 0, ItemOrder.DATASET, 0);
  }
}
