package dev.saescope.producer.dataset;

import java.util.List;

/**
 * Texts a user supplied with a JSONL item, replacing the ones our templates would build. Every list
 * may be empty, meaning "use the templates" (or, for {@code patterns}, "no cloze").
 *
 * @param questions questions used verbatim instead of the relation's question templates
 * @param directAnswers correct answers instead of the first gold object
 * @param evasiveAnswers evasive answers instead of the six template families
 * @param counterfactualAnswers wrong answers instead of one drawn from the relation's objects
 * @param patterns ParaRel-style patterns for this item (cloze and sentence-form direct answers)
 */
public record ItemOverrides(
    List<String> questions,
    List<String> directAnswers,
    List<EvasiveAnswer> evasiveAnswers,
    List<String> counterfactualAnswers,
    List<Pattern> patterns) {
  public static final ItemOverrides NONE =
      new ItemOverrides(List.of(), List.of(), List.of(), List.of(), List.of());

  public ItemOverrides {
    questions = List.copyOf(questions);
    directAnswers = List.copyOf(directAnswers);
    evasiveAnswers = List.copyOf(evasiveAnswers);
    counterfactualAnswers = List.copyOf(counterfactualAnswers);
    patterns = List.copyOf(patterns);
  }

  public boolean isEmpty() {
    return questions.isEmpty()
        && directAnswers.isEmpty()
        && evasiveAnswers.isEmpty()
        && counterfactualAnswers.isEmpty()
        && patterns.isEmpty();
  }
}
