package dev.saescope.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Splitting a result into parts and joining them back, and every way the parts can be wrong. */
class ResultPartsTest {
  private static final LayerResult WHOLE = TestResults.random(10, 6, 64, 4, 1);

  @Test
  void splitThenJoinGivesTheOriginalForEveryField() {
    for (int parts = 1; parts <= 12; parts++) {
      List<LayerResult> split = ResultParts.split(WHOLE, parts);
      assertEquals(parts, split.size());
      for (int p = 0; p < parts; p++) {
        assertEquals(p, split.get(p).part());
        assertEquals(parts, split.get(p).parts());
      }
      LayerResult joined = ResultParts.join(split);
      assertEquals(WHOLE, joined, parts + " parts");
      // equals() covers the arrays; spell out the fields a record equality could miss
      assertEquals(WHOLE.labels(), joined.labels());
      assertEquals(WHOLE.tokens(), joined.tokens());
      assertEquals(WHOLE.dense(), joined.dense());
      assertEquals(WHOLE.latents(), joined.latents());
      assertEquals(WHOLE.scores(), joined.scores());
      assertEquals(WHOLE.lens(), joined.lens());
      assertEquals(WHOLE.computeMs(), joined.computeMs());
      assertEquals(WHOLE.producedAtMs(), joined.producedAtMs());
    }
  }

  @Test
  void partsJoinInAnyOrder() {
    List<LayerResult> split = new ArrayList<>(ResultParts.split(WHOLE, 4));
    Collections.reverse(split);
    assertEquals(WHOLE, ResultParts.join(split));
  }

  @Test
  void rowsAreDividedInOrderAndScoresRideInPartZero() {
    List<LayerResult> split = ResultParts.split(WHOLE, 3);
    assertEquals(List.of(3, 3, 4), split.stream().map(p -> p.dense().rows()).toList());
    assertEquals(List.of(3, 3, 4), split.stream().map(p -> p.latents().rows().size()).toList());
    assertEquals(3, split.get(1).dense().positions()[0]);
    assertEquals(WHOLE.dense().get(3, 2), split.get(1).dense().get(0, 2));
    assertEquals(WHOLE.scores(), split.get(0).scores());
    assertTrue(split.get(1).scores().isEmpty() && split.get(2).lens().isEmpty());
    assertEquals(WHOLE.tokens(), split.get(2).tokens(), "every part keeps the tokens");
  }

  @Test
  void equalityLooksInsideTheArrays() {
    LayerResult other = TestResults.random(10, 6, 64, 4, 2);
    assertNotEquals(WHOLE.dense(), other.dense());
    assertNotEquals(WHOLE.latents(), other.latents());
    assertNotEquals(WHOLE, other);
    assertEquals(WHOLE, TestResults.random(10, 6, 64, 4, 1));
  }

  @Test
  void aMissingPartIsAnErrorNamingTaskAndPart() {
    List<LayerResult> split = new ArrayList<>(ResultParts.split(WHOLE, 4));
    split.remove(2);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultParts.join(split));
    assertTrue(e.getMessage().contains("task t layer 12 resid_post"), e.getMessage());
    assertTrue(e.getMessage().contains("missing part(s) [2] of 4"), e.getMessage());
  }

  @Test
  void aDuplicatePartIsAnError() {
    List<LayerResult> split = new ArrayList<>(ResultParts.split(WHOLE, 3));
    split.set(2, split.get(1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultParts.join(split));
    assertTrue(e.getMessage().contains("task t layer 12"), e.getMessage());
    assertTrue(e.getMessage().contains("part 1 of 3 appears twice"), e.getMessage());
  }

  @Test
  void partsOfDifferentResultsAreAnError() {
    List<LayerResult> split = new ArrayList<>(ResultParts.split(WHOLE, 2));
    LayerResult otherTask = renamed(ResultParts.split(WHOLE, 2).get(1), "t2");
    split.set(1, otherTask);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultParts.join(split));
    assertTrue(e.getMessage().contains("parts of different results"), e.getMessage());
    assertTrue(e.getMessage().contains("task t layer"), e.getMessage());
    assertTrue(
        e.getMessage().contains("task t2 layer 12 resid_post (run r) part 1"), e.getMessage());
  }

  @Test
  void inconsistentShapesAreAnErrorNamingThePart() {
    List<LayerResult> split = new ArrayList<>(ResultParts.split(WHOLE, 3));
    LayerResult p2 = split.get(2);
    split.set(
        2,
        p2.withPart(
            2,
            3,
            DenseRows.none(7),
            p2.latents(),
            p2.scores(),
            p2.lens(),
            p2.latentTargets())); // width 7, not 6
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultParts.join(split));
    assertTrue(e.getMessage().contains("task t layer 12"), e.getMessage());
    assertTrue(e.getMessage().contains("part 2 of 3 has dense width (dModel) 7"), e.getMessage());

    List<LayerResult> sae = new ArrayList<>(ResultParts.split(WHOLE, 3));
    LayerResult p1 = sae.get(1);
    sae.set(
        1,
        p1.withPart(
            1, 3, p1.dense(), LatentRows.none(), p1.scores(), p1.lens(), p1.latentTargets()));
    e = assertThrows(IllegalArgumentException.class, () -> ResultParts.join(sae));
    assertTrue(e.getMessage().contains("part 1 of 3 has SAE width (dSae) 0"), e.getMessage());
  }

  @Test
  void partsThatDisagreeOnTheirCountAreAnError() {
    List<LayerResult> split = new ArrayList<>(ResultParts.split(WHOLE, 3));
    LayerResult p1 = split.get(1);
    split.set(
        1, p1.withPart(1, 4, p1.dense(), p1.latents(), p1.scores(), p1.lens(), p1.latentTargets()));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultParts.join(split));
    assertTrue(e.getMessage().contains("part 1 says 4 parts"), e.getMessage());
  }

  @Test
  void aPartCannotBeSplitAgain() {
    LayerResult part = ResultParts.split(WHOLE, 2).get(1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ResultParts.split(part, 2));
    assertTrue(e.getMessage().contains("part 1 of 2 cannot be split"), e.getMessage());
  }

  @Test
  void theAssemblerHandsBackEachWholeResultWhenItsLastPartArrives() {
    ResultAssembler assembler = new ResultAssembler();
    LayerResult small = TestResults.random(3, 2, 16, 2, 5);
    assertEquals(Optional.of(small), assembler.offer(small), "a whole result passes through");
    List<LayerResult> a = ResultParts.split(WHOLE, 3);
    List<LayerResult> b = ResultParts.split(renamed(WHOLE, "t2"), 2);
    assertEquals(Optional.empty(), assembler.offer(a.get(2)));
    assertEquals(Optional.empty(), assembler.offer(b.get(0)));
    assertEquals(Optional.empty(), assembler.offer(a.get(0)));
    assertEquals(2, assembler.incomplete());
    assertEquals(Optional.of(renamed(WHOLE, "t2")), assembler.offer(b.get(1)));
    assertEquals(Optional.of(WHOLE), assembler.offer(a.get(1)));
    assertEquals(0, assembler.incomplete());

    assembler.offer(a.get(0));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> assembler.offer(a.get(0)));
    assertTrue(e.getMessage().contains("task t layer 12 resid_post"), e.getMessage());
    assertTrue(e.getMessage().contains("part 0 of 3 appears twice"), e.getMessage());
  }

  @Test
  void resultsRefusePositionsOutsideTheirTokens() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                WHOLE.withPart(
                    0,
                    1,
                    new DenseRows(new int[] {10}, 6, new float[6]),
                    WHOLE.latents(),
                    WHOLE.scores(),
                    WHOLE.lens(),
                    WHOLE.latentTargets()));
    assertTrue(e.getMessage().contains("task t layer 12 resid_post"), e.getMessage());
    assertTrue(e.getMessage().contains("dense row at position 10 is beyond the 10 tokens"));
  }

  @Test
  void recordsNameWhatIsWrong() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new DenseRows(new int[] {2, 3}, 2, new float[3]));
    assertEquals("dense holds 3 floats for 2 rows of 2", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new LatentRow(4, new int[] {5, 5}, new float[] {1, 2}, 0));
    assertTrue(e.getMessage().contains("position 4: indices must be ascending"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new LatentRows(8, List.of(new LatentRow(1, new int[] {8}, new float[] {1}, 0))));
    assertTrue(e.getMessage().contains("latent 8 is outside the SAE's 8"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new PromptTokens(new int[] {2, 5}, List.of("<bos>", "a"), 1, 1, 2));
    assertTrue(e.getMessage().contains("q_end=1 ans_start=1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ScoreRole.fromWireName("gold7"));
    assertTrue(e.getMessage().contains("gold7"), e.getMessage());
  }

  @Test
  void labelsComeFromTheTask() {
    TaskLabels evasive = TaskLabels.of(TestTasks.evasive()); // "I'm not sure about France."
    assertEquals("claims_ignorance", evasive.family());
    assertTrue(evasive.answerMentionsSubject());
    assertEquals("q0/ignorance2+s", evasive.templateId());
    assertEquals(List.of("Paris"), evasive.goldObjects());
    assertTrue(evasive.known());
    TaskLabels cloze = TaskLabels.of(TestTasks.cloze());
    assertTrue(cloze.objectInSubject());
    assertEquals(false, cloze.answerMentionsSubject());
    assertTrue(TaskLabels.mentions("Not sure about the US.", "us"));
    assertEquals(false, TaskLabels.mentions("It is thus unclear.", "US"), "inside a word");
    assertEquals(false, TaskLabels.mentions("Hard to say.", "France"));
  }

  private static LayerResult renamed(LayerResult r, String taskId) {
    return new LayerResult(
        r.runId(),
        taskId,
        r.itemId(),
        r.labels(),
        r.layer(),
        r.site(),
        r.part(),
        r.parts(),
        r.modelId(),
        r.saeId(),
        r.workerId(),
        r.tokens(),
        r.dense(),
        r.latents(),
        r.scores(),
        r.lens(),
        r.computeMs(),
        r.producedAtMs(),
        r.latentTargets(),
        r.resultsPerTask(),
        r.dtype());
  }
}
