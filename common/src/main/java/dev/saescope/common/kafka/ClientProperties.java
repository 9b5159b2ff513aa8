package dev.saescope.common.kafka;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * Reads Kafka client properties from {@code key=value} strings and Java-properties files, with
 * errors that name the option, file and line.
 *
 * <p>Files follow {@link Properties#load} syntax ({@code #}/{@code !} comments, {@code =} or {@code
 * :} separators, backslash continuation lines, escapes) with one stricter rule: a non-blank line
 * without a separator is an error rather than a key with an empty value, because in a Kafka client
 * file it is nearly always a typo.
 */
public final class ClientProperties {
  private ClientProperties() {}

  /**
   * Parses one {@code --kafka-prop} value.
   *
   * @throws KafkaConfigException when there is no {@code =} or the key is empty
   */
  public static void putOption(Properties into, String keyValue) throws KafkaConfigException {
    int eq = keyValue == null ? -1 : keyValue.indexOf('=');
    if (eq < 0) {
      throw new KafkaConfigException(
          "--kafka-prop '"
              + keyValue
              + "' has no '=': expected KEY=VALUE, e.g. security.protocol=SSL");
    }
    String key = keyValue.substring(0, eq).trim();
    if (key.isEmpty()) {
      throw new KafkaConfigException(
          "--kafka-prop '" + keyValue + "' has an empty key: expected KEY=VALUE");
    }
    into.setProperty(key, keyValue.substring(eq + 1).trim());
  }

  /**
   * Reads a properties file.
   *
   * @throws KafkaConfigException naming the file (and line) when it is missing, unreadable, not
   *     UTF-8/Latin-1 text or malformed
   */
  public static Properties readFile(Path file) throws KafkaConfigException {
    String text;
    try {
      if (Files.isDirectory(file)) {
        throw new KafkaConfigException(
            "--kafka-config " + file + " is a directory, expected a properties file");
      }
      byte[] bytes = Files.readAllBytes(file);
      try {
        text =
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      } catch (MalformedInputException e) {
        // Java properties files were historically ISO-8859-1; accept that too.
        text = new String(bytes, StandardCharsets.ISO_8859_1);
      }
    } catch (NoSuchFileException e) {
      throw new KafkaConfigException("--kafka-config file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new KafkaConfigException("--kafka-config file " + file + " cannot be read: " + e, e);
    }
    return parse(text, file.toString());
  }

  /** Parses properties text; {@code source} names it in errors. */
  static Properties parse(String text, String source) throws KafkaConfigException {
    Properties out = new Properties();
    List<String> lines = text.lines().toList();
    StringBuilder logical = new StringBuilder();
    int logicalStart = 0;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (logical.isEmpty()) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith("!")) {
          continue;
        }
        logicalStart = i + 1;
        logical.append(trimmed);
      } else {
        logical.append(line.stripLeading());
      }
      if (endsWithContinuation(logical)) {
        logical.setLength(logical.length() - 1);
        continue;
      }
      addLogicalLine(out, logical.toString(), source, logicalStart);
      logical.setLength(0);
    }
    if (!logical.isEmpty()) {
      addLogicalLine(out, logical.toString(), source, logicalStart);
    }
    return out;
  }

  private static void addLogicalLine(Properties out, String line, String source, int lineNo)
      throws KafkaConfigException {
    if (!hasSeparator(line)) {
      throw new KafkaConfigException(
          source
              + " line "
              + lineNo
              + ": '"
              + abbreviate(line)
              + "' has no '=' or ':': expected key=value");
    }
    Properties one = new Properties();
    try {
      one.load(new StringReader(line));
    } catch (IOException | IllegalArgumentException e) {
      // Properties.load reports a bad \\uXXXX escape as IllegalArgumentException.
      throw new KafkaConfigException(source + " line " + lineNo + ": " + e.getMessage(), e);
    }
    for (String k : one.stringPropertyNames()) {
      if (k.isBlank()) {
        throw new KafkaConfigException(
            source + " line " + lineNo + ": empty key in '" + abbreviate(line) + "'");
      }
      out.setProperty(k, one.getProperty(k));
    }
  }

  /**
   * An unescaped '=' or ':' (or whitespace between key and value, which Properties also accepts)
   * after a key.
   */
  private static boolean hasSeparator(String line) {
    boolean escaped = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '=' || c == ':') {
        return true;
      }
    }
    return false;
  }

  private static boolean endsWithContinuation(CharSequence s) {
    int backslashes = 0;
    for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}
