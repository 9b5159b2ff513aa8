package dev.saescope.lab.train;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Plain text from files and folders (searched recursively, in sorted order so every run reads the
 * same text in the same order): each non-blank line is one document. Gzip-compressed files
 * (recognised by their magic bytes, not their name: Debian ships most docs as {@code *.gz}) are
 * decompressed on the fly. Any English text serves, e.g. Debian's {@code
 * /usr/share/common-licenses} and {@code /usr/share/doc/}{@code *}{@code /copyright}, or text the
 * model generated; nothing here is specific to one dataset.
 *
 * <p>With {@link #uniqueLines()}, a line already seen in the same pass is skipped: Debian's
 * copyright files repeat the same licence paragraphs hundreds of times (15 MB of text, 3.8 MB of
 * distinct lines on a typical install), and an SAE trained on the repeats sees far fewer distinct
 * contexts per token.
 */
public final class TextCorpus implements Iterable<String> {
  private final List<Path> files;
  private final boolean unique;

  private TextCorpus(List<Path> files, boolean unique) {
    this.files = files;
    this.unique = unique;
  }

  /**
   * Collects the readable regular files under {@code roots}.
   *
   * @throws IOException naming the root that does not exist or holds no files
   */
  public static TextCorpus of(List<Path> roots) throws IOException {
    return of(roots, p -> true);
  }

  /**
   * Collects the readable regular files under {@code roots} whose path {@code accept} takes; files
   * named directly in {@code roots} are always taken.
   *
   * @throws IOException naming the root that does not exist, or the roots when nothing matched
   */
  public static TextCorpus of(List<Path> roots, Predicate<Path> accept) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path root : roots) {
      if (Files.isRegularFile(root)) {
        files.add(root);
      } else if (Files.isDirectory(root)) {
        try (Stream<Path> s = Files.walk(root)) {
          s.filter(Files::isRegularFile)
              .filter(Files::isReadable)
              .filter(accept)
              .sorted()
              .forEach(files::add);
        }
      } else {
        throw new java.io.FileNotFoundException(root + ": no such text file or folder");
      }
    }
    if (files.isEmpty()) {
      throw new IOException("no text files under " + roots);
    }
    return new TextCorpus(List.copyOf(files), false);
  }

  /**
   * The same files in a seeded random order (Fisher-Yates over the sorted list), so that a run
   * shorter than one pass still samples every part of a large folder tree rather than its first
   * folders alphabetically. Deterministic for a given file set and seed.
   */
  public TextCorpus shuffled(long seed) {
    List<Path> f = new ArrayList<>(files);
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    for (int i = f.size() - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      Path t = f.get(i);
      f.set(i, f.get(j));
      f.set(j, t);
    }
    return new TextCorpus(List.copyOf(f), unique);
  }

  /** The same files, skipping lines already seen in the same pass over the corpus. */
  public TextCorpus uniqueLines() {
    return new TextCorpus(files, true);
  }

  public List<Path> files() {
    return files;
  }

  /** Opens a file as text, decompressing it when it starts with the gzip magic bytes 1f 8b. */
  static BufferedReader open(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    try {
      in.mark(2);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      if (b0 == 0x1f && b1 == 0x8b) {
        in = new GZIPInputStream(in, 1 << 16);
      }
    } catch (IOException e) {
      in.close();
      throw e;
    }
    return new BufferedReader(
        new InputStreamReader(
            in,
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)));
  }

  /**
   * Non-blank lines of every file, in order; undecodable bytes are replaced, not fatal. A corrupt
   * gzip file fails with an {@link UncheckedIOException} naming it.
   */
  @Override
  public Iterator<String> iterator() {
    return new Iterator<>() {
      private final Set<Long> seen = unique ? new HashSet<>() : null;
      private int file = -1;
      private BufferedReader reader;
      private String next;

      @Override
      public boolean hasNext() {
        try {
          while (next == null) {
            if (reader == null) {
              if (++file >= files.size()) {
                return false;
              }
              reader = open(files.get(file));
            }
            String line = reader.readLine();
            if (line == null) {
              reader.close();
              reader = null;
            } else if (!line.isBlank()) {
              String s = line.strip();
              if (seen == null || seen.add(fingerprint(s))) {
                next = s;
              }
            }
          }
          return true;
        } catch (IOException e) {
          closeQuietly();
          throw new UncheckedIOException(files.get(file) + ": " + e.getMessage(), e);
        }
      }

      private void closeQuietly() {
        try {
          if (reader != null) {
            reader.close();
          }
        } catch (IOException ignored) {
          // the read error is the one worth reporting
        }
        reader = null;
      }

      @Override
      public String next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        String s = next;
        next = null;
        return s;
      }
    };
  }

  /** 64-bit FNV-1a of the line's UTF-16 chars: collisions among ~10^5 lines are negligible. */
  private static long fingerprint(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }
}
