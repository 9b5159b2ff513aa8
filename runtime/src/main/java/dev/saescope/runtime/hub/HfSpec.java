package dev.saescope.runtime.hub;

import dev.saescope.runtime.weights.RelativeName;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model or file on the Hugging Face hub: {@code hf:owner/name[@revision][/subpath]}.
 *
 * @param repoId {@code owner/name}
 * @param revision branch, tag or 40-hex commit; {@code main} when not given
 * @param subpath a folder or file inside the repository, {@code ""} for the root
 */
public record HfSpec(String repoId, String revision, String subpath) {
  public static final String PREFIX = "hf:";
  private static final Pattern SPEC =
      Pattern.compile("hf:([A-Za-z0-9][\\w.-]*)/([\\w.-]+)(?:@([\\w.-]+))?(?:/(.*))?");
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final Pattern REVISION = Pattern.compile("[\\w.-]+");
  // huggingface_hub REPO_ID_REGEX: each part starts and ends with a word character
  private static final Pattern REPO_ID = Pattern.compile("\\w(?:[\\w.-]*\\w)?/\\w(?:[\\w.-]*\\w)?");

  public HfSpec {
    Objects.requireNonNull(repoId, "repoId");
    Objects.requireNonNull(revision, "revision");
    Objects.requireNonNull(subpath, "subpath");
    fail("bad repository id '" + repoId + "'", repoIdProblem(repoId));
    fail("bad revision '" + revision + "'", revisionProblem(revision));
    fail(
        "bad path inside the repository: '" + subpath + "'",
        subpath.isEmpty() ? Optional.empty() : RelativeName.problem(subpath));
  }

  private static void fail(String what, Optional<String> problem) {
    if (problem.isPresent()) {
      throw new IllegalArgumentException(what + ": " + problem.get());
    }
  }

  /** huggingface_hub's {@code validate_repo_id}: {@code owner/name}, no "--" or "..". */
  static Optional<String> repoIdProblem(String repoId) {
    if (!REPO_ID.matcher(repoId).matches()) {
      return Optional.of(
          "expected owner/name of letters, digits, '_', '-' and '.', each starting and ending with a"
              + " letter or digit");
    }
    if (repoId.contains("--") || repoId.contains("..")) {
      return Optional.of("cannot contain '--' or '..'");
    }
    return Optional.empty();
  }

  /**
   * Why {@code revision} cannot be a branch, tag or commit name, if it cannot: it becomes a file
   * name under {@code refs/}, so it follows git's rules for a one-segment ref ({@code git
   * check-ref-format}: no {@code ..}, no leading dot, no trailing dot or {@code .lock}).
   */
  static Optional<String> revisionProblem(String revision) {
    if (!REVISION.matcher(revision).matches()) {
      return Optional.of("expected letters, digits, '_', '-' and '.'");
    }
    if (revision.startsWith(".") || revision.contains("..")) {
      return Optional.of("a branch or tag cannot start with '.' or contain '..'");
    }
    if (revision.endsWith(".") || revision.endsWith(".lock")) {
      return Optional.of("a branch or tag cannot end with '.' or '.lock'");
    }
    return Optional.empty();
  }

  /** Whether a model spec names the hub. */
  public static boolean isHfSpec(String spec) {
    return spec.startsWith(PREFIX);
  }

  /**
   * Parses {@code hf:owner/name[@revision][/subpath]}.
   *
   * @throws IllegalArgumentException with the expected form if the spec does not parse
   */
  public static HfSpec parse(String spec) {
    Matcher m = SPEC.matcher(spec);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "bad model spec '" + spec + "': expected hf:owner/name[@revision][/path/in/repo]");
    }
    String sub = m.group(4) == null ? "" : m.group(4);
    while (sub.endsWith("/")) {
      sub = sub.substring(0, sub.length() - 1);
    }
    try {
      return new HfSpec(
          m.group(1) + "/" + m.group(2), m.group(3) == null ? "main" : m.group(3), sub);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad model spec '" + spec + "': " + e.getMessage(), e);
    }
  }

  /** Whether the revision is a full commit hash (then the cache needs no refs lookup). */
  public boolean pinned() {
    return COMMIT.matcher(revision).matches();
  }

  static boolean isCommit(String revision) {
    return COMMIT.matcher(revision).matches();
  }

  /** A file of this spec's folder, as a repository path. */
  public String inRepo(String file) {
    return subpath.isEmpty() ? file : subpath + "/" + file;
  }

  @Override
  public String toString() {
    return PREFIX
        + repoId
        + (revision.equals("main") ? "" : "@" + revision)
        + (subpath.isEmpty() ? "" : "/" + subpath);
  }
}
