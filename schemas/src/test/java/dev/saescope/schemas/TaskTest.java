package dev.saescope.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.schemas.serde.TaskCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskTest {
  @Test
  void avroMappingRoundTripsEveryField() {
    for (Task t : List.of(TestTasks.direct(), TestTasks.evasive(), TestTasks.cloze())) {
      assertEquals(t, TaskCodec.fromAvro(TaskCodec.toAvro(t)));
    }
  }

  @Test
  void withCreatedAtMsChangesOnlyTheCreationTime() {
    Task t = TestTasks.evasive();
    Task stamped = t.withCreatedAtMs(1234);
    assertEquals(1234, stamped.createdAtMs());
    assertEquals(t, stamped.withCreatedAtMs(t.createdAtMs()));
  }

  @Test
  void listsAreCopiedSoTheRecordIsImmutable() {
    List<String> gold = new ArrayList<>(List.of("Paris"));
    Task t = TestTasks.direct();
    Task copy =
        new Task(
            t.runId(),
            t.taskId(),
            t.itemId(),
            t.relation(),
            t.subject(),
            gold,
            t.variant(),
            t.family(),
            t.templateId(),
            t.question(),
            t.answer(),
            t.text(),
            t.answerStart(),
            t.objectInSubject(),
            t.saeIds(),
            0);
    gold.add("Lyon");
    assertEquals(List.of("Paris"), copy.goldObjects());
    assertThrows(UnsupportedOperationException.class, () -> copy.goldObjects().add("x"));
  }

  @Test
  void answerMustSitAtAnswerStart() {
    Task t = TestTasks.direct();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Task(
                    t.runId(),
                    t.taskId(),
                    t.itemId(),
                    t.relation(),
                    t.subject(),
                    t.goldObjects(),
                    t.variant(),
                    null,
                    t.templateId(),
                    t.question(),
                    t.answer(),
                    t.text(),
                    t.answerStart() - 1,
                    false,
                    List.of(),
                    0));
    assertTrue(
        e.getMessage().contains(t.taskId()) && e.getMessage().contains("answerStart"),
        e.getMessage());
  }

  @Test
  void familyOnlyForEvasive() {
    Task d = TestTasks.direct();
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Task(
                d.runId(),
                d.taskId(),
                d.itemId(),
                d.relation(),
                d.subject(),
                d.goldObjects(),
                d.variant(),
                "declines",
                d.templateId(),
                d.question(),
                d.answer(),
                d.text(),
                d.answerStart(),
                false,
                List.of(),
                0));
    Task e = TestTasks.evasive();
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Task(
                e.runId(),
                e.taskId(),
                e.itemId(),
                e.relation(),
                e.subject(),
                e.goldObjects(),
                e.variant(),
                null,
                e.templateId(),
                e.question(),
                e.answer(),
                e.text(),
                e.answerStart(),
                false,
                List.of(),
                0));
  }

  @Test
  void clozeHasNoAnswer() {
    Task c = TestTasks.cloze();
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Task(
                c.runId(),
                c.taskId(),
                c.itemId(),
                c.relation(),
                c.subject(),
                c.goldObjects(),
                c.variant(),
                null,
                c.templateId(),
                c.question(),
                "is",
                c.text(),
                c.text().length() - 2,
                false,
                List.of(),
                0));
  }

  @Test
  void blankIdsAreRejectedByName() {
    Task t = TestTasks.direct();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Task(
                    t.runId(),
                    t.taskId(),
                    " ",
                    t.relation(),
                    t.subject(),
                    t.goldObjects(),
                    t.variant(),
                    null,
                    t.templateId(),
                    t.question(),
                    t.answer(),
                    t.text(),
                    t.answerStart(),
                    false,
                    List.of(),
                    0));
    assertTrue(e.getMessage().contains("itemId"), e.getMessage());
  }

  @Test
  void variantWireNames() {
    for (Variant v : Variant.values()) {
      assertEquals(v, Variant.fromWireName(v.wireName()));
    }
    var e = assertThrows(IllegalArgumentException.class, () -> Variant.fromWireName("sarcastic"));
    assertTrue(e.getMessage().contains("sarcastic"));
  }

  @Test
  void topicsUsePrefixAndRejectIllegalNames() {
    Topics t = new Topics("x.");
    assertEquals("x.tasks", t.tasks());
    assertEquals("x.latent-info", t.latentInfo());
    assertEquals(TopicKind.DEAD_LETTER, t.kindOf("x.dead-letter"));
    assertEquals(null, t.kindOf("y.tasks"));
    assertTrue(TopicKind.LATENT_INFO.compacted());
    var e = assertThrows(IllegalArgumentException.class, () -> new Topics("bad prefix/"));
    assertTrue(e.getMessage().contains("bad prefix/"));
  }
}
