package dev.saescope.producer.dataset;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading JSON and JSON Lines files with errors that name the file and line. */
final class JsonFiles {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonFiles() {}

  /** One parsed non-blank line of a JSON Lines file. */
  record Line(long number, JsonNode node) {}

  static void requireDirectory(Path dir, String what) throws DatasetException {
    if (!Files.exists(dir)) {
      throw new DatasetException(dir.toString(), what + " does not exist");
    }
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(dir.toString(), what + " is not a directory");
    }
  }

  static void requireFile(Path file, String what) throws DatasetException {
    if (!Files.exists(file)) {
      throw new DatasetException(file.toString(), what + " does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file.toString(), what + " is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new DatasetException(file.toString(), what + " is not readable");
    }
  }

  /** Every non-blank line of a JSON Lines file, each parsed as a JSON object. */
  static List<Line> readJsonLines(Path file) throws DatasetException {
    List<Line> lines = new ArrayList<>();
    String src = file.toString();
    try (LineReader r =
        new LineReader(Files.newInputStream(file), src, LineReader.MAX_LINE_BYTES)) {
      for (String s = r.next(); s != null; s = r.next()) {
        if (!s.isBlank()) {
          lines.add(new Line(r.number(), parseObject(src, r.number(), s)));
        }
      }
    } catch (IOException e) {
      throw new DatasetException(file.toString(), 0, "cannot read: " + e, e);
    }
    return lines;
  }

  /** Parses one line that must hold one JSON object and nothing after it. */
  static JsonNode parseObject(String source, long line, String text) throws DatasetException {
    // Editors on Windows may start a UTF-8 file with a byte-order mark; it is not JSON.
    String json = line == 1 && text.startsWith("\uFEFF") ? text.substring(1) : text;
    try (JsonParser p = MAPPER.createParser(json)) {
      JsonNode node;
      try {
        node = MAPPER.readTree(p);
      } catch (JsonProcessingException e) {
        throw malformed(source, line, e);
      }
      if (node == null || !node.isObject()) {
        throw new DatasetException(
            source, line, "expected a JSON object, got: " + abbreviate(text));
      }
      requireEnd(p, source, line);
      return node;
    } catch (IOException e) { // closing a parser over a String: not expected to fail
      throw new DatasetException(source, line, "cannot parse: " + e, e);
    }
  }

  /** Refuses text after the object: a second object or garbage would otherwise be dropped. */
  private static void requireEnd(JsonParser p, String source, long line) throws DatasetException {
    int end = p.currentLocation().getColumnNr() - 1; // the parser stands just after the '}'
    try {
      if (p.nextToken() == null) {
        return;
      }
    } catch (IOException e) {
      // garbage rather than a second value: the same error
    }
    throw new DatasetException(
        source,
        line,
        "malformed JSON: more text after the object that ends at column "
            + end
            + " (one object per line)");
  }

  /**
   * The error for a file read with a streaming parser: malformed JSON at the parser's line, or a
   * failed read.
   */
  static DatasetException readFailure(String source, IOException e) {
    if (e instanceof JsonParseException p) {
      return malformed(source, p.getLocation() == null ? 0 : p.getLocation().getLineNr(), p);
    }
    return new DatasetException(source, 0, "cannot read: " + e, e);
  }

  private static DatasetException malformed(String source, long line, JsonProcessingException e) {
    return new DatasetException(
        source, line, "malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
  }

  /** The text of a required string field, or an error naming the field. */
  static String requiredText(JsonNode obj, String field, String source, long line)
      throws DatasetException {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      throw new DatasetException(source, line, "missing field \"" + field + "\"");
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new DatasetException(
          source, line, "field \"" + field + "\" must be a non-blank string, got: " + v);
    }
    return v.asText();
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
