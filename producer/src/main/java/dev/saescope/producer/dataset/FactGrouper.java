package dev.saescope.producer.dataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups (relation, subject, object) facts into items: one item per (relation, subject), its
 * objects the gold set in first-seen order. Repeated triples are counted and dropped (the
 * knowledge-neurons {@code query_pairs.json} holds 21 of them).
 */
final class FactGrouper {
  private final Map<String, Group> groups = new LinkedHashMap<>();
  private int facts;
  private int duplicateFacts;

  private record Group(String relation, String subject, List<String> objects) {}

  void add(String relation, String subject, String object) {
    facts++;
    Group g =
        groups.computeIfAbsent(
            relation + "\u0000" + subject, k -> new Group(relation, subject, new ArrayList<>()));
    if (g.objects().contains(object)) {
      duplicateFacts++;
    } else {
      g.objects().add(object);
    }
  }

  int facts() {
    return facts;
  }

  int duplicateFacts() {
    return duplicateFacts;
  }

  List<Item> items() {
    List<Item> items = new ArrayList<>(groups.size());
    for (Group g : groups.values()) {
      items.add(Item.of(g.relation(), g.subject(), g.objects()));
    }
    return items;
  }
}
