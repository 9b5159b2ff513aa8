package dev.saescope.producer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.producer.Datasets;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
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

  @Test
  void relationsNamingNoRelationIsAUsageError() {
    for (String v : List.of(",", " , ", "P36,,P19", "")) {
      Run r =
          Run.produce(
              "--dataset", "knowledge-neurons", "--data", KN, "--relations", v, "--dry-run");
      assertEquals(ProduceCommand.EXIT_USAGE, r.exit(), "--relations '" + v + "': " + r.err());
      assertTrue(r.err().startsWith("--relations has an empty relation name"), r.err());
      assertEquals("", r.out());
    }
  }

  @Test
  void badJsonlFileLinesNameFileAndLine(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("items.jsonl");
    Files.writeString(f, item("Peru", "Lima") + "\n" + item("Chile", "Santiago") + " {}\n");
    Run r = Run.produce("--dataset", "jsonl", "--data", f.toString(), "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertTrue(
        r.err().startsWith("produce: " + f + ":2: malformed JSON: more text after"), r.err());
    assertEquals("", r.out(), "a file with a bad line produces nothing");
    Files.write(f, ("\n" + item("Per\u00fa", "Lima") + "\n").getBytes(StandardCharsets.ISO_8859_1));
    r = Run.produce("--dataset", "jsonl", "--data", f.toString(), "--dry-run");
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit());
    assertTrue(r.err().startsWith("produce: " + f + ":2: not UTF-8 text"), r.err());
  }

  @Test
  void badStdinLinesAreSkippedNamingTheLine() {
    byte[] notUtf8 = (item("Per\u00fa", "Lima") + "\n").getBytes(StandardCharsets.ISO_8859_1);
    byte[] mb = new byte[1 << 20];
    Arrays.fill(mb, (byte) 'a');
    List<InputStream> parts = new ArrayList<>();
    parts.add(new ByteArrayInputStream(notUtf8));
    parts.add(utf8(item("Peru", "Lima") + item("Chile", "Santiago") + "\n"));
    for (int i = 0; i < 30; i++) {
      parts.add(new ByteArrayInputStream(mb)); // a 30 MiB line, over the 20 MB limit
    }
    parts.add(utf8("\n" + item("Chile", "Santiago") + "\n"));
    Run r =
        Run.withStdin(
            new SequenceInputStream(Collections.enumeration(parts)),
            "--dataset",
            "jsonl",
            "--data",
            "-",
            "--dry-run",
            "--run-id",
            "s");
    assertEquals(0, r.exit(), head(r.err()));
    List<String> warnings =
        r.err()
            .lines()
            .filter(l -> l.startsWith("produce: warning: "))
            .map(l -> l.substring(18))
            .toList();
    assertEquals(
        List.of(
            "<stdin>:1: not UTF-8 text: invalid byte 0xFA at byte 36 of the line (line skipped)",
            "<stdin>:2: malformed JSON: more text after the object that ends at column 59 (one"
                + " object per line) (line skipped)",
            "<stdin>:3: line of 31457280 bytes is longer than the limit of 20000000 bytes (line"
                + " skipped)"),
        warnings.stream().map(ProduceCommandTest::head).toList());
    assertTrue(r.err().contains("skipped: 3 lines, 0 items"), r.err());
    assertEquals(List.of("P36:Chile"), itemIds(r.out()));
  }

  @Test
  void itemTooLargeForKafkaStopsAFileRunBeforeAnyTask(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("items.jsonl");
    StringBuilder lines = new StringBuilder();
    for (int i = 1; i <= 10; i++) {
      lines.append(item(i == 6 ? "a".repeat(2 << 20) : "Country " + i, "City " + i)).append('\n');
    }
    Files.writeString(f, lines);
    String[] jsonl = {"--dataset", "jsonl", "--data", f.toString()};
    Run dry = Run.produce(concat(jsonl, "--dry-run"));
    // An unreachable broker: exit 1, not 3, shows the refusal comes before any broker is asked.
    Run pub =
        Run.produce(
            concat(
                jsonl, "--bootstrap-servers", "127.0.0.1:1", "--broker-timeout", "2", "--quiet"));
    for (Run r : List.of(dry, pub)) {
      assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit(), head(r.err()));
      assertTrue(r.err().startsWith("produce: " + f + ": item 6 of 10 (\"P36:aaa"), head(r.err()));
      assertTrue(
          r.err()
              .matches(
                  "(?s).*: its direct task would be a \\d+-byte Kafka record, over the"
                      + " 1048576-byte max.request.size\n"),
          head(r.err()));
      assertTrue(r.err().length() < 300, "error of " + r.err().length() + " chars");
      assertEquals("", r.out());
    }
  }

  @Test
  void itemTooLargeForKafkaOnStdinIsSkippedWithAWarning() {
    String in =
        item("Peru", "Lima")
            + "\n"
            + item("a".repeat(2 << 20), "Huge")
            + "\n"
            + item("Chile", "Santiago")
            + "\n";
    Run r = Run.withStdin(in, "--dataset", "jsonl", "--data", "-", "--dry-run", "--run-id", "s");
    assertEquals(0, r.exit(), head(r.err()));
    String warning =
        r.err()
            .lines()
            .filter(l -> l.contains("warning"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no warning in: " + head(r.err())));
    assertTrue(
        warning.startsWith("produce: warning: <stdin>:2: skipped item \"P36:aaa"), head(warning));
    assertTrue(
        warning.endsWith("-byte Kafka record, over the 1048576-byte max.request.size"),
        head(warning));
    assertTrue(warning.length() < 250, "warning of " + warning.length() + " chars");
    assertTrue(r.err().contains("skipped: 0 lines, 1 items"), head(r.err()));
    assertEquals(List.of("P36:Peru", "P36:Chile"), itemIds(r.out()));
    assertFalse(
        r.out().contains("\"Huge\""), "a skipped item's object is no counterfactual answer");
  }

  @Test
  void maxRequestSizeFromTheKafkaPropertiesIsTheLimit(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("items.jsonl");
    Files.writeString(f, item("b".repeat(5000), "Lima") + "\n");
    String[] jsonl = {"--dataset", "jsonl", "--data", f.toString(), "--dry-run"};
    assertEquals(0, Run.produce(jsonl).exit());
    Run r = Run.produce(concat(jsonl, "--kafka-prop", "max.request.size=4000"));
    assertEquals(ProduceCommand.EXIT_BAD_INPUT, r.exit(), r.err());
    assertTrue(r.err().endsWith("over the 4000-byte max.request.size\n"), r.err());
    assertBadInput(
        "max.request.size must be a number of bytes, got lots",
        concat(jsonl, "--kafka-prop", "max.request.size=lots"));
  }

  private static String item(String subject, String object) {
    return "{\"relation\": \"P36\", \"subject\": \""
        + subject
        + "\", \"objects\": [\""
        + object
        + "\"]}";
  }

  private static InputStream utf8(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> itemIds(String dryRunOut) {
    return dryRunOut
        .lines()
        .map(
            l -> {
              try {
                return M.readTree(l).get("item_id").asText();
              } catch (Exception e) {
                throw new AssertionError(head(l), e);
              }
            })
        .distinct()
        .toList();
  }

  /** The start of a text for a failure message: a 2 MB subject must not flood the report. */
  private static String head(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "... (" + s.length() + " chars)";
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
