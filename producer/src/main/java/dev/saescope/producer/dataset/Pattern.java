package dev.saescope.producer.dataset;

import java.util.Objects;
import java.util.Optional;

/**
 * One ParaRel paraphrase pattern of a relation, e.g. {@code "[X] works in the field of [Y]."},
 * where {@code [X]} stands for the subject and {@code [Y]} for the object, each exactly once.
 *
 * @param relation the relation the pattern expresses
 * @param index 0-based position in the relation's pattern file (ParaRel order), part of the
 *     template id so that a task names the exact pattern it came from
 * @param text the pattern as stored, with its placeholders
 */
public record Pattern(String relation, int index, String text) {
  public static final String SUBJECT = "[X]";
  public static final String OBJECT = "[Y]";

  public Pattern {
    Objects.requireNonNull(relation, "relation");
    Objects.requireNonNull(text, "text");
    if (count(text, SUBJECT) != 1 || count(text, OBJECT) != 1) {
      throw new IllegalArgumentException(
          "pattern must contain [X] and [Y] exactly once each: \"" + text + "\"");
    }
    if (index < 0) {
      throw new IllegalArgumentException("pattern index < 0: " + index);
    }
  }

  /** The pattern as a sentence about {@code subject} and {@code object}, whitespace tidied. */
  public String fill(String subject, String object) {
    return fillLocated(subject, object).text();
  }

  /**
   * A filled pattern and where its object starts.
   *
   * @param text the sentence
   * @param objectStart UTF-16 offset of the object in {@code text}
   */
  public record Filled(String text, int objectStart) {}

  /**
   * Fills the pattern, tidying the pattern's own whitespace first (never the subject's or the
   * object's), so that the object's offset is exact.
   */
  public Filled fillLocated(String subject, String object) {
    String t = tidy(text);
    int y = t.indexOf(OBJECT);
    String before = t.substring(0, y).replace(SUBJECT, subject);
    String after = t.substring(y + OBJECT.length()).replace(SUBJECT, subject);
    return new Filled(before + object + after, before.length());
  }

  /** Whether the subject comes before the object, so a reader meets the subject first. */
  public boolean subjectFirst() {
    return text.indexOf(SUBJECT) < text.indexOf(OBJECT);
  }

  /**
   * The cloze prompt: the filled pattern cut right before the object, without the trailing space
   * (the space belongs to the object's first token in SentencePiece/BPE vocabularies). Present only
   * when {@code [Y]} is the last word of the pattern (a final period and whitespace are allowed
   * after it) and {@code [X]} comes before it: 203 of the 318 knowledge-neurons patterns, per that
   * folder's README.
   */
  public Optional<String> clozePrefix(String subject) {
    String core = tidy(text);
    if (core.endsWith(".")) {
      core = core.substring(0, core.length() - 1).stripTrailing();
    }
    if (!core.endsWith(OBJECT) || !subjectFirst()) {
      return Optional.empty();
    }
    String prefix = core.substring(0, core.length() - OBJECT.length()).stripTrailing();
    return Optional.of(prefix.replace(SUBJECT, subject));
  }

  /** Whether {@link #clozePrefix} has a value, independent of the subject. */
  public boolean clozeEligible() {
    return clozePrefix("s").isPresent();
  }

  /**
   * Collapses runs of spaces and removes the space LAMA puts before a final period or comma ({@code
   * "[X] was born in [Y] ."}): the model should read ordinary English.
   */
  static String tidy(String s) {
    String t = s.strip().replaceAll(" {2,}", " ").replace(" ,", ",");
    if (t.endsWith(" .")) {
      t = t.substring(0, t.length() - 2) + ".";
    }
    return t;
  }

  private static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }
}
