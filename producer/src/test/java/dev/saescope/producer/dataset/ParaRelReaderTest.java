package dev.saescope.producer.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.producer.Datasets;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParaRelReaderTest {
  @Test
  void realDataHasTheCountsItsReadmeStates() throws DatasetException {
    Dataset d = ParaRelReader.read(Datasets.paraRel());
    // README: 41 relations with facts, 29,411 facts.
    assertEquals(41, d.relations().size());
    assertEquals(29_411, d.facts());
    assertEquals(27_430, d.items().size());
    assertTrue(d.patternsOf("P31").isEmpty(), "P31 has facts but no pattern file");
    assertEquals(4, d.patternsOf("P279").size());
    // The two P279 patterns with a double space are tidied when filled.
    assertTrue(d.patternsOf("P279").stream().anyMatch(p -> p.text().contains(",  a")));
    d.patternsOf("P279").forEach(p -> assertTrue(!p.fill("s", "o").contains("  "), p.text()));
  }

  @Test
  void missingFactsFolderIsNamed(@TempDir Path tmp) throws IOException {
    KnowledgeNeuronsReaderTest.write(
        tmp.resolve("pattern_data/graphs_json/P36.jsonl"),
        "{\"pattern\": \"The capital of [X] is [Y].\"}\n");
    DatasetException e = assertThrows(DatasetException.class, () -> ParaRelReader.read(tmp));
    assertTrue(e.getMessage().contains("trex_lms_vocab"), e.getMessage());
  }

  @Test
  void malformedFactNamesFileAndLine(@TempDir Path tmp) throws IOException {
    KnowledgeNeuronsReaderTest.write(
        tmp.resolve("pattern_data/graphs_json/P36.jsonl"),
        "{\"pattern\": \"The capital of [X] is [Y].\"}\n");
    Path facts = tmp.resolve("trex_lms_vocab/P36.jsonl");
    KnowledgeNeuronsReaderTest.write(
        facts,
        "{\"sub_label\": \"France\", \"obj_label\": \"Paris\"}\n{\"sub_label\": \"Peru\"}\n");
    DatasetException e = assertThrows(DatasetException.class, () -> ParaRelReader.read(tmp));
    assertEquals(facts + ":2: missing field \"obj_label\"", e.getMessage());
  }
}
