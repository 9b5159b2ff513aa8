package dev.saescope.producer.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Parses one line of our JSONL item format into an {@link Item}. The format is documented in {@code
 * producer/README-ITEMS.md}; in short:
 *
 * <pre>{@code
 * {"relation": "P36", "subject": "Azerbaijan", "objects": ["Baku"],          required
 *  "item_id": "...", "question": "..." | "questions": [...],               optional
 *  "direct_answers": [...], "evasive_answers": ["..." | {"family", "text"}],
 *  "counterfactual_answers": [...], "patterns": ["[X] ... [Y]."]}
 * }</pre>
 *
 * <p>Unknown fields are errors, so a typo ({@code "subjet"}) is caught rather than ignored.
 */
public final class JsonlItemParser {
  static final Set<String> FIELDS =
      Set.of(
          "item_id",
          "relation",
          "subject",
          "objects",
          "object",
          "question",
          "questions",
          "direct_answers",
          "evasive_answers",
          "counterfactual_answers",
          "patterns");

  private static final List<String> PLACEHOLDERS = List.of("[X]", "[Y]", "[MASK]");

  private final Predicate<String> hasQuestionTemplate;

  /**
   * @param hasQuestionTemplate whether our templates can ask about a relation; an item of any other
   *     relation must bring its own question
   */
  public JsonlItemParser(Predicate<String> hasQuestionTemplate) {
    this.hasQuestionTemplate = hasQuestionTemplate;
  }

  public Item parse(String source, long line, String text) throws DatasetException {
    JsonNode obj = JsonFiles.parseObject(source, line, text);
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw new DatasetException(
            source, line, "unknown field \"" + f + "\"; known: " + new java.util.TreeSet<>(FIELDS));
      }
    }
    String relation = JsonFiles.requiredText(obj, "relation", source, line);
    String subject = JsonFiles.requiredText(obj, "subject", source, line);
    List<String> objects;
    if (obj.has("objects") && obj.has("object")) {
      throw new DatasetException(source, line, "give \"objects\" or \"object\", not both");
    } else if (obj.has("object")) {
      objects = List.of(JsonFiles.requiredText(obj, "object", source, line));
    } else {
      objects = distinct(strings(obj, "objects", source, line));
      if (objects.isEmpty()) {
        throw new DatasetException(
            source, line, "missing field \"objects\" (a non-empty list of strings)");
      }
    }
    List<String> questions;
    if (obj.has("question") && obj.has("questions")) {
      throw new DatasetException(source, line, "give \"question\" or \"questions\", not both");
    } else if (obj.has("question")) {
      questions = List.of(JsonFiles.requiredText(obj, "question", source, line));
    } else {
      questions = strings(obj, "questions", source, line);
    }
    if (questions.isEmpty() && !hasQuestionTemplate.test(relation)) {
      throw new DatasetException(
          source,
          line,
          "relation \""
              + relation
              + "\" has no question template; give \"question\" with the item");
    }
    List<Pattern> patterns = new ArrayList<>();
    for (String p : strings(obj, "patterns", source, line)) {
      try {
        patterns.add(new Pattern(relation, patterns.size(), p));
      } catch (IllegalArgumentException e) {
        throw new DatasetException(source, line, "field \"patterns\": " + e.getMessage());
      }
    }
    ItemOverrides overrides =
        new ItemOverrides(
            questions,
            strings(obj, "direct_answers", source, line),
            evasive(obj, source, line),
            strings(obj, "counterfactual_answers", source, line),
            patterns);
    String itemId =
        obj.has("item_id")
            ? JsonFiles.requiredText(obj, "item_id", source, line)
            : Item.defaultId(relation, subject);
    List<String> free = new ArrayList<>(List.of(subject));
    free.addAll(objects);
    free.addAll(overrides.questions());
    free.addAll(overrides.directAnswers());
    free.addAll(overrides.counterfactualAnswers());
    overrides.evasiveAnswers().forEach(e -> free.add(e.text()));
    for (String s : free) {
      for (String ph : PLACEHOLDERS) {
        if (s.contains(ph)) {
          throw new DatasetException(
              source,
              line,
              "placeholder "
                  + ph
                  + " is not allowed in \""
                  + JsonFiles.abbreviate(s)
                  + "\" (only in patterns)");
        }
      }
    }
    return new Item(
        itemId, relation, subject, objects, Item.objectInSubject(subject, objects), overrides);
  }

  private static List<EvasiveAnswer> evasive(JsonNode obj, String source, long line)
      throws DatasetException {
    JsonNode v = obj.get("evasive_answers");
    List<EvasiveAnswer> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new DatasetException(source, line, "field \"evasive_answers\" must be a list");
    }
    for (JsonNode e : v) {
      if (e.isTextual() && !e.asText().isBlank()) {
        out.add(new EvasiveAnswer(EvasiveAnswer.CUSTOM_FAMILY, e.asText()));
      } else if (e.isObject()) {
        String text = JsonFiles.requiredText(e, "text", source, line);
        JsonNode fam = e.get("family");
        String family =
            fam == null || fam.isNull() ? EvasiveAnswer.CUSTOM_FAMILY : fam.asText().strip();
        if (family.isEmpty()) {
          throw new DatasetException(source, line, "evasive answer has a blank \"family\"");
        }
        out.add(new EvasiveAnswer(family, text));
      } else {
        throw new DatasetException(
            source,
            line,
            "each of \"evasive_answers\" must be a non-blank string or {\"family\", \"text\"}, got "
                + e);
      }
    }
    return out;
  }

  private static List<String> strings(JsonNode obj, String field, String source, long line)
      throws DatasetException {
    JsonNode v = obj.get(field);
    List<String> out = new ArrayList<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray()) {
      throw new DatasetException(source, line, "field \"" + field + "\" must be a list of strings");
    }
    for (JsonNode e : v) {
      if (!e.isTextual() || e.asText().isBlank()) {
        throw new DatasetException(
            source, line, "field \"" + field + "\" must hold non-blank strings, got " + e);
      }
      out.add(e.asText());
    }
    return out;
  }

  private static List<String> distinct(List<String> xs) {
    return new ArrayList<>(new java.util.LinkedHashSet<>(xs));
  }
}
