package dev.saescope.producer.dataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dataset read whole: its items in dataset order and the ParaRel patterns per relation.
 *
 * @param source where it was read from (folder or file), for messages
 * @param relations relations that have at least one item, in first-seen order
 * @param patterns patterns per relation (possibly empty lists; JSONL items carry their own)
 * @param items deduplicated items in dataset order
 * @param facts fact lines read (before deduplication)
 * @param duplicateFacts repeated (relation, subject, object) facts dropped
 */
public record Dataset(
    String source,
    Map<String, RelationInfo> relations,
    Map<String, List<Pattern>> patterns,
    List<Item> items,
    int facts,
    int duplicateFacts) {
  public Dataset {
    relations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(relations));
    Map<String, List<Pattern>> p = new LinkedHashMap<>();
    patterns.forEach((k, v) -> p.put(k, List.copyOf(v)));
    patterns = java.util.Collections.unmodifiableMap(p);
    items = List.copyOf(items);
  }

  /** Patterns of a relation, empty when the dataset has none for it. */
  public List<Pattern> patternsOf(String relation) {
    return patterns.getOrDefault(relation, List.of());
  }

  /**
   * Distinct objects of each relation in first-seen order: the pool counterfactual answers are
   * drawn from, so a wrong answer is at least the right kind of thing (a city for a capital).
   */
  public Map<String, List<String>> objectsByRelation() {
    Map<String, java.util.LinkedHashSet<String>> sets = new LinkedHashMap<>();
    for (Item item : items) {
      sets.computeIfAbsent(item.relation(), k -> new java.util.LinkedHashSet<>())
          .addAll(item.goldObjects());
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    sets.forEach((k, v) -> out.put(k, new ArrayList<>(v)));
    return out;
  }
}
