package dev.saescope.producer.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlItemsTest {
  static final JsonlItemParser PARSER = new JsonlItemParser(r -> r.equals("P36"));
  static final String PERU =
      "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}";
  static final String CHILE =
      "{\"relation\": \"P36\", \"subject\": \"Chile\", \"objects\": [\"Santiago\"]}";

  @Test
  void minimalLineGetsDefaults() throws DatasetException {
    Item i =
        PARSER.parse(
            "f",
            1,
            "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\", \"Lima\"]}");
    assertEquals("P36:Peru", i.itemId());
    assertEquals(List.of("Lima"), i.goldObjects());
    assertTrue(i.overrides().isEmpty());
  }

  @Test
  void fullLineKeepsEveryOverride() throws DatasetException {
    Item i =
        PARSER.parse(
            "f",
            1,
            """
            {"item_id": "q1", "relation": "my-rel", "subject": "Lima", "object": "Peru",
             "question": "Which country is Lima in?", "direct_answers": ["Peru", "It is in Peru."],
             "evasive_answers": ["No idea.", {"family": "declines", "text": "I won't say."}],
             "counterfactual_answers": ["Chile"], "patterns": ["[X] lies in [Y]."]}
            """
                .replace("\n", " "));
    assertEquals("q1", i.itemId());
    assertTrue(i.objectInSubject() == false);
    assertEquals(List.of("Which country is Lima in?"), i.overrides().questions());
    assertEquals(2, i.overrides().directAnswers().size());
    assertEquals(
        List.of(
            new EvasiveAnswer("custom", "No idea."), new EvasiveAnswer("declines", "I won't say.")),
        i.overrides().evasiveAnswers());
    assertEquals("Lima lies in", i.overrides().patterns().get(0).clozePrefix("Lima").orElseThrow());
  }

  @Test
  void badLinesNameSourceLineAndField() {
    assertError("{\"relation\": \"P36\", \"subject\": \"Peru\"}", "f:7: missing field \"objects\"");
    assertError(
        "{\"relation\": \"P36\", \"subjet\": \"Peru\", \"objects\": [\"Lima\"]}",
        "f:7: unknown field \"subjet\"");
    assertError(
        "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]",
        "f:7: malformed JSON");
    assertError("[1, 2]", "f:7: expected a JSON object");
    assertError(
        "{\"relation\": \"P99\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}",
        "f:7: relation \"P99\" has no question template");
    assertError(
        "{\"relation\": \"P36\", \"subject\": \"[X]\", \"objects\": [\"Lima\"]}",
        "f:7: placeholder [X]");
    assertError(
        "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"], \"patterns\": [\"no slots\"]}",
        "f:7: field \"patterns\"");
    assertError(
        "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [3]}",
        "f:7: field \"objects\" must hold non-blank strings");
  }

  private static void assertError(String line, String prefix) {
    DatasetException e = assertThrows(DatasetException.class, () -> PARSER.parse("f", 7, line));
    assertTrue(
        e.getMessage().startsWith(prefix), "expected '" + prefix + "...', got: " + e.getMessage());
    assertEquals(7, e.line());
  }

  @Test
  void fileStopsAtTheFirstBadLine(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("items.jsonl");
    Files.writeString(
        f,
        "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n\n"
            + "{\"relation\": \"P36\", \"subject\": \"Chile\" \"objects\": [\"Santiago\"]}\n");
    DatasetException e = assertThrows(DatasetException.class, () -> JsonlItemFile.read(f, PARSER));
    assertTrue(e.getMessage().startsWith(f + ":3: malformed JSON"), e.getMessage());
  }

  @Test
  void fileMayStartWithAByteOrderMark(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("bom.jsonl");
    Files.writeString(
        f, "\uFEFF{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n");
    assertEquals("P36:Peru", JsonlItemFile.read(f, PARSER).items().get(0).itemId());
  }

  @Test
  void fileRejectsRepeatedItemIds(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("items.jsonl");
    String line = "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n";
    Files.writeString(f, line + line);
    DatasetException e = assertThrows(DatasetException.class, () -> JsonlItemFile.read(f, PARSER));
    assertEquals(f + ":2: item_id \"P36:Peru\" already given on line 1", e.getMessage());
  }

  @Test
  void missingOrNonUtf8FileIsNamed(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("missing.jsonl");
    DatasetException e = assertThrows(DatasetException.class, () -> JsonlItemFile.read(f, PARSER));
    assertEquals(f + ": JSONL item file does not exist", e.getMessage());
    Files.write(f, new byte[] {'{', (byte) 0xff, (byte) 0xfe, '}', '\n'});
    e = assertThrows(DatasetException.class, () -> JsonlItemFile.read(f, PARSER));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
  }

  @Test
  void streamSkipsBadLinesWithAWarningAndGoesOn() throws DatasetException {
    String in =
        "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n"
            + "not json\n"
            + "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n"
            + "{\"relation\": \"P36\", \"subject\": \"Chile\", \"objects\": [\"Santiago\"]}\n";
    List<String> warnings = new ArrayList<>();
    JsonlItemStream s = new JsonlItemStream(utf8(in), "<stdin>", PARSER, warnings::add);
    assertEquals("P36:Peru", s.next().orElseThrow().itemId());
    assertEquals("P36:Chile", s.next().orElseThrow().itemId());
    assertEquals(Optional.empty(), s.next());
    assertEquals(1, s.skippedLines());
    assertEquals(1, s.duplicateItems());
    assertEquals(2, warnings.size());
    assertTrue(warnings.get(0).startsWith("<stdin>:2: malformed JSON"), warnings.get(0));
    assertTrue(
        warnings.get(1).startsWith("<stdin>:3: skipped: item_id \"P36:Peru\""), warnings.get(1));
  }

  @Test
  void streamReturnsEachItemAsItsLineArrivesWhileTheInputStaysOpen() throws Exception {
    PipedInputStream pin = new PipedInputStream();
    OutputStream pout = new PipedOutputStream(pin);
    JsonlItemStream s = new JsonlItemStream(pin, "<stdin>", PARSER, w -> {});
    pout.write(
        "{\"relation\": \"P36\", \"subject\": \"Peru\", \"objects\": [\"Lima\"]}\n"
            .getBytes(StandardCharsets.UTF_8));
    pout.flush();
    // The writer keeps the stream open: next() must still hand over the first item.
    Item first =
        CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return s.next().orElseThrow();
                  } catch (DatasetException e) {
                    throw new RuntimeException(e);
                  }
                })
            .get(10, TimeUnit.SECONDS);
    assertEquals("P36:Peru", first.itemId());
    pout.close();
    assertEquals(Optional.empty(), s.next());
  }

  @Test
  void moreThanOneValueOnALineIsMalformed() {
    assertError(
        PERU + CHILE, "f:7: malformed JSON: more text after the object that ends at column 59");
    assertError(PERU + " trailing", "f:7: malformed JSON: more text after the object");
    assertError(PERU + " 3", "f:7: malformed JSON: more text after the object");
    assertError(PERU + "}", "f:7: malformed JSON: more text after the object");
  }

  @Test
  void fileRefusesALineWithTwoObjects(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("items.jsonl");
    Files.writeString(f, PERU + "\n" + CHILE + " " + PERU + "\n");
    DatasetException e = assertThrows(DatasetException.class, () -> JsonlItemFile.read(f, PARSER));
    assertTrue(e.getMessage().startsWith(f + ":2: malformed JSON: more text"), e.getMessage());
  }

  @Test
  void fileNamesTheLineThatIsNotUtf8(@TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("items.jsonl");
    byte[] bad = PERU.replace("Peru", "Per\u00fa").getBytes(StandardCharsets.ISO_8859_1);
    Files.write(f, concat(utf8Bytes(CHILE + "\n"), bad, utf8Bytes("\n")));
    DatasetException e = assertThrows(DatasetException.class, () -> JsonlItemFile.read(f, PARSER));
    assertEquals(
        f + ":2: not UTF-8 text: invalid byte 0xFA at byte 36 of the line", e.getMessage());
  }

  @Test
  void crlfLineEndsAreRead(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("items.jsonl");
    Files.writeString(f, PERU + "\r\n\r\n" + CHILE);
    assertEquals(2, JsonlItemFile.read(f, PARSER).items().size());
  }

  @Test
  void streamSkipsLinesThatAreNotUtf8OrHoldTwoObjects() throws DatasetException {
    byte[] bad = PERU.replace("Peru", "Per\u00fa").getBytes(StandardCharsets.ISO_8859_1);
    InputStream in =
        new ByteArrayInputStream(concat(bad, utf8Bytes("\n" + PERU + PERU + "\n" + CHILE + "\n")));
    List<String> warnings = new ArrayList<>();
    JsonlItemStream s = new JsonlItemStream(in, "<stdin>", PARSER, warnings::add);
    assertEquals("P36:Chile", s.next().orElseThrow().itemId());
    assertEquals(Optional.empty(), s.next());
    assertEquals(2, s.skippedLines());
    assertEquals(
        List.of(
            "<stdin>:1: not UTF-8 text: invalid byte 0xFA at byte 36 of the line (line skipped)",
            "<stdin>:2: malformed JSON: more text after the object that ends at column 59 (one"
                + " object per line) (line skipped)"),
        warnings);
  }

  @Test
  void overLongLineIsCountedNotHeld() throws Exception {
    LineReader r = new LineReader(longLineThen(30, PERU), "<stdin>", 1000);
    DatasetException e = assertThrows(DatasetException.class, r::next);
    assertEquals(
        "<stdin>:1: line of 31457280 bytes is longer than the limit of 1000 bytes", e.getMessage());
    assertTrue(r.lineCapacity() <= 1001, "line buffer grew to " + r.lineCapacity());
    assertEquals(PERU, r.next());
    assertEquals(null, r.next());
    // At the limit is fine, a \r before the newline not counted.
    r = new LineReader(utf8("x".repeat(1000) + "\r\n" + "y".repeat(1001)), "f", 1000);
    assertEquals(1000, r.next().length());
    e = assertThrows(DatasetException.class, r::next);
    assertEquals("f:2: line of 1001 bytes is longer than the limit of 1000 bytes", e.getMessage());
  }

  /** {@code megabytes} MiB of 'a', a newline, then {@code next} and a newline; 1 MiB in memory. */
  static InputStream longLineThen(int megabytes, String next) {
    byte[] mb = new byte[1 << 20];
    java.util.Arrays.fill(mb, (byte) 'a');
    List<InputStream> parts = new ArrayList<>();
    for (int i = 0; i < megabytes; i++) {
      parts.add(new ByteArrayInputStream(mb));
    }
    parts.add(utf8("\n" + next + "\n"));
    return new SequenceInputStream(java.util.Collections.enumeration(parts));
  }

  private static InputStream utf8(String s) {
    return new ByteArrayInputStream(utf8Bytes(s));
  }

  private static byte[] utf8Bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
