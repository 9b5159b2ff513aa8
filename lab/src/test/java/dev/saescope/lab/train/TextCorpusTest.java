package dev.saescope.lab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain and gzip text, distinct lines, seeded file order, and a corrupt gzip named in the error.
 */
class TextCorpusTest {
  @TempDir Path dir;

  static List<String> lines(Iterable<String> c) {
    List<String> out = new ArrayList<>();
    c.forEach(out::add);
    return out;
  }

  void gzip(Path f, String text) throws IOException {
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
      o.write(text.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void gzipIsRecognisedByItsMagicBytesAndRepeatedLinesCanBeSkipped() throws IOException {
    Files.writeString(dir.resolve("a.txt"), "one\n\n  two  \nlicence\n");
    gzip(dir.resolve("b"), "licence\nthree\n"); // no .gz name: the magic bytes decide
    TextCorpus c = TextCorpus.of(List.of(dir));
    assertEquals(List.of("one", "two", "licence", "licence", "three"), lines(c));
    assertEquals(List.of("one", "two", "licence", "three"), lines(c.uniqueLines()));
    assertEquals(
        lines(c.uniqueLines()), lines(c.uniqueLines()), "each pass starts with nothing seen");
  }

  @Test
  void shuffledOrderIsSeededAndKeepsEveryFile() throws IOException {
    for (int i = 0; i < 20; i++) {
      Files.writeString(dir.resolve(String.format("f%02d", i)), "line " + i + "\n");
    }
    TextCorpus c = TextCorpus.of(List.of(dir));
    List<String> sorted = lines(c);
    List<String> a = lines(c.shuffled(1));
    assertEquals(a, lines(c.shuffled(1)));
    assertNotEquals(sorted, a);
    assertNotEquals(a, lines(c.shuffled(2)));
    assertEquals(new java.util.HashSet<>(sorted), new java.util.HashSet<>(a));
  }

  @Test
  void aFilterPicksFilesUnderFolders() throws IOException {
    Files.writeString(dir.resolve("copyright"), "kept\n");
    Files.writeString(dir.resolve("README"), "dropped\n");
    assertEquals(
        List.of("kept"),
        lines(TextCorpus.of(List.of(dir), p -> !p.getFileName().toString().startsWith("README"))));
  }

  @Test
  void aCorruptGzipFailsNamingTheFile() throws IOException {
    Path bad = dir.resolve("bad.gz");
    byte[] good;
    gzip(bad, "some text\n".repeat(200));
    good = Files.readAllBytes(bad);
    Files.write(bad, java.util.Arrays.copyOf(good, good.length / 2)); // truncated
    TextCorpus c = TextCorpus.of(List.of(bad));
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> lines(c));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void aMissingRootIsNamed() {
    Path missing = dir.resolve("nope");
    IOException e = assertThrows(IOException.class, () -> TextCorpus.of(List.of(missing)));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }
}
