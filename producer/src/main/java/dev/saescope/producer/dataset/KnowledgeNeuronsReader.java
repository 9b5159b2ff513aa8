package dev.saescope.producer.dataset;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@code data/} folder of Hunter-DDM/knowledge-neurons (Dai et al., ACL 2022):
 *
 * <ul>
 *   <li>{@code PARAREL/query_pairs.json}: {@code {relation: [[subject, object], ...]}}, the facts;
 *   <li>{@code PARAREL/raw_data/patterns/Pxx.jsonl}: ParaRel patterns, one per line;
 *   <li>{@code LAMA/raw_data/relations.jsonl}: label and type (1-1, N-1, N-M) of each relation;
 *   <li>optional bag files {@code PARAREL/data_*.json}: a list of bags, a bag being one fact as
 *       {@code [prompt with [MASK], object, "Pxx(label)"]} triples, one per pattern. Their facts
 *       are merged with {@code query_pairs.json} (deduplicated), so a folder holding only bag files
 *       (e.g. the full {@code data_all.json}) still reads. The subject is recovered by matching the
 *       prompt against the relation's patterns.
 * </ul>
 *
 * <p>Facts are taken for the relations of {@code query_pairs.json} and the bags; relations with
 * facts but no pattern file still give items (no cloze variant, logged).
 */
public final class KnowledgeNeuronsReader {
  private static final Logger log = LoggerFactory.getLogger(KnowledgeNeuronsReader.class);

  private KnowledgeNeuronsReader() {}

  public static Dataset read(Path root) throws DatasetException {
    JsonFiles.requireDirectory(root, "knowledge-neurons data folder");
    Path pararelDir = root.resolve("PARAREL");
    JsonFiles.requireDirectory(pararelDir, "knowledge-neurons PARAREL folder");
    Path relationsFile = root.resolve("LAMA/raw_data/relations.jsonl");
    JsonFiles.requireFile(relationsFile, "LAMA relations file");
    Map<String, RelationInfo> known = readRelations(relationsFile);
    Map<String, List<Pattern>> patterns =
        PatternFiles.readFolder(pararelDir.resolve("raw_data/patterns"));

    Path queryPairs = pararelDir.resolve("query_pairs.json");
    List<Path> bagFiles = bagFiles(pararelDir);
    if (!Files.exists(queryPairs) && bagFiles.isEmpty()) {
      throw new DatasetException(
          queryPairs.toString(), "does not exist, and no PARAREL/data_*.json bag file either");
    }
    FactGrouper grouper = new FactGrouper();
    if (Files.exists(queryPairs)) {
      JsonFiles.requireFile(queryPairs, "query pairs file");
      readQueryPairs(queryPairs, grouper);
    }
    for (Path bagFile : bagFiles) {
      readBags(bagFile, patterns, grouper);
    }
    List<Item> items = grouper.items();
    Map<String, RelationInfo> relations = new LinkedHashMap<>();
    for (Item item : items) {
      relations.computeIfAbsent(
          item.relation(), r -> known.getOrDefault(r, RelationInfo.unlabelled(r)));
    }
    for (String r : relations.keySet()) {
      if (!patterns.containsKey(r)) {
        log.warn(
            "{}: relation {} has facts but no pattern file; it gets no cloze variant", root, r);
      }
    }
    log.info(
        "{}: {} facts ({} duplicates dropped), {} items, {} relations, {} bag files",
        root,
        grouper.facts(),
        grouper.duplicateFacts(),
        items.size(),
        relations.size(),
        bagFiles.size());
    return new Dataset(
        root.toString(), relations, patterns, items, grouper.facts(), grouper.duplicateFacts());
  }

  static Map<String, RelationInfo> readRelations(Path file) throws DatasetException {
    Map<String, RelationInfo> out = new LinkedHashMap<>();
    for (JsonFiles.Line line : JsonFiles.readJsonLines(file)) {
      String src = file.toString();
      String id = JsonFiles.requiredText(line.node(), "relation", src, line.number());
      JsonNode label = line.node().get("label");
      JsonNode type = line.node().get("type");
      out.put(
          id,
          new RelationInfo(
              id, label == null ? "" : label.asText(), type == null ? "" : type.asText()));
    }
    return out;
  }

  /**
   * Streams {@code query_pairs.json} so that a structural error (a pair that is not two strings)
   * names its line, which a tree parse cannot do.
   */
  static void readQueryPairs(Path file, FactGrouper grouper) throws DatasetException {
    String src = file.toString();
    try (JsonParser p = JsonFiles.MAPPER.createParser(file.toFile())) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, src, "a JSON object {relation: [pairs]}");
      for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
        String relation = p.currentName();
        expect(p, p.nextToken(), JsonToken.START_ARRAY, src, "a list of pairs for " + relation);
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          long line = line(p);
          expect(p, e, JsonToken.START_ARRAY, src, "a [subject, object] pair in " + relation);
          String subject = pairElement(p, src, relation);
          String object = pairElement(p, src, relation);
          if (p.nextToken() != JsonToken.END_ARRAY) {
            throw new DatasetException(
                src, line, "a pair of " + relation + " has more than two elements");
          }
          grouper.add(relation, subject, object);
        }
      }
      if (p.nextToken() != null) {
        throw new DatasetException(src, line(p), "unexpected content after the top-level object");
      }
    } catch (IOException e) {
      throw JsonFiles.readFailure(src, e);
    }
  }

  private static String pairElement(JsonParser p, String src, String relation)
      throws IOException, DatasetException {
    JsonToken t = p.nextToken();
    if (t != JsonToken.VALUE_STRING || p.getText().isBlank()) {
      throw new DatasetException(
          src,
          line(p),
          "a pair of "
              + relation
              + " must be two non-blank strings [subject, object], got "
              + (t == null ? "end of file" : p.getText()));
    }
    return p.getText();
  }

  private static void expect(JsonParser p, JsonToken got, JsonToken want, String src, String what)
      throws DatasetException {
    if (got != want) {
      throw new DatasetException(
          src, line(p), "expected " + what + ", got " + (got == null ? "end of file" : got));
    }
  }

  private static long line(JsonParser p) {
    return p.currentLocation().getLineNr();
  }

  static List<Path> bagFiles(Path pararelDir) throws DatasetException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(pararelDir, "data_*.json")) {
      s.forEach(out::add);
    } catch (IOException e) {
      throw new DatasetException(pararelDir.toString(), 0, "cannot list folder: " + e, e);
    }
    out.sort(null);
    return out;
  }

  /**
   * Reads one bag file. Bag {@code i}, triple {@code j} was made from pattern {@code j} of its
   * relation (knowledge-neurons README, "Rebuilding"), but matching against every pattern keeps us
   * independent of that ordering.
   */
  static void readBags(Path file, Map<String, List<Pattern>> patterns, FactGrouper grouper)
      throws DatasetException {
    String src = file.toString();
    try (JsonParser p = JsonFiles.MAPPER.createParser(file.toFile())) {
      expect(p, p.nextToken(), JsonToken.START_ARRAY, src, "a JSON list of bags");
      int bagIndex = 0;
      for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
        long line = line(p);
        if (t != JsonToken.START_ARRAY) {
          throw new DatasetException(src, line, "bag " + bagIndex + " is not a list, got " + t);
        }
        JsonNode bag = p.readValueAsTree();
        addBag(bag, bagIndex, src, line, patterns, grouper);
        bagIndex++;
      }
    } catch (IOException e) {
      throw JsonFiles.readFailure(src, e);
    }
  }

  private static void addBag(
      JsonNode bag,
      int bagIndex,
      String src,
      long line,
      Map<String, List<Pattern>> patterns,
      FactGrouper grouper)
      throws DatasetException {
    String where = "bag " + bagIndex;
    if (bag.isEmpty()) {
      throw new DatasetException(src, line, where + " is empty");
    }
    String relation = null;
    String object = null;
    String subject = null;
    for (JsonNode triple : bag) {
      if (!triple.isArray()
          || triple.size() != 3
          || !triple.get(0).isTextual()
          || !triple.get(1).isTextual()
          || !triple.get(2).isTextual()) {
        throw new DatasetException(
            src, line, where + ": expected [prompt, object, \"Pxx(label)\"], got " + triple);
      }
      String label = triple.get(2).asText();
      int paren = label.indexOf('(');
      String r = paren > 0 ? label.substring(0, paren) : label;
      if (relation == null) {
        relation = r;
        object = triple.get(1).asText();
      } else if (!relation.equals(r) || !object.equals(triple.get(1).asText())) {
        throw new DatasetException(
            src, line, where + " mixes facts: " + relation + "/" + object + " and " + triple);
      }
      if (subject == null) {
        subject = subjectOf(triple.get(0).asText(), patterns.getOrDefault(r, List.of()));
      }
    }
    if (subject == null) {
      throw new DatasetException(
          src,
          line,
          where + ": no prompt matches a pattern of " + relation + ", cannot recover the subject");
    }
    grouper.add(relation, subject, object);
  }

  /** The subject of a bag prompt, found by matching it against the relation's patterns. */
  static String subjectOf(String prompt, List<Pattern> patterns) {
    for (Pattern pattern : patterns) {
      String text = pattern.text();
      int x = text.indexOf(Pattern.SUBJECT);
      String mask = "\\E\\[MASK\\]\\Q";
      String regex =
          java.util.regex.Pattern.quote(text.substring(0, x)).replace(Pattern.OBJECT, mask)
              + "(.+)"
              + java.util.regex.Pattern.quote(text.substring(x + Pattern.SUBJECT.length()))
                  .replace(Pattern.OBJECT, mask);
      Matcher m = java.util.regex.Pattern.compile(regex).matcher(prompt);
      if (m.matches() && !m.group(1).isBlank()) {
        return m.group(1);
      }
    }
    return null;
  }
}
