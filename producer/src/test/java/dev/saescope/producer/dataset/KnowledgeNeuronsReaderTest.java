package dev.saescope.producer.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.producer.Datasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnowledgeNeuronsReaderTest {
  static Dataset real;

  @BeforeAll
  static void readReal() throws DatasetException {
    real = KnowledgeNeuronsReader.read(Datasets.knowledgeNeurons());
  }

  @Test
  void realDataHasTheCountsItsReadmeStates() {
    // README: 34 relations, 27,738 pairs, 21 duplicated triples. data_11.json repeats the 937
    // P36/P1376 facts, which must all merge into existing items.
    assertEquals(34, real.relations().size());
    assertEquals(27_738 + 937, real.facts());
    assertEquals(21 + 937, real.duplicateFacts());
    assertEquals(25_475, real.items().size());
    long multi = real.items().stream().filter(i -> i.goldObjects().size() > 1).count();
    assertEquals(838, multi, "items with several distinct gold objects");
    long flagged = real.items().stream().filter(Item::objectInSubject).count();
    assertTrue(flagged > 2_500 && flagged < 3_000, "about 10% object-in-subject, got " + flagged);
    assertEquals("1-1", real.relations().get("P36").cardinality());
    assertEquals("capital", real.relations().get("P36").label());
  }

  @Test
  void realDataPatternsCoverEveryRelationAnd203AreCloze() {
    long cloze = 0;
    long total = 0;
    for (String r : real.relations().keySet()) {
      List<Pattern> ps = real.patternsOf(r);
      assertTrue(ps.size() > 3, r + " has " + ps.size() + " patterns");
      total += ps.size();
      cloze += ps.stream().filter(Pattern::clozeEligible).count();
    }
    assertEquals(318, total);
    assertEquals(203, cloze, "README: 203 of the 318 patterns end with [Y]");
  }

  @Test
  void gold_object_sets_gather_all_objects_of_a_subject() {
    Map<String, Item> byId =
        real.items().stream().collect(Collectors.toMap(Item::itemId, Function.identity()));
    Item azerbaijan = byId.get("P36:Azerbaijan");
    assertEquals(List.of("Baku"), azerbaijan.goldObjects());
    assertTrue(
        byId.values().stream()
            .anyMatch(i -> i.relation().equals("P47") && i.goldObjects().size() > 3));
  }

  @Test
  void bagFilesAloneRebuildTheSameItems(@TempDir Path tmp) throws Exception {
    Path src = Datasets.knowledgeNeurons();
    Path dst = tmp.resolve("kn");
    copy(
        src.resolve("LAMA/raw_data/relations.jsonl"), dst.resolve("LAMA/raw_data/relations.jsonl"));
    copy(src.resolve("PARAREL/data_11.json"), dst.resolve("PARAREL/data_11.json"));
    Files.createDirectories(dst.resolve("PARAREL/raw_data/patterns"));
    try (var s = Files.list(src.resolve("PARAREL/raw_data/patterns"))) {
      for (Path p : s.toList()) {
        copy(p, dst.resolve("PARAREL/raw_data/patterns").resolve(p.getFileName()));
      }
    }
    Dataset bags = KnowledgeNeuronsReader.read(dst);
    assertEquals(937, bags.facts());
    List<Item> expected =
        real.items().stream()
            .filter(i -> i.relation().equals("P36") || i.relation().equals("P1376"))
            .toList();
    assertEquals(
        expected.stream().map(i -> i.itemId() + "=" + i.goldObjects()).collect(Collectors.toSet()),
        bags.items().stream()
            .map(i -> i.itemId() + "=" + i.goldObjects())
            .collect(Collectors.toSet()));
  }

  @Test
  void missingFolderIsNamed(@TempDir Path tmp) {
    Path missing = tmp.resolve("nope");
    DatasetException e =
        assertThrows(DatasetException.class, () -> KnowledgeNeuronsReader.read(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void missingFactsAreNamed(@TempDir Path tmp) throws IOException {
    Path root = tiny(tmp);
    Files.delete(root.resolve("PARAREL/query_pairs.json"));
    DatasetException e =
        assertThrows(DatasetException.class, () -> KnowledgeNeuronsReader.read(root));
    assertTrue(e.getMessage().contains("query_pairs.json"), e.getMessage());
  }

  @Test
  void tinyFolderReads(@TempDir Path tmp) throws Exception {
    Dataset d = KnowledgeNeuronsReader.read(tiny(tmp));
    assertEquals(List.of("P36:France", "P36:Peru"), d.items().stream().map(Item::itemId).toList());
    assertEquals(1, d.duplicateFacts());
    assertFalse(d.items().get(0).objectInSubject());
  }

  @Test
  void malformedQueryPairsNamesFileAndLine(@TempDir Path tmp) throws IOException {
    Path root = tiny(tmp);
    Path qp = root.resolve("PARAREL/query_pairs.json");
    Files.writeString(
        qp, "{\n  \"P36\": [\n    [\"France\", \"Paris\"],\n    [\"Peru\" \"Lima\"]\n  ]\n}\n");
    DatasetException e =
        assertThrows(DatasetException.class, () -> KnowledgeNeuronsReader.read(root));
    assertTrue(e.getMessage().startsWith(qp + ":4: malformed JSON"), e.getMessage());
  }

  @Test
  void pairOfThreeNamesLine(@TempDir Path tmp) throws IOException {
    Path root = tiny(tmp);
    Path qp = root.resolve("PARAREL/query_pairs.json");
    Files.writeString(
        qp,
        "{\n  \"P36\": [\n    [\"France\", \"Paris\"],\n    [\"Peru\", \"Lima\", \"x\"]\n  ]\n}\n");
    DatasetException e =
        assertThrows(DatasetException.class, () -> KnowledgeNeuronsReader.read(root));
    assertTrue(e.getMessage().startsWith(qp + ":4:"), e.getMessage());
    assertTrue(e.getMessage().contains("more than two"), e.getMessage());
  }

  @Test
  void badPatternNamesFileAndLine(@TempDir Path tmp) throws IOException {
    Path root = tiny(tmp);
    Path p = root.resolve("PARAREL/raw_data/patterns/P36.jsonl");
    Files.writeString(
        p,
        "{\"pattern\": \"The capital of [X] is [Y].\"}\n\n{\"pattern\": \"[X] has no object.\"}\n");
    DatasetException e =
        assertThrows(DatasetException.class, () -> KnowledgeNeuronsReader.read(root));
    assertTrue(e.getMessage().startsWith(p + ":3:"), e.getMessage());
    Files.writeString(p, "{\"pattern\": \"The capital of [X] is [Y].\"}\n{\"pattern\": \n");
    e = assertThrows(DatasetException.class, () -> KnowledgeNeuronsReader.read(root));
    assertTrue(e.getMessage().startsWith(p + ":2: malformed JSON"), e.getMessage());
  }

  @Test
  void unreadableFileIsNamed(@TempDir Path tmp) throws IOException {
    Path root = tiny(tmp);
    Path rel = root.resolve("LAMA/raw_data/relations.jsonl");
    Files.delete(rel);
    Files.createDirectories(rel); // a directory where a file should be
    DatasetException e =
        assertThrows(DatasetException.class, () -> KnowledgeNeuronsReader.read(root));
    assertTrue(
        e.getMessage().contains(rel.toString()) && e.getMessage().contains("not a regular file"),
        e.getMessage());
  }

  @Test
  void bagWhoseSubjectCannotBeRecoveredIsNamed(@TempDir Path tmp) throws IOException {
    Path root = tiny(tmp);
    Path bag = root.resolve("PARAREL/data_x.json");
    Files.writeString(
        bag, "[\n [[\"Nothing like a pattern [MASK]\", \"Lima\", \"P36(capital)\"]]\n]\n");
    DatasetException e =
        assertThrows(DatasetException.class, () -> KnowledgeNeuronsReader.read(root));
    assertTrue(e.getMessage().startsWith(bag + ":2: bag 0"), e.getMessage());
  }

  @Test
  void subjectOfMatchesPatternsWithTheObjectFirst() {
    List<Pattern> ps =
        List.of(
            new Pattern("P1376", 0, "[Y]'s capital, [X]."),
            new Pattern("P1376", 1, "[X] is the capital of [Y]."));
    assertEquals("Edmonton", KnowledgeNeuronsReader.subjectOf("[MASK]'s capital, Edmonton.", ps));
    assertEquals(
        "St. John's", KnowledgeNeuronsReader.subjectOf("St. John's is the capital of [MASK].", ps));
  }

  /** A minimal knowledge-neurons folder: two P36 facts (one repeated), two patterns. */
  static Path tiny(Path tmp) throws IOException {
    Path root = tmp.resolve("kn");
    write(
        root.resolve("LAMA/raw_data/relations.jsonl"),
        "{\"relation\": \"P36\", \"template\": \"The capital of [X] is [Y] .\", \"label\": \"capital\", \"type\": \"1-1\"}\n");
    write(
        root.resolve("PARAREL/query_pairs.json"),
        "{\"P36\": [[\"France\", \"Paris\"], [\"Peru\", \"Lima\"], [\"France\", \"Paris\"]]}");
    write(
        root.resolve("PARAREL/raw_data/patterns/P36.jsonl"),
        "{\"pattern\": \"The capital of [X] is [Y] .\", \"lemma\": \"capital\"}\n"
            + "{\"pattern\": \"[Y] is the capital of [X].\"}\n");
    return root;
  }

  static void write(Path p, String s) throws IOException {
    Files.createDirectories(p.getParent());
    Files.writeString(p, s);
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from, to);
  }
}
