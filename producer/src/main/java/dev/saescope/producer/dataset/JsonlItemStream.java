package dev.saescope.producer.dataset;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Items streamed as JSONL lines, typically on stdin: {@link #next} blocks until a line arrives and
 * returns each item as soon as its line is complete, so a running pipeline takes new questions
 * while it works.
 *
 * <p>Error policy, decided for streams: a malformed line, or an item id already seen, is skipped
 * with a warning naming the line and counted ({@link #skippedLines}, {@link #duplicateItems}); the
 * stream goes on. Stopping would kill a running system over one typo. Only an I/O failure of the
 * stream itself ends it with an exception. Files are read by {@link JsonlItemFile}, which stops at
 * the first bad line instead.
 */
public final class JsonlItemStream implements AutoCloseable {
  private final BufferedReader in;
  private final String source;
  private final JsonlItemParser parser;
  private final Consumer<String> warnings;
  private final Set<String> seenIds = new HashSet<>();
  private long lines;
  private long skippedLines;
  private long duplicateItems;

  /**
   * @param source name for messages, e.g. {@code <stdin>}
   * @param warnings receives one message per skipped line (the CLI prints them on stderr)
   */
  public JsonlItemStream(
      BufferedReader in, String source, JsonlItemParser parser, Consumer<String> warnings) {
    this.in = in;
    this.source = source;
    this.parser = parser;
    this.warnings = warnings;
  }

  /** The next good item, or empty at the end of the stream. */
  public Optional<Item> next() throws DatasetException {
    while (true) {
      String s;
      try {
        s = in.readLine();
      } catch (IOException e) {
        throw new DatasetException(source, lines + 1, "cannot read: " + e, e);
      }
      if (s == null) {
        return Optional.empty();
      }
      lines++;
      if (s.isBlank()) {
        continue;
      }
      try {
        Item item = parser.parse(source, lines, s);
        if (!seenIds.add(item.itemId())) {
          duplicateItems++;
          warnings.accept(
              source + ":" + lines + ": skipped: item_id \"" + item.itemId() + "\" already seen");
          continue;
        }
        return Optional.of(item);
      } catch (DatasetException e) {
        skippedLines++;
        warnings.accept(e.getMessage() + " (line skipped)");
      }
    }
  }

  public String source() {
    return source;
  }

  /** Lines read so far, blank ones included. */
  public long lines() {
    return lines;
  }

  public long skippedLines() {
    return skippedLines;
  }

  public long duplicateItems() {
    return duplicateItems;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
