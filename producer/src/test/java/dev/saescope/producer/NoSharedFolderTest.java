package dev.saescope.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh clone must build and pass its tests with nothing beside it (issue 8): no file of the
 * repository outside the docs may point at a {@code shared} folder next to the checkout. The data
 * it used to hold is committed under {@code datasets/}.
 */
class NoSharedFolderTest {
  // Built from two parts so that this file does not itself contain what it looks for.
  private static final String SIBLING = ".." + "/shared";

  @Test
  void onlyDocsMentionASharedFolderBesideTheCheckout() throws IOException, InterruptedException {
    Path root = Datasets.repoRoot();
    List<Path> files = repositoryFiles(root);
    assertFalse(files.isEmpty(), "no files found under " + root);
    assertEquals(
        List.of(),
        offenders(root, files),
        "files (path:first line) that mention "
            + SIBLING
            + "; use datasets/ in the repository instead");
  }

  @Test
  void checkNamesFileAndLineAndSkipsDocsAndBuildOutput(@TempDir Path tmp) throws IOException {
    write(tmp.resolve("docker-compose.yml"), "volumes:\n  - " + SIBLING + "/data:/data\n");
    write(tmp.resolve("README.md"), "Data used to be in " + SIBLING + ".\n");
    write(tmp.resolve(".git/config"), SIBLING);
    write(tmp.resolve("producer/target-ds/copy.yml"), SIBLING);
    write(tmp.resolve("tools/.venv/x.py"), SIBLING);
    write(tmp.resolve("tools/node_modules/x.js"), SIBLING);
    write(tmp.resolve("ok.txt"), "shared data, ../other and ./shared are fine\n");
    List<Path> files = walk(tmp);
    assertEquals(3, files.size(), files.toString());
    assertEquals(List.of("docker-compose.yml:2"), offenders(tmp, files));
  }

  /** {@code path:line} of the first mention of {@link #SIBLING} in each file that is not *.md. */
  static List<String> offenders(Path root, List<Path> files) throws IOException {
    List<String> out = new ArrayList<>();
    for (Path file : files) {
      Path abs = root.resolve(file);
      // A tracked file may be missing from the working tree while someone is moving it.
      if (file.getFileName().toString().endsWith(".md") || !Files.isRegularFile(abs)) {
        continue;
      }
      // ISO-8859-1 maps each byte to one char, so any file, text or binary, can be searched.
      String text = Files.readString(abs, StandardCharsets.ISO_8859_1);
      int at = text.indexOf(SIBLING);
      if (at >= 0) {
        long line = text.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
        out.add(file + ":" + line);
      }
    }
    return out;
  }

  /** Files git tracks, relative to {@code root}; every file under it when git cannot tell. */
  static List<Path> repositoryFiles(Path root) throws IOException, InterruptedException {
    List<Path> tracked = gitLsFiles(root);
    return tracked != null ? tracked : walk(root);
  }

  /** {@code git ls-files}, or null when git is missing or {@code root} is not a checkout. */
  private static List<Path> gitLsFiles(Path root) throws InterruptedException {
    Process git;
    try {
      git =
          new ProcessBuilder("git", "ls-files", "-z")
              .directory(root.toFile())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException noGit) {
      return null;
    }
    byte[] out;
    try {
      out = git.getInputStream().readAllBytes();
    } catch (IOException e) {
      git.destroy();
      return null;
    }
    if (!git.waitFor(60, TimeUnit.SECONDS) || git.exitValue() != 0) {
      git.destroy();
      return null;
    }
    List<Path> files = new ArrayList<>();
    // -z: names end with NUL and are not quoted, whatever characters they hold.
    for (String name : new String(out, StandardCharsets.UTF_8).split("\0")) {
      if (!name.isEmpty()) {
        files.add(Path.of(name));
      }
    }
    return files;
  }

  /** Every file under {@code root}, skipping git's folder, build output and tool installs. */
  static List<Path> walk(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            Path rel = root.relativize(dir);
            String name = rel.getFileName().toString();
            boolean skip =
                !name.isEmpty()
                    && (name.equals(".git")
                        || name.startsWith("target")
                        || name.equals("node_modules")
                        || rel.equals(Path.of("tools", ".venv")));
            return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              files.add(root.relativize(file));
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return files;
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }
}
