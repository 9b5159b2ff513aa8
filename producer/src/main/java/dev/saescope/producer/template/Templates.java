package dev.saescope.producer.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * Question templates per relation and evasive-answer templates per family.
 *
 * <p>{@code {subject}} is the only placeholder. Invariants, checked on construction: every question
 * template holds {@code {subject}} exactly once; every family has at least {@link #MIN_PER_FAMILY}
 * templates that mention the subject and as many that do not; no other {@code {...}} and no {@code
 * [X]}, {@code [Y]} or {@code [MASK]} appears anywhere.
 *
 * @param questions question templates per relation id, in file order
 * @param evasive evasive templates per family
 */
public record Templates(Map<String, List<String>> questions, Map<EvasiveFamily, Evasive> evasive) {
  public static final String SUBJECT = "{subject}";
  public static final int MIN_PER_FAMILY = 5;

  /** The resource holding our templates, beside this class. */
  public static final String RESOURCE = "templates.json";

  private static final java.util.regex.Pattern BRACES =
      java.util.regex.Pattern.compile("\\{[^}]*}");

  /**
   * The templates of one evasive family.
   *
   * @param withSubject templates that mention {@code {subject}}
   * @param withoutSubject templates that do not
   */
  public record Evasive(List<String> withSubject, List<String> withoutSubject) {
    public Evasive {
      withSubject = List.copyOf(withSubject);
      withoutSubject = List.copyOf(withoutSubject);
    }
  }

  public Templates {
    Map<String, List<String>> q = new LinkedHashMap<>();
    questions.forEach((k, v) -> q.put(k, List.copyOf(v)));
    questions = Collections.unmodifiableMap(q);
    evasive = Collections.unmodifiableMap(new EnumMap<>(evasive));
    for (var e : questions.entrySet()) {
      if (e.getValue().isEmpty()) {
        throw new IllegalArgumentException("relation " + e.getKey() + " has no question template");
      }
      for (String t : e.getValue()) {
        check(t, 1, "question template of " + e.getKey());
      }
    }
    for (EvasiveFamily f : EvasiveFamily.values()) {
      Evasive ev = evasive.get(f);
      if (ev == null) {
        throw new IllegalArgumentException("evasive family " + f.wireName() + " has no templates");
      }
      if (ev.withSubject().size() < MIN_PER_FAMILY || ev.withoutSubject().size() < MIN_PER_FAMILY) {
        throw new IllegalArgumentException(
            "evasive family "
                + f.wireName()
                + " needs at least "
                + MIN_PER_FAMILY
                + " templates with and without the subject, has "
                + ev.withSubject().size()
                + " and "
                + ev.withoutSubject().size());
      }
      for (String t : ev.withSubject()) {
        check(t, 1, "evasive template (with subject) of " + f.wireName());
      }
      for (String t : ev.withoutSubject()) {
        check(t, 0, "evasive template (without subject) of " + f.wireName());
      }
    }
  }

  private static void check(String t, int subjects, String what) {
    if (t.isBlank()) {
      throw new IllegalArgumentException(what + " is blank");
    }
    int n = 0;
    Matcher m = BRACES.matcher(t);
    while (m.find()) {
      if (!m.group().equals(SUBJECT)) {
        throw new IllegalArgumentException(
            what + " has unknown placeholder " + m.group() + ": " + t);
      }
      n++;
    }
    if (n != subjects) {
      throw new IllegalArgumentException(
          what + " must mention {subject} " + subjects + " time(s), does " + n + ": " + t);
    }
    for (String ph : List.of("[X]", "[Y]", "[MASK]")) {
      if (t.contains(ph)) {
        throw new IllegalArgumentException(what + " contains " + ph + ": " + t);
      }
    }
  }

  /** Relations that have question templates. */
  public Set<String> relations() {
    return questions.keySet();
  }

  public boolean hasQuestions(String relation) {
    return questions.containsKey(relation);
  }

  /** Question templates of a relation; empty when it has none. */
  public List<String> questionsOf(String relation) {
    return questions.getOrDefault(relation, List.of());
  }

  /** Fills {@code {subject}} in a template. */
  public static String fill(String template, String subject) {
    return template.replace(SUBJECT, subject);
  }

  /** Our templates, from the resource beside this class. */
  public static Templates load() {
    try (InputStream in = Templates.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
      }
      return parse(new ObjectMapper().readTree(in), RESOURCE);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + RESOURCE + ": " + e, e);
    }
  }

  /**
   * Parses the {@code templates.json} layout: {@code {"questions": {relation: [..]}, "evasive":
   * {family: {"with_subject": [..], "without_subject": [..]}}}}.
   *
   * @throws IllegalArgumentException naming {@code source} and the faulty entry
   */
  public static Templates parse(JsonNode root, String source) {
    try {
      Map<String, List<String>> questions = new LinkedHashMap<>();
      JsonNode q = required(root, "questions");
      for (Iterator<Map.Entry<String, JsonNode>> it = q.fields(); it.hasNext(); ) {
        var e = it.next();
        questions.put(e.getKey(), strings(e.getValue(), "questions." + e.getKey()));
      }
      Map<EvasiveFamily, Evasive> evasive = new EnumMap<>(EvasiveFamily.class);
      JsonNode ev = required(root, "evasive");
      for (Iterator<Map.Entry<String, JsonNode>> it = ev.fields(); it.hasNext(); ) {
        var e = it.next();
        EvasiveFamily f = EvasiveFamily.fromWireName(e.getKey());
        evasive.put(
            f,
            new Evasive(
                strings(required(e.getValue(), "with_subject"), e.getKey() + ".with_subject"),
                strings(
                    required(e.getValue(), "without_subject"), e.getKey() + ".without_subject")));
      }
      return new Templates(questions, evasive);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode required(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isContainerNode()) {
      throw new IllegalArgumentException("missing object or list \"" + field + "\"");
    }
    return v;
  }

  private static List<String> strings(JsonNode n, String where) {
    if (!n.isArray()) {
      throw new IllegalArgumentException(where + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : n) {
      if (!s.isTextual()) {
        throw new IllegalArgumentException(where + " holds a non-string: " + s);
      }
      out.add(s.asText());
    }
    return out;
  }
}
