package dev.saescope.producer.dataset;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@code data/} folder of yanaiela/pararel (Elazar et al., TACL 2021):
 *
 * <ul>
 *   <li>{@code pattern_data/graphs_json/Pxx.jsonl}: paraphrase patterns, one per line;
 *   <li>{@code trex_lms_vocab/Pxx.jsonl}: LAMA T-REx facts {@code {"sub_label", "obj_label",
 *       "uuid"}}, filtered to objects that are one token for BERT, RoBERTa and ALBERT.
 * </ul>
 *
 * <p>Every relation with a facts file becomes items, in file-name order, including those with few
 * or no patterns (P31 and P527 have none: no cloze variant for them). The ParaRel pickled graphs
 * ({@code graphs/*.graph}) are never read: loading a pickle can run code.
 */
public final class ParaRelReader {
  private static final Logger log = LoggerFactory.getLogger(ParaRelReader.class);

  private ParaRelReader() {}

  public static Dataset read(Path root) throws DatasetException {
    JsonFiles.requireDirectory(root, "ParaRel data folder");
    Map<String, List<Pattern>> patterns =
        PatternFiles.readFolder(root.resolve("pattern_data/graphs_json"));
    Path factsDir = root.resolve("trex_lms_vocab");
    JsonFiles.requireDirectory(factsDir, "ParaRel facts folder (trex_lms_vocab)");
    FactGrouper grouper = new FactGrouper();
    Map<String, RelationInfo> relations = new LinkedHashMap<>();
    for (Path file : PatternFiles.jsonlFiles(factsDir)) {
      String relation = PatternFiles.relationOf(file);
      String src = file.toString();
      int before = grouper.facts();
      for (JsonFiles.Line line : JsonFiles.readJsonLines(file)) {
        String subject = JsonFiles.requiredText(line.node(), "sub_label", src, line.number());
        String object = JsonFiles.requiredText(line.node(), "obj_label", src, line.number());
        grouper.add(relation, subject, object);
      }
      if (grouper.facts() > before) {
        relations.put(relation, RelationInfo.unlabelled(relation));
        if (patterns.getOrDefault(relation, List.of()).isEmpty()) {
          log.warn(
              "{}: relation {} has facts but no patterns; it gets no cloze variant",
              root,
              relation);
        }
      }
    }
    List<Item> items = grouper.items();
    log.info(
        "{}: {} facts ({} duplicates dropped), {} items, {} relations",
        root,
        grouper.facts(),
        grouper.duplicateFacts(),
        items.size(),
        relations.size());
    return new Dataset(
        root.toString(), relations, patterns, items, grouper.facts(), grouper.duplicateFacts());
  }
}
