package dev.saescope.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The release discipline: the newest released version of each schema is exactly the current {@code
 * .avsc}, and every version stays compatible both ways with the current one.
 */
class ReleasedSchemasTest {
  /** The {@code .avsc} sources, parsed together (TaskResult uses PromptTask's Variant). */
  static Map<String, Schema> currentSources() throws Exception {
    Path dir =
        Path.of(System.getProperty("saescope.repoRoot", "..")).resolve("schemas/src/main/avro");
    Schema.Parser parser = new Schema.Parser();
    Map<String, Schema> out = new HashMap<>();
    for (String name : KnownSchemas.NAMES) {
      out.put(name, parser.parse(Files.readString(dir.resolve(name + ".avsc"))));
    }
    return out;
  }

  @Test
  void newestReleaseIsTheCurrentSchema() throws Exception {
    for (var e : currentSources().entrySet()) {
      List<Schema> released = ReleasedSchemas.load(e.getKey());
      Schema newest = released.get(released.size() - 1);
      assertEquals(
          e.getValue(),
          newest,
          e.getKey()
              + ".avsc changed: release it as saescope/schemas/"
              + e.getKey()
              + "/v"
              + (released.size() + 1)
              + ".avsc (released files never change)");
      assertEquals(AvroFormat.fingerprint(e.getValue()), AvroFormat.fingerprint(newest));
    }
  }

  @Test
  void currentSchemaIsCompatibleWithEveryRelease() throws Exception {
    for (var e : currentSources().entrySet()) {
      List<String> problems =
          ReleasedSchemas.compatibilityProblems(e.getValue(), ReleasedSchemas.load(e.getKey()));
      assertTrue(problems.isEmpty(), e.getKey() + ": " + problems);
    }
  }

  @Test
  void anIncompatibleChangeIsCaught() throws Exception {
    Schema bad = TestSchemas.load("incompatible");
    List<String> problems =
        ReleasedSchemas.compatibilityProblems(bad, ReleasedSchemas.load("PromptTask"));
    assertFalse(
        problems.isEmpty(), "adding a field without default and changing a type must be flagged");
    String all = String.join("\n", problems);
    assertTrue(all.contains("model_hint"), all);
    assertTrue(all.contains("answer_start"), all);
  }

  @Test
  void additiveChangesWithDefaultsPass() throws Exception {
    assertEquals(
        List.of(),
        ReleasedSchemas.compatibilityProblems(
            TestSchemas.load("v2"), ReleasedSchemas.load("PromptTask")));
    assertEquals(
        List.of(),
        ReleasedSchemas.compatibilityProblems(
            TestSchemas.load("v0"), ReleasedSchemas.load("PromptTask")));
  }
}
