package dev.saescope.runtime.hub;

import java.io.IOException;

/** A file that cannot be had from the Hugging Face hub or its cache; the message says why. */
public final class HubException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why, so callers can treat a missing optional file differently from a failure. */
  public enum Kind {
    /** The repository has no such file at that revision (404 EntryNotFound or cached as such). */
    ENTRY_NOT_FOUND,
    /** No such repository, or it is private and no valid token was sent (404/401 RepoNotFound). */
    REPO_NOT_FOUND,
    /** The token was refused (401 without RepoNotFound). */
    UNAUTHORIZED,
    /** The repository is gated: its terms must be accepted on the website (403 GatedRepo). */
    GATED,
    /** No such branch, tag or commit (404 RevisionNotFound). */
    REVISION_NOT_FOUND,
    /** Offline and the file is not in the cache. */
    NOT_CACHED_OFFLINE,
    /** The hub could not be reached and the file is not in the cache. */
    UNREACHABLE,
    /** Anything else: bad responses, size or checksum mismatches, I/O errors. */
    FAILED
  }

  private final Kind kind;

  public HubException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public HubException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
