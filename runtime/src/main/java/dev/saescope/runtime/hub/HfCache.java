package dev.saescope.runtime.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The Hugging Face hub cache on disk, laid out exactly as {@code huggingface_hub} lays it out
 * ({@code file_download.py}: {@code repo_folder_name}, {@code _hf_hub_download_to_cache_dir},
 * {@code _create_symlink}, {@code _cache_commit_hash_for_specific_revision}), so files a user
 * downloaded with Python are found here and files saescope downloads are found by Python:
 *
 * <pre>
 * &lt;hub&gt;/models--owner--name/
 *   refs/main                      the commit hash the branch or tag pointed to (text, no newline)
 *   blobs/&lt;etag&gt;                   file contents, named by the hub's ETag (sha256 for LFS files)
 *   snapshots/&lt;commit&gt;/&lt;path&gt;     relative symlinks ../../blobs/&lt;etag&gt; (deeper paths add ../)
 *   .no_exist/&lt;commit&gt;/&lt;path&gt;     empty marker: the hub said this file does not exist
 * </pre>
 */
public final class HfCache {
  private final Path root;

  public HfCache(Path root) {
    this.root = root;
  }

  /** The hub cache of the current environment. */
  public static Path defaultRoot() {
    return defaultRoot(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /**
   * {@code HF_HUB_CACHE}, else {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub}, else
   * {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub} (huggingface_hub
   * {@code constants.py}).
   */
  public static Path defaultRoot(Map<String, String> env, Path userHome) {
    for (String key : new String[] {"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"}) {
      String v = env.get(key);
      if (v != null && !v.isBlank()) {
        return expand(v, userHome);
      }
    }
    return hfHome(env, userHome).resolve("hub");
  }

  /**
   * {@code HF_HOME}, else {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}.
   */
  public static Path hfHome(Map<String, String> env, Path userHome) {
    String home = env.get("HF_HOME");
    if (home != null && !home.isBlank()) {
      return expand(home, userHome);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path cache = xdg != null && !xdg.isBlank() ? expand(xdg, userHome) : userHome.resolve(".cache");
    return cache.resolve("huggingface");
  }

  private static Path expand(String p, Path userHome) {
    return p.equals("~") || p.startsWith("~/")
        ? userHome.resolve(p.substring(Math.min(2, p.length())))
        : Path.of(p);
  }

  public Path root() {
    return root;
  }

  /** {@code models--owner--name}. */
  public Path repoDir(String repoId) {
    return root.resolve("models--" + repoId.replace("/", "--"));
  }

  /**
   * The commit a revision points to in the cache: itself if a commit hash, else refs/&lt;rev&gt;.
   */
  public Optional<String> commitFor(String repoId, String revision) throws IOException {
    if (HfSpec.isCommit(revision)) {
      return Optional.of(revision);
    }
    Path ref = repoDir(repoId).resolve("refs").resolve(revision);
    if (!Files.isRegularFile(ref)) {
      return Optional.empty();
    }
    String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
    if (!HfSpec.isCommit(commit)) {
      // it becomes a folder name under snapshots/
      throw new IOException(ref + ": holds '" + commit + "', not a commit id (40 hex characters)");
    }
    return Optional.of(commit);
  }

  /** {@code snapshots/<commit>/<file>}, whether or not it exists. */
  public Path pointerPath(String repoId, String commit, String file) {
    return repoDir(repoId).resolve("snapshots").resolve(commit).resolve(file);
  }

  public Path blobPath(String repoId, String etag) {
    return repoDir(repoId).resolve("blobs").resolve(etag);
  }

  /** A cached file for a revision, if present (following refs for branches and tags). */
  public Optional<Path> cachedFile(String repoId, String revision, String file) throws IOException {
    Optional<String> commit = commitFor(repoId, revision);
    if (commit.isEmpty()) {
      return Optional.empty();
    }
    Path p = pointerPath(repoId, commit.get(), file);
    return Files.exists(p) ? Optional.of(p) : Optional.empty();
  }

  /** Whether the hub said (and the cache remembers) that the file does not exist at the commit. */
  public boolean knownMissing(String repoId, String revision, String file) throws IOException {
    Optional<String> commit = commitFor(repoId, revision);
    return commit.isPresent()
        && Files.isRegularFile(
            repoDir(repoId).resolve(".no_exist").resolve(commit.get()).resolve(file));
  }

  /**
   * Opens (creating) {@code .locks/models--owner--name/<etag>.lock}, huggingface_hub's lock path.
   */
  FileChannel openLock(String repoId, String etag) throws IOException {
    Path lock =
        root.resolve(".locks").resolve(repoDir(repoId).getFileName()).resolve(etag + ".lock");
    Files.createDirectories(lock.getParent());
    return FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
  }

  /** Records that the hub has no such file at this commit. */
  void markMissing(String repoId, String commit, String file) throws IOException {
    Path marker = repoDir(repoId).resolve(".no_exist").resolve(commit).resolve(file);
    Files.createDirectories(marker.getParent());
    if (!Files.exists(marker)) {
      Files.createFile(marker);
    }
  }

  /** Writes refs/&lt;revision&gt; atomically when the revision is a branch or tag. */
  void writeRef(String repoId, String revision, String commit) throws IOException {
    if (revision.equals(commit)) {
      return;
    }
    if (HfSpec.revisionProblem(revision).isPresent() || !HfSpec.isCommit(commit)) {
      throw new IOException(
          "refusing to write refs/" + revision + " = '" + commit + "' in " + repoDir(repoId));
    }
    Path ref = repoDir(repoId).resolve("refs").resolve(revision);
    if (Files.isRegularFile(ref) && Files.readString(ref).equals(commit)) {
      return;
    }
    Files.createDirectories(ref.getParent());
    Path tmp =
        ref.resolveSibling(
            ref.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
    Files.writeString(tmp, commit, StandardCharsets.UTF_8); // no newline, as huggingface_hub writes
    moveAtomically(tmp, ref);
  }

  /**
   * Points snapshots/&lt;commit&gt;/&lt;file&gt; at the blob with a relative symlink, made under a
   * temporary name and renamed into place, so a concurrent caller that already returned the pointer
   * never sees it missing.
   */
  void link(Path blob, Path pointer) throws IOException {
    Files.createDirectories(pointer.getParent());
    Path relative = pointer.getParent().toAbsolutePath().relativize(blob.toAbsolutePath());
    Path tmp =
        pointer.resolveSibling(
            pointer.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
    try {
      Files.createSymbolicLink(tmp, relative);
    } catch (UnsupportedOperationException | IOException e) {
      // no symlinks on this file system: copy, as huggingface_hub does
      Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
    }
    moveAtomically(tmp, pointer);
  }

  static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
