package dev.saescope.schemas;

import java.util.List;
import java.util.Objects;

/**
 * One text for the model to read: a variant of one item (fact). Mirrors {@code PromptTask.avsc};
 * {@link TaskCodec} maps it to and from the Avro class at the edge.
 *
 * <p>Invariants checked here, so a task that reaches a worker is usable:
 *
 * <ul>
 *   <li>ids, relation, subject, template id and text are non-blank; lists are non-null and hold no
 *       nulls (they are copied, so the record is immutable);
 *   <li>{@code family} is set exactly for {@link Variant#EVASIVE};
 *   <li>{@link Variant#CLOZE} has an empty answer and {@code answerStart == text.length()};
 *   <li>every other variant has a non-empty answer found in {@code text} at {@code answerStart} (a
 *       UTF-16 offset), which is how the worker locates the answer tokens.
 * </ul>
 *
 * @param runId the producer run this task belongs to
 * @param taskId unique within a run; stable for the same inputs and seed
 * @param itemId the fact (relation, subject); the Kafka key on the tasks topic
 * @param relation Wikidata property id, e.g. {@code P36}
 * @param subject the subject's surface form
 * @param goldObjects every gold object of (relation, subject); N-M relations have several
 * @param variant how the text relates to the item
 * @param family evasive family, {@code null} for the other variants
 * @param templateId which question/answer/pattern templates built this text
 * @param question the question part ("" when a pattern stands alone)
 * @param answer the answer part; "" for cloze
 * @param text exactly what the model reads (without BOS)
 * @param answerStart UTF-16 offset of the answer in {@code text}; {@code text.length()} for cloze
 * @param objectInSubject whether a gold object appears inside the subject (flagged fact)
 * @param saeIds SAEs the task asks for; empty means every SAE the worker has
 * @param createdAtMs wall-clock creation time, epoch milliseconds (0 when unknown)
 */
public record Task(
    String runId,
    String taskId,
    String itemId,
    String relation,
    String subject,
    List<String> goldObjects,
    Variant variant,
    String family,
    String templateId,
    String question,
    String answer,
    String text,
    int answerStart,
    boolean objectInSubject,
    List<String> saeIds,
    long createdAtMs) {

  public Task {
    requireNonBlank(runId, "runId");
    requireNonBlank(taskId, "taskId");
    requireNonBlank(itemId, "itemId");
    requireNonBlank(relation, "relation");
    requireNonBlank(subject, "subject");
    requireNonBlank(templateId, "templateId");
    requireNonBlank(text, "text");
    Objects.requireNonNull(variant, () -> "task " + taskId + ": variant is null");
    Objects.requireNonNull(question, () -> "task " + taskId + ": question is null");
    Objects.requireNonNull(answer, () -> "task " + taskId + ": answer is null");
    goldObjects = copyOf(goldObjects, "goldObjects", taskId);
    saeIds = copyOf(saeIds, "saeIds", taskId);
    if ((variant == Variant.EVASIVE) != (family != null)) {
      throw new IllegalArgumentException(
          "task "
              + taskId
              + ": family must be set exactly for evasive variants, got variant="
              + variant
              + " family="
              + family);
    }
    if (family != null && family.isBlank()) {
      throw new IllegalArgumentException("task " + taskId + ": family is blank");
    }
    switch (variant) {
      case CLOZE -> {
        if (!answer.isEmpty() || answerStart != text.length()) {
          throw new IllegalArgumentException(
              "task "
                  + taskId
                  + ": a cloze task has an empty answer and answerStart == text.length() ("
                  + text.length()
                  + "), got answer='"
                  + answer
                  + "' answerStart="
                  + answerStart);
        }
      }
      case DIRECT, EVASIVE, COUNTERFACTUAL -> {
        if (answer.isEmpty()) {
          throw new IllegalArgumentException(
              "task " + taskId + ": a " + variant + " task needs a non-empty answer");
        }
        if (answerStart < 0
            || answerStart + answer.length() > text.length()
            || !text.startsWith(answer, answerStart)) {
          throw new IllegalArgumentException(
              "task "
                  + taskId
                  + ": answer '"
                  + answer
                  + "' is not at answerStart="
                  + answerStart
                  + " in text '"
                  + text
                  + "'");
        }
      }
    }
    if (createdAtMs < 0) {
      throw new IllegalArgumentException(
          "task " + taskId + ": createdAtMs is negative: " + createdAtMs);
    }
  }

  /** The same task stamped with another creation time. */
  public Task withCreatedAtMs(long ms) {
    return new Task(
        runId,
        taskId,
        itemId,
        relation,
        subject,
        goldObjects,
        variant,
        family,
        templateId,
        question,
        answer,
        text,
        answerStart,
        objectInSubject,
        saeIds,
        ms);
  }

  private static void requireNonBlank(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("task field " + name + " is missing or blank");
    }
  }

  private static List<String> copyOf(List<String> values, String name, String taskId) {
    if (values == null) {
      throw new IllegalArgumentException("task " + taskId + ": " + name + " is null");
    }
    for (String v : values) {
      if (v == null) {
        throw new IllegalArgumentException("task " + taskId + ": " + name + " holds a null");
      }
    }
    return List.copyOf(values);
  }
}
