package dev.saescope.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On excerpts of the real database files (test resources {@code wordnet/}, with their license). */
class WordNetGlossesTest {
  static final Path DIR = Path.of("src/test/resources/wordnet");

  @TempDir Path tmp;

  @Test
  void everyEntryBecomesLemmaColonGlossAndTheLicenseHeaderIsSkipped() throws IOException {
    List<String> lines = WordNetGlosses.read(DIR, 0);
    assertEquals(3 + 2 + 2 + 1, lines.size(), lines.toString());
    Set<String> all = new HashSet<>(lines);
    assertTrue(all.contains("Paris: a town in northeastern Texas"), lines.toString());
    assertTrue(
        all.contains("a cappella: without musical accompaniment; \"they performed a cappella\""));
    assertTrue(all.contains("outback: inaccessible and sparsely populated"), "marker (a) dropped");
    assertTrue(lines.stream().noneMatch(l -> l.contains("LICENSEE")), "header lines skipped");
  }

  @Test
  void theOrderIsSeeded() throws IOException {
    assertEquals(WordNetGlosses.read(DIR, 3), WordNetGlosses.read(DIR, 3));
    List<List<String>> orders = new ArrayList<>();
    for (long seed = 0; seed < 6; seed++) {
      orders.add(WordNetGlosses.read(DIR, seed));
    }
    assertTrue(new HashSet<>(orders).size() > 1, "some seed changes the order");
  }

  @Test
  void aMalformedLineIsNamedByFileAndLine() throws IOException {
    for (String bad :
        new String[] {
          "00001740 03 n 01 entity 0 000 that which is perceived", // no " | "
          "00001740 03 n zz entity 0 000 | that which is perceived", // word count not hex
          "00001740 03 n 01 entity 0 000 |  ", // empty gloss
        }) {
      Path dir = Files.createDirectories(tmp.resolve("d" + bad.hashCode()));
      for (var p : WordNetGlosses.FILES) {
        Files.copy(DIR.resolve(p.name()), dir.resolve(p.name()));
      }
      Files.writeString(
          dir.resolve("data.verb"), Files.readString(DIR.resolve("data.verb")) + bad + "\n");
      IOException e = assertThrows(IOException.class, () -> WordNetGlosses.read(dir, 0));
      assertTrue(e.getMessage().contains("data.verb:3: "), e.getMessage());
    }
  }

  @Test
  void aMissingFileIsNamed() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("partial"));
    Files.copy(DIR.resolve("data.noun"), dir.resolve("data.noun"));
    IOException e = assertThrows(IOException.class, () -> WordNetGlosses.read(dir, 0));
    assertTrue(e.getMessage().contains("data.verb"), e.getMessage());
    assertTrue(!WordNetGlosses.isPresent(tmp), "nothing in an empty cache");
  }

  @Test
  void interleavingAlternatesAndEndsWithTheShorter() {
    List<String> out = new ArrayList<>();
    new Interleaved(List.of("a0", "a1", "a2"), List.of("b0", "b1")).forEach(out::add);
    assertEquals(List.of("a0", "b0", "a1", "b1", "a2"), out);
  }
}
