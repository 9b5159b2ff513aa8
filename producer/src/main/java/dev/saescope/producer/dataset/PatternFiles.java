package dev.saescope.producer.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads a folder of ParaRel pattern files, {@code Pxx.jsonl}, one {@code {"pattern": ..., "lemma",
 * "extended_lemma", "tense"}} per line. The same format sits under knowledge-neurons {@code
 * PARAREL/raw_data/patterns/} and ParaRel {@code pattern_data/graphs_json/}; only {@code pattern}
 * is used.
 */
final class PatternFiles {
  private PatternFiles() {}

  /** Patterns per relation (file name without {@code .jsonl}), in file order. */
  static Map<String, List<Pattern>> readFolder(Path dir) throws DatasetException {
    JsonFiles.requireDirectory(dir, "pattern folder");
    Map<String, List<Pattern>> out = new TreeMap<>();
    for (Path file : jsonlFiles(dir)) {
      String relation = relationOf(file);
      out.put(relation, readFile(file, relation));
    }
    return out;
  }

  static List<Pattern> readFile(Path file, String relation) throws DatasetException {
    List<Pattern> patterns = new ArrayList<>();
    for (JsonFiles.Line line : JsonFiles.readJsonLines(file)) {
      String text = JsonFiles.requiredText(line.node(), "pattern", file.toString(), line.number());
      try {
        patterns.add(new Pattern(relation, patterns.size(), text));
      } catch (IllegalArgumentException e) {
        throw new DatasetException(file.toString(), line.number(), e.getMessage());
      }
    }
    return patterns;
  }

  /** {@code *.jsonl} files of a folder, sorted by name so every run reads them in one order. */
  static List<Path> jsonlFiles(Path dir) throws DatasetException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
          .filter(Files::isRegularFile)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new DatasetException(dir.toString(), 0, "cannot list folder: " + e, e);
    }
  }

  static String relationOf(Path file) {
    String name = file.getFileName().toString();
    return name.substring(0, name.length() - ".jsonl".length());
  }
}
