package dev.saescope.producer.dataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSONL item file whole. A malformed line (bad JSON, more than one value, not UTF-8, over
 * {@link LineReader#MAX_LINE_BYTES}), or an item id seen twice, stops the read with an error naming
 * the file and line: a file can be fixed and re-run, and a half-read file would silently change the
 * sample.
 */
public final class JsonlItemFile {
  private JsonlItemFile() {}

  public static Dataset read(Path file, JsonlItemParser parser) throws DatasetException {
    JsonFiles.requireFile(file, "JSONL item file");
    String src = file.toString();
    List<Item> items = new ArrayList<>();
    Map<String, Long> firstLine = new HashMap<>();
    Map<String, RelationInfo> relations = new LinkedHashMap<>();
    Map<String, List<Pattern>> patterns = new LinkedHashMap<>();
    try (LineReader r =
        new LineReader(Files.newInputStream(file), src, LineReader.MAX_LINE_BYTES)) {
      for (String s = r.next(); s != null; s = r.next()) {
        long n = r.number();
        if (s.isBlank()) {
          continue;
        }
        Item item = parser.parse(src, n, s);
        Long seen = firstLine.putIfAbsent(item.itemId(), n);
        if (seen != null) {
          throw new DatasetException(
              src, n, "item_id \"" + item.shortId() + "\" already given on line " + seen);
        }
        items.add(item);
        relations.computeIfAbsent(item.relation(), RelationInfo::unlabelled);
        patterns.putIfAbsent(item.relation(), List.of());
      }
    } catch (IOException e) {
      throw new DatasetException(src, 0, "cannot read: " + e, e);
    }
    return new Dataset(src, relations, patterns, items, items.size(), 0);
  }
}
