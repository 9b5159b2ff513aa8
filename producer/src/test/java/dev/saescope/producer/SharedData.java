package dev.saescope.producer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the shared datasets, found from the repository root surefire passes in. */
public final class SharedData {
  private SharedData() {}

  public static Path root() {
    String repo = System.getProperty("saescope.repoRoot");
    Path base = repo == null ? Path.of("..").toAbsolutePath() : Path.of(repo);
    Path data = base.resolve("../shared/data").normalize();
    assertTrue(
        Files.isDirectory(data),
        "shared data not found at " + data + " (system property saescope.repoRoot=" + repo + ")");
    return data;
  }

  public static Path knowledgeNeurons() {
    return root().resolve("knowledge-neurons");
  }

  public static Path paraRel() {
    return root().resolve("pararel");
  }
}
