package dev.saescope.producer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the datasets committed under {@code <repo root>/datasets}. */
public final class Datasets {
  private Datasets() {}

  /**
   * The repository root: the system property {@code saescope.repoRoot} that surefire passes in
   * (parent pom), or {@code ..}, the parent of the module a test runs in, without it.
   */
  public static Path repoRoot() {
    String repo = System.getProperty("saescope.repoRoot");
    return Path.of(repo == null ? ".." : repo).toAbsolutePath().normalize();
  }

  public static Path root() {
    Path data = repoRoot().resolve("datasets");
    assertTrue(
        Files.isDirectory(data),
        "datasets folder not found at "
            + data
            + " (system property saescope.repoRoot="
            + System.getProperty("saescope.repoRoot")
            + ")");
    return data;
  }

  public static Path knowledgeNeurons() {
    return root().resolve("knowledge-neurons");
  }

  public static Path paraRel() {
    return root().resolve("pararel");
  }
}
