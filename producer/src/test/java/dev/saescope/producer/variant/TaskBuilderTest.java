package dev.saescope.producer.variant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.producer.Datasets;
import dev.saescope.producer.dataset.Dataset;
import dev.saescope.producer.dataset.DatasetException;
import dev.saescope.producer.dataset.Item;
import dev.saescope.producer.dataset.ItemSource;
import dev.saescope.producer.dataset.KnowledgeNeuronsReader;
import dev.saescope.producer.dataset.ParaRelReader;
import dev.saescope.producer.run.ItemFilter;
import dev.saescope.producer.run.ItemOrder;
import dev.saescope.producer.run.ItemTasks;
import dev.saescope.producer.run.ProduceException;
import dev.saescope.producer.run.TaskStream;
import dev.saescope.producer.template.EvasiveFamily;
import dev.saescope.producer.template.Templates;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TaskBuilderTest {
  static final Templates T = Templates.load();
  static Dataset kn;

  @BeforeAll
  static void read() throws DatasetException {
    kn = KnowledgeNeuronsReader.read(Datasets.knowledgeNeurons());
  }

  static List<Task> all(Dataset d, VariantOptions opts, ItemFilter filter, String runId, long seed)
      throws Exception {
    TaskStream s =
        TaskStream.open(
            new ItemSource.Whole(d),
            filter,
            new TaskBuilder(T, opts, runId, seed, () -> 0),
            T,
            w -> {});
    List<Task> out = new ArrayList<>();
    for (Optional<ItemTasks> it = s.next(); it.isPresent(); it = s.next()) {
      out.addAll(it.get().tasks());
    }
    return out;
  }

  @Test
  void wholeKnowledgeNeuronsDatasetBuildsCleanTasksForAll34Relations() throws Exception {
    VariantOptions opts =
        new VariantOptions(
            EnumSet.allOf(Variant.class), EnumSet.allOf(DirectForm.class), 1, TextFormat.BASE);
    List<Task> tasks = all(kn, opts, ItemFilter.all(), "r", 7);
    Set<String> ids = new HashSet<>();
    Map<String, Set<Variant>> variantsByRelation = new HashMap<>();
    for (Task t : tasks) {
      for (String ph : TaskBuilder.PLACEHOLDERS) {
        assertFalse(t.text().contains(ph), t.taskId() + ": " + t.text());
      }
      assertTrue(ids.add(t.taskId()), "task id repeated: " + t.taskId() + " " + t.templateId());
      variantsByRelation
          .computeIfAbsent(t.relation(), k -> EnumSet.noneOf(Variant.class))
          .add(t.variant());
      switch (t.variant()) {
        case DIRECT -> assertTrue(t.goldObjects().contains(t.answer()), t.toString());
        case COUNTERFACTUAL ->
            assertFalse(
                t.goldObjects().stream().anyMatch(o -> o.equalsIgnoreCase(t.answer())),
                t.toString());
        case CLOZE -> {
          assertEquals(t.text().strip(), t.text(), "cloze text has edge whitespace: " + t.text());
          assertTrue(t.text().startsWith(t.subject()) || t.text().contains(t.subject()), t.text());
        }
        case EVASIVE -> EvasiveFamily.fromWireName(t.family());
      }
      if (t.variant() != Variant.CLOZE && t.templateId().startsWith("q:")) {
        assertEquals("Question: " + t.question() + "\nAnswer: " + t.answer(), t.text());
      }
    }
    assertEquals(34, variantsByRelation.size());
    variantsByRelation.forEach((r, vs) -> assertEquals(EnumSet.allOf(Variant.class), vs, r));
    // Every item: 1 qa direct + 1 pattern direct + 6 evasive + 1 counterfactual + 1 cloze.
    assertEquals(kn.items().size() * 10L, tasks.size());
  }

  @Test
  void sameSeedSameTasksInTheSameOrderAndOtherSeedsDiffer() throws Exception {
    ItemFilter f = new ItemFilter(Set.of(), false, 300, ItemOrder.SHUFFLED, 5);
    List<Task> a = all(kn, VariantOptions.defaults(), f, "run", 5);
    List<Task> b = all(kn, VariantOptions.defaults(), f, "run", 5);
    assertEquals(a, b);
    List<Task> c =
        all(
            kn,
            VariantOptions.defaults(),
            new ItemFilter(Set.of(), false, 300, ItemOrder.SHUFFLED, 6),
            "run",
            6);
    assertNotEquals(a.stream().map(Task::itemId).toList(), c.stream().map(Task::itemId).toList());
    // Shuffled + limit samples across relations rather than taking the first one.
    assertTrue(a.stream().map(Task::relation).distinct().count() > 20);
  }

  @Test
  void choicesForAnItemDoNotDependOnOtherItemsOrOnOtherVariants() throws Exception {
    Item item = kn.items().get(1234);
    TaskBuilder b = new TaskBuilder(T, VariantOptions.defaults(), "run", 3, () -> 0);
    List<String> pool = kn.objectsByRelation().get(item.relation());
    List<Task> full = b.build(item, kn.patternsOf(item.relation()), pool);
    VariantOptions evasiveOnly =
        new VariantOptions(EnumSet.of(Variant.EVASIVE), Set.of(), 1, TextFormat.BASE);
    List<Task> ev =
        new TaskBuilder(T, evasiveOnly, "run", 3, () -> 0)
            .build(item, kn.patternsOf(item.relation()), pool);
    assertEquals(full.stream().filter(t -> t.variant() == Variant.EVASIVE).toList(), ev);
    // Task ids are a function of run id, item, variant and template: another run id changes them.
    List<Task> other =
        new TaskBuilder(T, VariantOptions.defaults(), "run2", 3, () -> 0)
            .build(item, kn.patternsOf(item.relation()), pool);
    assertEquals(full.stream().map(Task::text).toList(), other.stream().map(Task::text).toList());
    assertNotEquals(full.get(0).taskId(), other.get(0).taskId());
  }

  @Test
  void evasiveTemplatesMentionTheSubjectAboutHalfTheTime() throws Exception {
    List<Task> tasks =
        all(
            kn,
            new VariantOptions(EnumSet.of(Variant.EVASIVE), Set.of(), 1, TextFormat.BASE),
            new ItemFilter(Set.of(), false, 2000, ItemOrder.SHUFFLED, 1),
            "r",
            1);
    Map<Boolean, Long> mention =
        tasks.stream()
            .collect(
                Collectors.partitioningBy(
                    t -> t.templateId().contains("/s/"), Collectors.counting()));
    double frac = mention.get(true) / (double) tasks.size();
    assertTrue(frac > 0.45 && frac < 0.55, "fraction mentioning the subject: " + frac);
    tasks.stream()
        .filter(t -> t.templateId().contains("/s/"))
        .forEach(t -> assertTrue(t.answer().contains(t.subject()), t.answer()));
  }

  @Test
  void evasiveMentionBothGivesOneOfEachKindConsistentWithWithAndWithout() throws Exception {
    Item item = kn.items().get(77);
    Map<EvasiveMention, List<String>> ids = new HashMap<>();
    for (EvasiveMention m : EvasiveMention.values()) {
      VariantOptions o =
          new VariantOptions(EnumSet.of(Variant.EVASIVE), Set.of(), 1, TextFormat.BASE, m);
      ids.put(
          m,
          new TaskBuilder(T, o, "r", 2, () -> 0)
              .build(item, List.of(), List.of()).stream().map(Task::templateId).toList());
    }
    assertEquals(12, ids.get(EvasiveMention.BOTH).size());
    assertEquals(6, ids.get(EvasiveMention.RANDOM).size());
    assertTrue(ids.get(EvasiveMention.WITH).stream().allMatch(t -> t.contains("/s/")));
    assertTrue(ids.get(EvasiveMention.WITHOUT).stream().allMatch(t -> t.contains("/n/")));
    Set<String> union = new HashSet<>(ids.get(EvasiveMention.WITH));
    union.addAll(ids.get(EvasiveMention.WITHOUT));
    assertEquals(union, new HashSet<>(ids.get(EvasiveMention.BOTH)));
    assertTrue(union.containsAll(ids.get(EvasiveMention.RANDOM)));
  }

  @Test
  void perRelationCapGivesABalancedSample() throws Exception {
    List<Task> tasks =
        all(
            kn,
            new VariantOptions(
                EnumSet.of(Variant.DIRECT), EnumSet.of(DirectForm.QA), 1, TextFormat.BASE),
            new ItemFilter(Set.of(), false, 0, ItemOrder.SHUFFLED, 3, 4),
            "r",
            3);
    Map<String, Long> perRelation =
        tasks.stream().collect(Collectors.groupingBy(Task::relation, Collectors.counting()));
    assertEquals(34, perRelation.size());
    perRelation.forEach((r, n) -> assertEquals(4L, n, r));
  }

  @Test
  void severalQuestionsPerItemShareTheEvasiveAndCounterfactualChoices() throws Exception {
    VariantOptions opts =
        new VariantOptions(
            EnumSet.allOf(Variant.class), EnumSet.of(DirectForm.QA), 2, TextFormat.GEMMA_CHAT);
    List<Task> tasks =
        all(kn, opts, new ItemFilter(Set.of("P36"), false, 5, ItemOrder.DATASET, 0), "r", 0);
    // 2 questions x (1 direct + 6 evasive + 1 counterfactual) + 1 cloze per item.
    assertEquals(5 * 17, tasks.size());
    Task t = tasks.get(0);
    assertTrue(
        t.text()
            .startsWith(
                "<start_of_turn>user\n" + t.question() + "<end_of_turn>\n<start_of_turn>model\n"),
        t.text());
    Set<String> cf =
        tasks.stream()
            .filter(x -> x.variant() == Variant.COUNTERFACTUAL && x.itemId().equals(t.itemId()))
            .map(Task::answer)
            .collect(Collectors.toSet());
    assertEquals(1, cf.size());
  }

  @Test
  void paraRelRelationsWithoutPatternsStillGetQuestionVariants() throws Exception {
    Dataset pr = ParaRelReader.read(Datasets.paraRel());
    List<Task> tasks =
        all(
            pr,
            VariantOptions.defaults(),
            new ItemFilter(Set.of("P31"), false, 10, ItemOrder.DATASET, 0),
            "r",
            0);
    assertEquals(10 * 8, tasks.size(), "no cloze for P31, which has no patterns");
  }

  @Test
  void textFormatPlacesTheAnswerAndRejectsBadFormats() {
    TextFormat f = TextFormat.parse("Q: {question}\\nA: {answer} <end>");
    TextFormat.Rendered r = f.render("Why {answer}?", "Because.");
    assertEquals("Q: Why {answer}?\nA: Because. <end>", r.text());
    assertEquals("Because.", r.text().substring(r.answerStart(), r.answerStart() + 8));
    for (String bad :
        List.of("{answer} {question}", "{question} only", "{question}{answer}{answer}")) {
      try {
        TextFormat.parse(bad);
        throw new AssertionError("accepted " + bad);
      } catch (IllegalArgumentException expected) {
        assertTrue(expected.getMessage().contains("{question} and then {answer}"));
      }
    }
  }

  @Test
  void unknownRelationAndEmptySelectionAreErrors() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ProduceException.class,
            () ->
                all(
                    kn,
                    VariantOptions.defaults(),
                    new ItemFilter(Set.of("P36", "P999"), false, 0, ItemOrder.DATASET, 0),
                    "r",
                    0));
    assertTrue(e.getMessage().startsWith("unknown relation P999 in --relations"), e.getMessage());
    Item leak = Item.of("P36", "Lima City", List.of("Lima"));
    Dataset onlyLeaks =
        new Dataset(
            "mem",
            Map.of("P36", dev.saescope.producer.dataset.RelationInfo.unlabelled("P36")),
            Map.of(),
            List.of(leak),
            1,
            0);
    e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ProduceException.class,
            () ->
                all(
                    onlyLeaks,
                    VariantOptions.defaults(),
                    new ItemFilter(Set.of(), true, 0, ItemOrder.DATASET, 0),
                    "r",
                    0));
    assertTrue(e.getMessage().startsWith("no items to produce from mem"), e.getMessage());
    assertTrue(e.getMessage().contains("1 dropped as object-in-subject"), e.getMessage());
  }
}
