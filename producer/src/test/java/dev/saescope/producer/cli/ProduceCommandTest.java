package dev.saescope.producer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.producer.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProduceCommandTest {
  static final ObjectMapper M = new ObjectMapper();
  static final String KN = Datasets.knowledgeNeurons().toString();
  static final List<String> FIELDS =
      List.of(
          "run_id",
          "task_id",
          "item_id",
          "relation",
          "subject",
          "gold_objects",
          "variant",
          "family",
          "question",
          "answer",
          "text",
          "answer_start",
          "template_id",
          "object_in_subject");

  @Test
  void dryRunPrintsOneJsonObjectPerTaskAndIsDeterministic() throws Exception {
    String[] args = {
      "--dataset",
      "knowledge-neurons",
      "--data",
      KN,
      "--limit",
      "4",
      "--seed",
      "9",
      "--run-id",
      "r9",
      "--dry-run"
    };
    Run a = Run.produce(args);
    assertEquals(0, a.exit(), a.err());
    List<String> lines = a.out().lines().toList();
    assertEquals(4 * 9, lines.size(), a.out());
    for (String line : lines) {
      JsonNode t = M.readTree(line);
      for (String f : FIELDS) {
        assertTrue(t.has(f), "missing " + f + " in " + line);
      }
      assertEquals("r9", t.get("run_id").asText());
      String text = t.get("text").asText();
      assertFalse(text.contains("[X]") || text.contains("[Y]") || text.contains("[MASK]"), text);
      assertEquals(
          t.get("answer").asText(),
          text.substring(t.get("answer_start").asInt())
              .substring(0, t.get("answer").asText().length()));
      assertEquals(t.get("variant").asText().equals("evasive"), !t.get("family").isNull(), line);
    }
    assertTrue(a.err().contains("dry run: 36 tasks from 4 items"), a.err());
    assertEquals(a.out(), Run.produce(args).out(), "same seed must print the same tasks");
  }

  @Test
  void variantsAndRelationsFilter() throws Exception {
    Run r =
        Run.produce(
            "--dataset",
            "pararel",
            "--data",
            Datasets.paraRel().toString(),
            "--relations",
            "P36,P19",
            "--variants",
            "cloze",
            "--limit",
            "10",
            "--dry-run",
            "--run-id",
            "x");
    assertEquals(0, r.exit(), r.err());
    for (String line : r.out().lines().toList()) {
      JsonNode t = M.readTree(line);
      assertEquals("cloze", t.get("variant").asText());
      assertTrue(List.of("P36", "P19").contains(t.get("relation").asText()));
      assertEquals(t.get("text").asText().length(), t.get("answer_start").asInt());
    }
    assertEquals(10, r.out().lines().count());
  }

  @Test
  void missingFolderExitsWithItsName(@TempDir Path tmp) {
    Path missing = tmp.resolve("no-such-data");
    Run r =
        Run.produce("--dataset", "knowledge-neurons", "--data", missing.toString(), "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertEquals(
        "produce: " + missing + ": knowledge-neurons data folder does not exist\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void unknownRelationExitsNamingIt() {
    Run r =
        Run.produce(
            "--dataset",
            "knowledge-neurons",
            "--data",
            KN,
            "--relations",
            "P36,P9999",
            "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertTrue(r.err().startsWith("produce: unknown relation P9999 in --relations"), r.err());
  }

  @Test
  void emptySelectionExits(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("items.jsonl");
    Files.writeString(
        f, "{\"relation\": \"P36\", \"subject\": \"Lima City\", \"objects\": [\"Lima\"]}\n");
    Run r =
        Run.produce(
            "--dataset", "jsonl", "--data", f.toString(), "--drop-object-in-subject", "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertTrue(r.err().startsWith("produce: no items to produce from " + f), r.err());
    Files.writeString(f, "\n\n");
    r = Run.produce("--dataset", "jsonl", "--data", f.toString(), "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertTrue(r.err().startsWith("produce: no items to produce"), r.err());
  }

  @Test
  void relationWithoutQuestionTemplatesIsRejectedBeforeAnyTask(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("kn");
    Files.createDirectories(root.resolve("LAMA/raw_data"));
    Files.createDirectories(root.resolve("PARAREL/raw_data/patterns"));
    Files.writeString(root.resolve("LAMA/raw_data/relations.jsonl"), "");
    Files.writeString(
        root.resolve("PARAREL/query_pairs.json"),
        "{\"P36\": [[\"Peru\", \"Lima\"]], \"P9999\": [[\"a\", \"b\"]]}");
    Run r = Run.produce("--dataset", "knowledge-neurons", "--data", root.toString(), "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertTrue(
        r.err()
            .startsWith("produce: relations without question templates in " + root + ": [P9999]"),
        r.err());
    assertEquals("", r.out());
    r =
        Run.produce(
            "--dataset",
            "knowledge-neurons",
            "--data",
            root.toString(),
            "--relations",
            "P36",
            "--dry-run");
    assertEquals(0, r.exit(), r.err());
  }

  @Test
  void malformedJsonlFileStopsNamingFileAndLine(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("items.jsonl");
    Files.writeString(
        f, "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n{oops\n");
    Run r = Run.produce("--dataset", "jsonl", "--data", f.toString(), "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertTrue(r.err().startsWith("produce: " + f + ":2: malformed JSON"), r.err());
    assertEquals("", r.out(), "a file with a bad line produces nothing");
  }

  @Test
  void malformedStdinLineIsSkippedWithAWarningAndTheRestIsProduced() throws Exception {
    String in =
        "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n"
            + "{\"relation\": \"P36\", \"subject\": \n"
            + "{\"relation\": \"P19\", \"subject\": \"Ada Lovelace\", \"objects\": [\"London\"],"
            + " \"evasive_answers\": [{\"family\": \"declines\", \"text\": \"Not telling.\"}]}\n";
    Run r = Run.withStdin(in, "--dataset", "jsonl", "--data", "-", "--dry-run", "--run-id", "s");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.err().contains("produce: warning: <stdin>:2: malformed JSON"), r.err());
    assertTrue(r.err().contains("skipped: 1 lines"), r.err());
    List<JsonNode> tasks =
        r.out()
            .lines()
            .map(
                l -> {
                  try {
                    return M.readTree(l);
                  } catch (Exception e) {
                    throw new AssertionError(l, e);
                  }
                })
            .toList();
    assertEquals(
        List.of("P36:Peru", "P19:Ada Lovelace"),
        tasks.stream().map(t -> t.get("item_id").asText()).distinct().toList());
    // Peru: direct + 6 evasive, no counterfactual (nothing else seen for P36 yet), no cloze (no
    // patterns).
    assertEquals(
        7, tasks.stream().filter(t -> t.get("item_id").asText().equals("P36:Peru")).count());
    JsonNode ev =
        tasks.stream()
            .filter(
                t ->
                    t.get("variant").asText().equals("evasive")
                        && t.get("item_id").asText().startsWith("P19"))
            .findFirst()
            .orElseThrow();
    assertEquals("Not telling.", ev.get("answer").asText());
    assertEquals("declines", ev.get("family").asText());
  }

  @Test
  void stdinIsOnlyForJsonl() {
    Run r = Run.produce("--dataset", "pararel", "--data", "-", "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertTrue(r.err().contains("only for --dataset jsonl"), r.err());
  }

  @Test
  void badOptionValuesAreNamed() {
    assertBadInput("unknown dataset \"lama\"", "--dataset", "lama", "--data", KN, "--dry-run");
    String[] kn = {"--dataset", "knowledge-neurons", "--data", KN};
    assertBadInput("unknown variant 'sideways'", kn, "--variants", "direct,sideways", "--dry-run");
    assertBadInput("text format must hold", kn, "--format", "{answer} first", "--dry-run");
    assertBadInput("--limit must be >= 0", kn, "--limit", "-3", "--dry-run");
    assertBadInput("--partitions must be >= 1", kn, "--partitions", "0");
  }

  private static void assertBadInput(String message, String[] common, String... more) {
    String[] args = Arrays.copyOf(common, common.length + more.length);
    System.arraycopy(more, 0, args, common.length, more.length);
    assertBadInput(message, args);
  }

  private static void assertBadInput(String message, String... args) {
    Run r = Run.produce(args);
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit(), String.join(" ", args));
    assertTrue(r.err().contains(message), r.err());
  }

  @Test
  void absentBrokerIsAClearErrorWithinTheTimeout() {
    long t0 = System.nanoTime();
    Run r =
        Run.produce(
            "--dataset",
            "knowledge-neurons",
            "--data",
            KN,
            "--limit",
            "2",
            "--bootstrap-servers",
            "127.0.0.1:1",
            "--broker-timeout",
            "2",
            "--quiet");
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(ProduceCommand.EXIT_KAFKA, r.exit(), r.err());
    assertTrue(r.err().contains("127.0.0.1:1"), r.err());
    assertTrue(seconds < 20, "took " + seconds + " s");
  }
}
