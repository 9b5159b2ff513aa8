package dev.saescope.producer.dataset;

import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a byte stream as strict UTF-8 lines of bounded length. Lines end at {@code \n} (a {@code
 * \r} before it is dropped); the last one may lack it. A line is returned as soon as its newline
 * arrives, so a pipe is read as it is written.
 *
 * <p>A bad line (too long, or not UTF-8) is a {@link DatasetException} naming the source and line,
 * thrown once the whole line has been consumed: a reader that skips bad lines calls {@link #next}
 * again. An over-long line is counted on to its newline, never held: at most {@code maxLineBytes}
 * bytes of a line are in memory.
 */
final class LineReader implements AutoCloseable {
  /**
   * The longest line, in bytes: Jackson's default cap on one string value (20,000,000), which is
   * what already bounded a file's line; a line within it never reaches that cap.
   */
  static final int MAX_LINE_BYTES = StreamReadConstraints.DEFAULT_MAX_STRING_LEN;

  private static final int INITIAL_LINE_BYTES = 8 * 1024;

  private final InputStream in;
  private final String source;
  private final int maxLineBytes;
  private final byte[] buf = new byte[64 * 1024];
  private int pos;
  private int end;
  private byte[] line;
  private int kept;
  private long number;

  /**
   * @param source name for messages, a file path or {@code <stdin>}
   * @param maxLineBytes longest line accepted, without its line break
   */
  LineReader(InputStream in, String source, int maxLineBytes) {
    if (maxLineBytes < 1) {
      throw new IllegalArgumentException("max line bytes must be >= 1, got " + maxLineBytes);
    }
    this.in = in;
    this.source = source;
    this.maxLineBytes = maxLineBytes;
    this.line = new byte[Math.min(INITIAL_LINE_BYTES, maxLineBytes + 1)];
  }

  /**
   * The next line, or null at the end of the stream.
   *
   * @throws DatasetException for a line longer than the limit or not valid UTF-8 (already consumed)
   * @throws IOException when the stream itself fails
   */
  String next() throws IOException, DatasetException {
    kept = 0;
    long length = 0; // of the whole line, counted past the limit
    boolean started = false;
    while (true) {
      if (pos == end) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          if (!started) {
            return null;
          }
          break;
        }
        pos = 0;
        end = n;
        continue;
      }
      started = true;
      int stop = pos;
      while (stop < end && buf[stop] != '\n') {
        stop++;
      }
      keep(pos, stop);
      length += stop - pos;
      pos = stop < end ? stop + 1 : stop;
      if (stop < end) {
        break;
      }
    }
    number++;
    if (length <= kept && kept > 0 && line[kept - 1] == '\r') {
      kept--;
      length--;
    }
    if (length > maxLineBytes) {
      throw new DatasetException(
          source,
          number,
          "line of " + length + " bytes is longer than the limit of " + maxLineBytes + " bytes");
    }
    return decode();
  }

  /** Lines read so far. */
  long number() {
    return number;
  }

  /** Bytes the line buffer holds room for (tests: it never outgrows the limit). */
  int lineCapacity() {
    return line.length;
  }

  /** Keeps bytes of the current line up to the limit, plus one for a {@code \r} before the end. */
  private void keep(int from, int to) {
    int n = Math.min(to - from, maxLineBytes + 1 - kept);
    if (n <= 0) {
      return;
    }
    if (kept + n > line.length) {
      int grown = (int) Math.min(Math.max(2L * line.length, kept + n), maxLineBytes + 1L);
      line = Arrays.copyOf(line, grown);
    }
    System.arraycopy(buf, from, line, kept, n);
    kept += n;
  }

  private String decode() throws DatasetException {
    ByteBuffer bytes = ByteBuffer.wrap(line, 0, kept);
    CharBuffer chars = CharBuffer.allocate(kept); // UTF-8 never gives more chars than bytes
    CoderResult r = StandardCharsets.UTF_8.newDecoder().decode(bytes, chars, true);
    if (r.isError()) {
      throw new DatasetException(
          source,
          number,
          String.format(
              "not UTF-8 text: invalid byte 0x%02X at byte %d of the line",
              line[bytes.position()] & 0xff, bytes.position() + 1));
    }
    if (line.length > (1 << 20)) {
      line = new byte[INITIAL_LINE_BYTES]; // a rare long line need not pin its buffer
    }
    return chars.flip().toString();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
