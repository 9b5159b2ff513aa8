package dev.saescope.worker.hub;

import java.util.Objects;
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

  public HfSpec {
    Objects.requireNonNull(repoId, "repoId");
    Objects.requireNonNull(revision, "revision");
    Objects.requireNonNull(subpath, "subpath");
    if (subpath.startsWith("/") || subpath.contains("..") || subpath.contains("\\")) {
      throw new IllegalArgumentException("bad path inside the repository: '" + subpath + "'");
    }
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
    return new HfSpec(m.group(1) + "/" + m.group(2), m.group(3) == null ? "main" : m.group(3), sub);
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
