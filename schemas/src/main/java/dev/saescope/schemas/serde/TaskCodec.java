package dev.saescope.schemas.serde;

import dev.saescope.avro.PromptTask;
import dev.saescope.schemas.Task;
import java.util.ArrayList;

/** Maps {@link Task} to and from the generated {@link PromptTask}: the only place both meet. */
public final class TaskCodec {
  private TaskCodec() {}

  /** The Avro form of a task, ready for a serializer. */
  public static PromptTask toAvro(Task t) {
    return PromptTask.newBuilder()
        .setRunId(t.runId())
        .setTaskId(t.taskId())
        .setItemId(t.itemId())
        .setRelation(t.relation())
        .setSubject(t.subject())
        // Avro's generated setters keep the list; hand them mutable copies, never our views.
        .setGoldObjects(new ArrayList<>(t.goldObjects()))
        .setVariant(VariantCodec.toAvro(t.variant()))
        .setFamily(t.family())
        .setTemplateId(t.templateId())
        .setQuestion(t.question())
        .setAnswer(t.answer())
        .setText(t.text())
        .setAnswerStart(t.answerStart())
        .setObjectInSubject(t.objectInSubject())
        .setSaeIds(new ArrayList<>(t.saeIds()))
        .setCreatedAtMs(t.createdAtMs())
        .build();
  }

  /**
   * Our record for a decoded Avro task.
   *
   * @throws IllegalArgumentException when the message breaks a {@link Task} invariant
   */
  public static Task fromAvro(PromptTask p) {
    return new Task(
        p.getRunId(),
        p.getTaskId(),
        p.getItemId(),
        p.getRelation(),
        p.getSubject(),
        p.getGoldObjects(),
        p.getVariant() == null ? null : VariantCodec.fromAvro(p.getVariant()),
        p.getFamily(),
        p.getTemplateId(),
        p.getQuestion(),
        p.getAnswer(),
        p.getText(),
        p.getAnswerStart(),
        p.getObjectInSubject(),
        p.getSaeIds(),
        p.getCreatedAtMs());
  }
}
