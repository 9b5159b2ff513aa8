package dev.saescope.worker.sae.train;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

/**
 * Plain text from files and folders (searched recursively, in sorted order so every run reads the
 * same text in the same order): each non-blank line is one document. Any English text serves, e.g.
 * Debian's {@code /usr/share/common-licenses} or text the model generated; nothing here is
 * specific to one dataset.
 */
public final class TextCorpus implements Iterable<String> {
  private final List<Path> files;

  private TextCorpus(List<Path> files) {
    this.files = files;
  }

  /**
   * Collects the readable regular files under {@code roots}.
   *
   * @throws IOException naming the root that does not exist or holds no files
   */
  public static TextCorpus of(List<Path> roots) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path root : roots) {
      if (Files.isRegularFile(root)) {
        files.add(root);
      } else if (Files.isDirectory(root)) {
        try (Stream<Path> s = Files.walk(root)) {
          s.filter(Files::isRegularFile).filter(Files::isReadable).sorted().forEach(files::add);
        }
      } else {
        throw new java.io.FileNotFoundException(root + ": no such text file or folder");
      }
    }
    if (files.isEmpty()) {
      throw new IOException("no text files under " + roots);
    }
    return new TextCorpus(List.copyOf(files));
  }

  public List<Path> files() {
    return files;
  }

  /** Non-blank lines of every file, in order; undecodable bytes are replaced, not fatal. */
  @Override
  public Iterator<String> iterator() {
    return new Iterator<>() {
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
              reader =
                  new BufferedReader(
                      new java.io.InputStreamReader(
                          Files.newInputStream(files.get(file)),
                          StandardCharsets.UTF_8.newDecoder()
                              .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                              .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE)));
            }
            String line = reader.readLine();
            if (line == null) {
              reader.close();
              reader = null;
            } else if (!line.isBlank()) {
              next = line.strip();
            }
          }
          return true;
        } catch (IOException e) {
          throw new UncheckedIOException(files.get(file) + ": " + e.getMessage(), e);
        }
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
}
