package dev.saescope.producer.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Items streamed as JSONL lines, typically on stdin: {@link #next} blocks until a line arrives and
 * returns each item as soon as its line is complete, so a running pipeline takes new questions
 * while it works.
 *
 * <p>Error policy, decided for streams: a malformed line (bad JSON, more than one value, not UTF-8,
 * over {@link LineReader#MAX_LINE_BYTES}), or an item id already seen, is skipped with a warning
 * naming the line and counted ({@link #skippedLines}, {@link #duplicateItems}); the stream goes on.
 * Stopping would kill a running system over one typo. Only an I/O failure of the stream itself ends
 * it with an exception. Files are read by {@link JsonlItemFile}, which stops at the first bad line
 * instead.
 */
public final class JsonlItemStream implements AutoCloseable {
  private final LineReader in;
  private final String source;
  private final JsonlItemParser parser;
  private final Consumer<String> warnings;
  private final Set<String> seenIds = new HashSet<>();
  private long skippedLines;
  private long duplicateItems;

  /**
   * @param in UTF-8 bytes, read as they arrive
   * @param source name for messages, e.g. {@code <stdin>}
   * @param warnings receives one message per skipped line (the CLI prints them on stderr)
   */
  public JsonlItemStream(
      InputStream in, String source, JsonlItemParser parser, Consumer<String> warnings) {
    this(in, source, parser, warnings, LineReader.MAX_LINE_BYTES);
  }

  /** As the public constructor, with another line-length limit (tests). */
  JsonlItemStream(
      InputStream in,
      String source,
      JsonlItemParser parser,
      Consumer<String> warnings,
      int maxLineBytes) {
    this.in = new LineReader(in, source, maxLineBytes);
    this.source = source;
    this.parser = parser;
    this.warnings = warnings;
  }

  /** The next good item, or empty at the end of the stream. */
  public Optional<Item> next() throws DatasetException {
    while (true) {
      try {
        String s = in.next();
        if (s == null) {
          return Optional.empty();
        }
        if (s.isBlank()) {
          continue;
        }
        Item item = parser.parse(source, in.number(), s);
        if (!seenIds.add(item.itemId())) {
          duplicateItems++;
          warnings.accept(
              source
                  + ":"
                  + in.number()
                  + ": skipped: item_id \""
                  + item.shortId()
                  + "\" already seen");
          continue;
        }
        return Optional.of(item);
      } catch (IOException e) {
        throw new DatasetException(source, in.number() + 1, "cannot read: " + e, e);
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
    return in.number();
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
