package dev.saescope.schemas;

import java.util.List;
import java.util.Locale;

/**
 * What the experiments group a result by, copied from the {@link Task} that produced it
 * (EXPERIMENTS.md §1), so that a reader of the results topic needs neither the tasks topic nor the
 * dataset.
 *
 * <p>Results written before {@code TaskResult} v2 carry only relation and variant: there {@code
 * family} is null, {@code templateId} is empty, {@code goldObjects} is empty and both flags are
 * false ({@link #known()} tells them apart).
 *
 * @param relation Wikidata property id, e.g. {@code P36}
 * @param variant how the text relates to the item
 * @param family evasive family ({@code claims_ignorance}, ...); null for the other variants
 * @param answerMentionsSubject whether the answer names the subject (as a whole word, ignoring
 *     case): the evasive templates come with and without such a mention
 * @param templateId which question/answer/pattern templates built the text
 * @param goldObjects every gold object of (relation, subject); N-M relations have several
 * @param objectInSubject whether a gold object appears inside the subject's name (flagged fact)
 */
public record TaskLabels(
    String relation,
    Variant variant,
    String family,
    boolean answerMentionsSubject,
    String templateId,
    List<String> goldObjects,
    boolean objectInSubject) {

  public TaskLabels {
    Require.nonBlank(relation, "relation", "task labels");
    Require.nonNull(variant, "variant", "task labels");
    Require.nonNull(templateId, "templateId", "task labels");
    goldObjects = Require.listOf(goldObjects, "goldObjects", "task labels");
    if (family != null && (family.isBlank() || variant != Variant.EVASIVE)) {
      throw new IllegalArgumentException(
          "task labels: family '" + family + "' is only for evasive variants, got " + variant);
    }
  }

  /** The labels of the results of {@code task}. */
  public static TaskLabels of(Task task) {
    return new TaskLabels(
        task.relation(),
        task.variant(),
        task.family(),
        mentions(task.answer(), task.subject()),
        task.templateId(),
        task.goldObjects(),
        task.objectInSubject());
  }

  /** False for results written before v2, which lack everything but relation and variant. */
  public boolean known() {
    return !templateId.isEmpty();
  }

  /**
   * Whether {@code text} contains {@code name} not inside a longer word: "France" in "not sure
   * about France." but not "US" in "thus".
   */
  static boolean mentions(String text, String name) {
    String t = text.toLowerCase(Locale.ROOT);
    String n = name.toLowerCase(Locale.ROOT);
    if (n.isEmpty()) {
      return false;
    }
    for (int at = t.indexOf(n); at >= 0; at = t.indexOf(n, at + 1)) {
      int end = at + n.length();
      boolean startsWord = at == 0 || !Character.isLetterOrDigit(t.charAt(at - 1));
      boolean endsWord = end == t.length() || !Character.isLetterOrDigit(t.charAt(end));
      if (startsWord && endsWord) {
        return true;
      }
    }
    return false;
  }
}
