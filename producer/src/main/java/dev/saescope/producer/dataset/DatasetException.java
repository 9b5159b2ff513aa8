package dev.saescope.producer.dataset;

/**
 * A dataset could not be read. The message always starts with the source (a file path or {@code
 * <stdin>}) and, when known, the 1-based line: {@code data/P36.jsonl:12: ...}.
 */
public final class DatasetException extends Exception {
  private final String source;
  private final long line;

  /** An error about a whole source (line unknown or irrelevant). */
  public DatasetException(String source, String message) {
    this(source, 0, message, null);
  }

  /** An error at a 1-based line of a source; line 0 means "whole source". */
  public DatasetException(String source, long line, String message) {
    this(source, line, message, null);
  }

  public DatasetException(String source, long line, String message, Throwable cause) {
    super((line > 0 ? source + ":" + line : source) + ": " + message, cause);
    this.source = source;
    this.line = line;
  }

  /** The file path or {@code <stdin>}. */
  public String source() {
    return source;
  }

  /** The 1-based line, or 0 when the error concerns the whole source. */
  public long line() {
    return line;
  }
}
