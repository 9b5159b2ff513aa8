package dev.saescope.schemas.serde;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaParseException;

/**
 * Every released version of one message schema, read from the class path at {@code
 * saescope/schemas/<Name>/v1.avsc}, {@code v2.avsc}, ... (consecutive, starting at 1).
 *
 * <p>Releasing: when a {@code .avsc} in {@code src/main/avro} changes, copy the new schema to the
 * next {@code vN.avsc}; {@code ReleasedSchemasTest} fails until the newest release equals the
 * current schema and stays compatible with every older one. Released files are never edited.
 */
public final class ReleasedSchemas {
  /** Where released schemas live on the class path. */
  public static final String ROOT = "saescope/schemas/";

  private static final int MAX_VERSIONS = 1000;

  private ReleasedSchemas() {}

  /**
   * All released versions of {@code name}, oldest first.
   *
   * @throws IllegalStateException when no version is released or a file does not parse (a packaging
   *     bug, not bad input)
   */
  public static List<Schema> load(String name) {
    return load(ReleasedSchemas.class.getClassLoader(), ROOT, name);
  }

  /** As {@link #load(String)}, from any class-path root (tests keep extra versions elsewhere). */
  public static List<Schema> load(ClassLoader loader, String root, String name) {
    List<Schema> versions = new ArrayList<>();
    for (int v = 1; v <= MAX_VERSIONS; v++) {
      String path = root + name + "/v" + v + ".avsc";
      try (InputStream in = loader.getResourceAsStream(path)) {
        if (in == null) {
          break;
        }
        versions.add(
            new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read released schema " + path, e);
      } catch (SchemaParseException e) {
        throw new IllegalStateException(
            "released schema " + path + " does not parse: " + e.getMessage(), e);
      }
    }
    if (versions.isEmpty()) {
      throw new IllegalStateException(
          "no released schema for "
              + name
              + " on the class path (expected "
              + root
              + name
              + "/v1.avsc)");
    }
    return List.copyOf(versions);
  }

  /**
   * Why {@code candidate} cannot replace the {@code released} versions, or an empty list when it
   * can: it must read what every released version wrote (backward) and every released version must
   * read what it writes (forward), per Avro's {@link SchemaCompatibility}.
   */
  public static List<String> compatibilityProblems(Schema candidate, List<Schema> released) {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < released.size(); i++) {
      Schema old = released.get(i);
      String version = old.getName() + " v" + (i + 1);
      var backward = SchemaCompatibility.checkReaderWriterCompatibility(candidate, old);
      if (backward.getType() != SchemaCompatibilityType.COMPATIBLE) {
        problems.add(
            "cannot read messages written with "
                + version
                + ": "
                + backward.getResult().getIncompatibilities());
      }
      var forward = SchemaCompatibility.checkReaderWriterCompatibility(old, candidate);
      if (forward.getType() != SchemaCompatibilityType.COMPATIBLE) {
        problems.add(
            version
                + " readers cannot read its messages: "
                + forward.getResult().getIncompatibilities());
      }
    }
    return problems;
  }
}
