package dev.saescope.producer.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.producer.Datasets;
import dev.saescope.producer.dataset.DatasetException;
import dev.saescope.producer.dataset.KnowledgeNeuronsReader;
import dev.saescope.producer.dataset.ParaRelReader;
import java.io.InputStream;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class TemplatesTest {
  static final Templates T = Templates.load();

  @Test
  void everyRelationOfBothCommittedDatasetsHasQuestions() throws DatasetException {
    var kn = KnowledgeNeuronsReader.read(Datasets.knowledgeNeurons()).relations().keySet();
    var pr = ParaRelReader.read(Datasets.paraRel()).relations().keySet();
    assertEquals(34, kn.size());
    for (String r : kn) {
      assertTrue(T.hasQuestions(r), "no question template for knowledge-neurons relation " + r);
    }
    for (String r : pr) {
      assertTrue(T.hasQuestions(r), "no question template for ParaRel relation " + r);
    }
    TreeSet<String> extra = new TreeSet<>(T.relations());
    extra.removeAll(kn);
    extra.removeAll(pr);
    assertTrue(extra.isEmpty(), "templates for relations no dataset has: " + extra);
  }

  @Test
  void everyFamilyHasFiveWithAndFiveWithoutTheSubject() {
    for (EvasiveFamily f : EvasiveFamily.values()) {
      Templates.Evasive e = T.evasive().get(f);
      assertTrue(e.withSubject().size() >= 5, f + " with subject: " + e.withSubject().size());
      assertTrue(
          e.withoutSubject().size() >= 5, f + " without subject: " + e.withoutSubject().size());
      e.withSubject().forEach(t -> assertTrue(t.contains("{subject}"), t));
      e.withoutSubject().forEach(t -> assertTrue(!t.contains("{"), t));
    }
    assertEquals(6, T.evasive().size());
  }

  @Test
  void questionsAreQuestions() {
    T.questions()
        .forEach(
            (r, qs) ->
                qs.forEach(
                    q -> {
                      assertTrue(q.endsWith("?"), r + ": " + q);
                      assertEquals(1, q.split("\\{subject}", -1).length - 1, r + ": " + q);
                    }));
  }

  @Test
  void brokenTemplateFilesAreRejectedNamingTheEntry() throws Exception {
    ObjectMapper m = new ObjectMapper();
    ObjectNode good;
    try (InputStream in = Templates.class.getResourceAsStream(Templates.RESOURCE)) {
      good = (ObjectNode) m.readTree(in);
    }
    ObjectNode tooFew = good.deepCopy();
    ArrayNode declines = (ArrayNode) tooFew.at("/evasive/declines/without_subject");
    while (declines.size() > 4) {
      declines.remove(0);
    }
    var e = assertThrows(IllegalArgumentException.class, () -> Templates.parse(tooFew, "x.json"));
    assertTrue(
        e.getMessage().startsWith("x.json: evasive family declines needs at least 5"),
        e.getMessage());

    ObjectNode noSubject = good.deepCopy();
    ((ArrayNode) noSubject.at("/questions/P36")).add("What is the capital?");
    e = assertThrows(IllegalArgumentException.class, () -> Templates.parse(noSubject, "x.json"));
    assertTrue(e.getMessage().contains("question template of P36"), e.getMessage());

    ObjectNode unknown = good.deepCopy();
    ((ArrayNode) unknown.at("/questions/P36")).add("What is {object} of {subject}?");
    e = assertThrows(IllegalArgumentException.class, () -> Templates.parse(unknown, "x.json"));
    assertTrue(e.getMessage().contains("unknown placeholder {object}"), e.getMessage());

    ObjectNode missingFamily = good.deepCopy();
    ((ObjectNode) missingFamily.get("evasive")).remove("deflects");
    e =
        assertThrows(
            IllegalArgumentException.class, () -> Templates.parse(missingFamily, "x.json"));
    assertTrue(e.getMessage().contains("deflects has no templates"), e.getMessage());
  }
}
