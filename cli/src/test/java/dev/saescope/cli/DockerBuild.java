package dev.saescope.cli;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link ComposeContractTest} reads from a Dockerfile (its named stages and the sources its
 * {@code COPY} lines take from the build context) and from the context's {@code .dockerignore}.
 *
 * @param stages the {@code FROM ... AS name} names, in order
 * @param contextSources every source of a {@code COPY} without {@code --from}
 */
record DockerBuild(Set<String> stages, List<String> contextSources) {
  /** {@code COPY [--flags] src... dest} (shell form). */
  private static final Pattern COPY = Pattern.compile("^COPY\\s+(.+)$");

  private static final Pattern STAGE = Pattern.compile("^FROM\\s+\\S+\\s+AS\\s+(\\S+)\\s*$");

  static DockerBuild read(Path dockerfile) throws IOException {
    Set<String> stages = new LinkedHashSet<>();
    List<String> sources = new ArrayList<>();
    for (String line : joinedLines(dockerfile)) {
      Matcher stage = STAGE.matcher(line);
      if (stage.matches()) {
        stages.add(stage.group(1));
      }
      Matcher copy = COPY.matcher(line);
      if (!copy.matches()) {
        continue;
      }
      List<String> words = new ArrayList<>(List.of(copy.group(1).trim().split("\\s+")));
      if (words.stream().noneMatch(w -> w.startsWith("--from="))) {
        words.removeIf(w -> w.startsWith("--"));
        sources.addAll(words.subList(0, words.size() - 1));
      }
    }
    return new DockerBuild(stages, sources);
  }

  /** The patterns of {@code context}'s .dockerignore, comments and blank lines dropped. */
  static List<String> dockerignore(Path context) throws IOException {
    Path file = context.resolve(".dockerignore");
    if (!Files.isRegularFile(file)) {
      throw new IOException("no " + file + ": docker build would send the whole checkout");
    }
    return Files.readAllLines(file).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }

  /**
   * The .dockerignore pattern that excludes {@code src} or a folder above it, if any. Docker's
   * patterns are Go filepath.Match globs with {@code **}; Java's glob syntax reads these alike,
   * except that a leading {@code **}{@code /} must also match at the top level.
   */
  static Optional<String> ignoredBy(String src, List<String> patterns) {
    Path path = Path.of(src).normalize();
    for (String pattern : patterns) {
      if (pattern.startsWith("!")) {
        continue; // re-inclusions: none used here
      }
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
      for (Path p = path; p != null; p = p.getParent()) {
        if (m.matches(p) || (pattern.startsWith("**/") && m.matches(Path.of("x").resolve(p)))) {
          return Optional.of(pattern);
        }
      }
    }
    return Optional.empty();
  }

  /** Lines with backslash continuations joined, comments dropped. */
  private static List<String> joinedLines(Path dockerfile) throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : Files.readAllLines(dockerfile)) {
      String line = raw.strip();
      if (line.startsWith("#")) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      if (!current.isEmpty()) {
        out.add(current.toString().strip());
      }
      current.setLength(0);
    }
    return out;
  }
}
