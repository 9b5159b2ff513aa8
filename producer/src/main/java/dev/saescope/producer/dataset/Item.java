package dev.saescope.producer.dataset;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One fact: a subject, a relation and the gold object set (every object the dataset gives for this
 * relation and subject, because N-M relations have several; score against the set).
 *
 * @param itemId stable id, by default {@code relation + ":" + subject}; the Kafka key of its tasks
 * @param relation Wikidata property id (or a user's own relation name in JSONL)
 * @param subject the subject's name
 * @param goldObjects distinct objects in first-seen order, never empty
 * @param objectInSubject whether a gold object occurs inside the subject's name (case-insensitive),
 *     e.g. "Cambridge United F.C." and "Cambridge": the answer leaks from the question, so such
 *     items are flagged and can be dropped (about 10% of the facts)
 * @param overrides texts supplied with a JSONL item; {@link ItemOverrides#NONE} otherwise
 */
public record Item(
    String itemId,
    String relation,
    String subject,
    List<String> goldObjects,
    boolean objectInSubject,
    ItemOverrides overrides) {
  public Item {
    Objects.requireNonNull(itemId, "itemId");
    Objects.requireNonNull(relation, "relation");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(overrides, "overrides");
    goldObjects = List.copyOf(goldObjects);
    if (itemId.isBlank() || relation.isBlank() || subject.isBlank()) {
      throw new IllegalArgumentException("item needs a non-blank item_id, relation and subject");
    }
    if (goldObjects.isEmpty()) {
      throw new IllegalArgumentException("item " + itemId + " has no gold object");
    }
    for (String o : goldObjects) {
      if (o.isBlank()) {
        throw new IllegalArgumentException("item " + itemId + " has a blank gold object");
      }
    }
  }

  /** An item built from a dataset fact group, with the default id and the flag computed. */
  public static Item of(String relation, String subject, List<String> goldObjects) {
    return new Item(
        defaultId(relation, subject),
        relation,
        subject,
        goldObjects,
        objectInSubject(subject, goldObjects),
        ItemOverrides.NONE);
  }

  /** The id as messages show it: at most 80 characters, as a default id holds the whole subject. */
  public String shortId() {
    return JsonFiles.abbreviate(itemId);
  }

  /** The id an item gets when none is given. */
  public static String defaultId(String relation, String subject) {
    return relation + ":" + subject;
  }

  /** Case-insensitive substring test, the definition that catches every leak of the answer. */
  public static boolean objectInSubject(String subject, List<String> objects) {
    String s = subject.toLowerCase(Locale.ROOT);
    for (String o : objects) {
      if (s.contains(o.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }
}
