package dev.saescope.runtime.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.saescope.runtime.hub.HubException.Kind;
import dev.saescope.runtime.weights.RelativeName;
import dev.saescope.runtime.weights.WeightsException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets files of Hugging Face hub repositories through the standard cache ({@link HfCache}),
 * downloading what is missing the way {@code huggingface_hub.hf_hub_download} does.
 *
 * <p>Protocol ({@code huggingface_hub/file_download.py}, {@code get_hf_file_metadata}): {@code HEAD
 * {endpoint}/{repo}/resolve/{revision}/{file}} with {@code Accept-Encoding: identity}, following
 * only redirects that stay on the hub host; the response carries {@code X-Repo-Commit} (the commit
 * the revision resolves to), {@code X-Linked-Etag} or {@code ETag} (the blob name; the sha256 for
 * LFS files), {@code X-Linked-Size} or {@code Content-Length}, and for LFS files a 302 to a CDN.
 * The token goes only to the hub host, never to the CDN. Errors carry {@code X-Error-Code}
 * (RepoNotFound, EntryNotFound, RevisionNotFound, GatedRepo). A blob is written to {@code
 * blobs/<etag>.incomplete} (resumed with a Range request if a previous run was cut off), checked
 * against the size and, for sha256 ETags, the hash, then moved into place and linked from {@code
 * snapshots/<commit>/<file>}.
 *
 * <p>When offline, or when the hub cannot be reached, cached files are used as they are.
 */
public final class HfHub {
  private static final Logger LOG = LoggerFactory.getLogger(HfHub.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Optional<String> BAD_TYPE = Optional.of("is not a string");

  /**
   * Where and how to reach the hub.
   *
   * @param cacheDir the hub cache ({@link HfCache#defaultRoot()})
   * @param endpoint {@code HF_ENDPOINT}, default https://huggingface.co
   * @param token {@code HF_TOKEN} (or the token file huggingface-cli login writes), may be empty
   * @param offline never touch the network ({@code --offline}, {@code HF_HUB_OFFLINE=1})
   * @param timeout connect and metadata timeout
   */
  public record Settings(
      Path cacheDir, URI endpoint, Optional<String> token, boolean offline, Duration timeout) {

    /** Settings from the environment; {@code offlineFlag} forces offline mode. */
    public static Settings fromEnvironment(boolean offlineFlag) {
      return fromEnvironment(
          System.getenv(), Path.of(System.getProperty("user.home")), offlineFlag);
    }

    public static Settings fromEnvironment(
        Map<String, String> env, Path userHome, boolean offlineFlag) {
      String endpoint = env.getOrDefault("HF_ENDPOINT", "https://huggingface.co");
      while (endpoint.endsWith("/")) {
        endpoint = endpoint.substring(0, endpoint.length() - 1);
      }
      boolean offline =
          offlineFlag
              || truthy(env.get("HF_HUB_OFFLINE"))
              || truthy(env.get("TRANSFORMERS_OFFLINE"));
      return new Settings(
          HfCache.defaultRoot(env, userHome),
          URI.create(endpoint),
          token(env, userHome),
          offline,
          Duration.ofSeconds(10));
    }

    private static boolean truthy(String v) {
      return v != null
          && Set.of("1", "on", "yes", "true").contains(v.trim().toLowerCase(Locale.ROOT));
    }

    private static Optional<String> token(Map<String, String> env, Path userHome) {
      for (String key : new String[] {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
        String v = env.get(key);
        if (v != null && !v.isBlank()) {
          return Optional.of(v.trim());
        }
      }
      String pathEnv = env.get("HF_TOKEN_PATH");
      Path file =
          pathEnv != null && !pathEnv.isBlank()
              ? Path.of(pathEnv)
              : HfCache.hfHome(env, userHome).resolve("token");
      try {
        if (Files.isRegularFile(file)) {
          String t = Files.readString(file).trim();
          return t.isEmpty() ? Optional.empty() : Optional.of(t);
        }
      } catch (IOException e) {
        LOG.warn("cannot read the Hugging Face token file {}: {}", file, e.toString());
      }
      return Optional.empty();
    }
  }

  private final Settings settings;
  private final HfCache cache;
  private static final Map<Path, ReentrantLock> BLOB_LOCKS = new ConcurrentHashMap<>();

  private final HubHttp net;

  /**
   * @param settings endpoint, token, cache, offline
   * @param progress where download progress is printed (a command's stdout), or null for the log
   */
  public HfHub(Settings settings, PrintStream progress) {
    this.settings = settings;
    this.cache = new HfCache(settings.cacheDir());
    this.net = new HubHttp(settings, cache, progress);
  }

  /**
   * Resolves an {@code hf:owner/name[@revision][/subpath]} spec to a local file or model folder
   * with the environment's settings, downloading what is missing unless offline.
   *
   * @param progress where download progress goes, or null for the log
   * @throws WeightsException naming the spec and saying why it cannot be had
   */
  public static Path localPath(String spec, boolean offline, PrintStream progress)
      throws WeightsException {
    HfSpec parsed;
    try {
      parsed = HfSpec.parse(spec);
    } catch (IllegalArgumentException e) {
      throw new WeightsException(Path.of(spec), e.getMessage(), e);
    }
    try {
      return new HfHub(Settings.fromEnvironment(offline), progress).resolve(parsed);
    } catch (HubException e) {
      throw new WeightsException(Path.of(spec), e.getMessage(), e);
    }
  }

  public HfCache cache() {
    return cache;
  }

  /**
   * A spec's local path: a file spec ({@code .../x.gguf}) gives that file, a folder spec the
   * snapshot folder holding the model files ({@link #modelFolder}).
   */
  public Path resolve(HfSpec spec) throws HubException {
    String last = spec.subpath().substring(spec.subpath().lastIndexOf('/') + 1);
    if (last.contains(".") && !spec.subpath().isEmpty()) {
      return file(spec.repoId(), spec.revision(), spec.subpath());
    }
    return modelFolder(spec);
  }

  /**
   * Makes a Hugging Face model folder available: {@code config.json}, {@code tokenizer.json},
   * {@code tokenizer_config.json} if the repository has it, and the safetensors weights (the single
   * file {@code model.safetensors}, else the shards listed by {@code
   * model.safetensors.index.json}). All files come from the one commit the revision resolves to
   * first.
   *
   * @return {@code snapshots/<commit>/<subpath>}
   */
  public Path modelFolder(HfSpec spec) throws HubException {
    Path config = file(spec.repoId(), spec.revision(), spec.inRepo("config.json"));
    // pin the rest to the commit config.json came from
    Path snapshot = snapshotOf(spec.repoId(), config, spec.inRepo("config.json"));
    String rev = snapshot.getFileName().toString();
    file(spec.repoId(), rev, spec.inRepo("tokenizer.json"));
    optionalFile(spec.repoId(), rev, spec.inRepo("tokenizer_config.json"));
    // The single file first, as transformers asks: a cache it filled for a single-file model has
    // model.safetensors and no "does not exist" marker for the index.
    Optional<Path> single;
    try {
      single = optionalFile(spec.repoId(), rev, spec.inRepo("model.safetensors"));
    } catch (HubException e) {
      if (e.kind() != Kind.NOT_CACHED_OFFLINE) {
        throw e;
      }
      single =
          Optional.empty(); // offline, and a snapshot_download of a sharded model: try the index
    }
    if (single.isEmpty()) {
      Path index = file(spec.repoId(), rev, spec.inRepo("model.safetensors.index.json"));
      for (String shard : shards(index)) {
        file(spec.repoId(), rev, spec.inRepo(shard));
      }
    }
    LOG.debug("{} -> {}", spec, snapshot);
    return spec.subpath().isEmpty() ? snapshot : snapshot.resolve(spec.subpath());
  }

  private Path snapshotOf(String repoId, Path pointer, String file) {
    Path p = pointer;
    for (int i = 0; i < file.split("/").length; i++) {
      p = p.getParent();
    }
    return p;
  }

  private static List<String> shards(Path index) throws HubException {
    try {
      JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
      Set<String> files = new LinkedHashSet<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String shard = e.getValue().asText();
        // the shard name comes from the network and becomes a path in the snapshot folder
        Optional<String> bad = e.getValue().isTextual() ? RelativeName.problem(shard) : BAD_TYPE;
        if (bad.isPresent()) {
          throw new HubException(
              Kind.FAILED,
              index
                  + ": weight_map entry '"
                  + e.getKey()
                  + "' names shard '"
                  + e.getValue()
                  + "', which "
                  + bad.get()
                  + "; expected a file name inside the repository");
        }
        files.add(shard);
      }
      if (files.isEmpty()) {
        throw new HubException(Kind.FAILED, index + ": no weight_map in the safetensors index");
      }
      return new ArrayList<>(files);
    } catch (IOException e) {
      if (e instanceof HubException he) {
        throw he;
      }
      throw new HubException(Kind.FAILED, index + ": cannot read the safetensors index: " + e, e);
    }
  }

  /** Like {@link #file} but empty when the repository has no such file. */
  public Optional<Path> optionalFile(String repoId, String revision, String file)
      throws HubException {
    try {
      return Optional.of(file(repoId, revision, file));
    } catch (HubException e) {
      if (e.kind() == Kind.ENTRY_NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * One file of a repository at a revision: from the cache if present, else downloaded into it.
   *
   * @throws HubException saying whether the file, repository or revision is missing, access is
   *     refused, or the file is not cached while offline
   */
  public Path file(String repoId, String revision, String file) throws HubException {
    String what = repoId + "@" + revision + ": " + file;
    requireUsableNames(repoId, revision, file);
    try {
      if (HfSpec.isCommit(revision)) {
        Path pointer = cache.pointerPath(repoId, revision, file);
        if (Files.exists(pointer)) {
          return pointer;
        }
      }
      if (settings.offline()) {
        return fromCache(repoId, revision, file)
            .orElseThrow(
                () ->
                    new HubException(
                        Kind.NOT_CACHED_OFFLINE,
                        what
                            + " is not in the Hugging Face cache "
                            + cache.root()
                            + " and saescope is offline (--offline or HF_HUB_OFFLINE=1); run once"
                            + " online or download it with huggingface_hub"));
      }
      HubHttp.Meta meta;
      try {
        meta = net.head(repoId, revision, file);
      } catch (ConnectException | HttpTimeoutException e) {
        Optional<Path> cached = fromCache(repoId, revision, file);
        if (cached.isPresent()) {
          LOG.warn("cannot reach {} ({}); using the cached {}", settings.endpoint(), e, what);
          return cached.get();
        }
        throw new HubException(
            Kind.UNREACHABLE,
            "cannot reach "
                + settings.endpoint()
                + " ("
                + e
                + ") and "
                + what
                + " is not in the Hugging Face cache "
                + cache.root(),
            e);
      }
      Path pointer = cache.pointerPath(repoId, meta.commit(), file);
      cache.writeRef(repoId, revision, meta.commit());
      if (Files.exists(pointer)) {
        return pointer;
      }
      Path blob = cache.blobPath(repoId, meta.etag());
      if (!Files.exists(blob)) {
        Files.createDirectories(blob.getParent());
        downloadOnce(meta, blob, what, repoId);
      }
      cache.link(blob, pointer);
      return pointer;
    } catch (HubException e) {
      throw e;
    } catch (IOException e) {
      throw new HubException(Kind.FAILED, what + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException(Kind.FAILED, what + ": interrupted", e);
    }
  }

  /**
   * Refuses names that would make a cache path outside the repository's folder: the repository,
   * revision and file name all become path segments ({@link HfCache}). huggingface_hub refuses the
   * same ({@code validate_repo_id}, {@code _get_pointer_path}).
   */
  private static void requireUsableNames(String repoId, String revision, String file)
      throws HubException {
    Optional<String> bad = HfSpec.repoIdProblem(repoId);
    String which = "repository id '" + repoId + "'";
    if (bad.isEmpty()) {
      bad = HfSpec.revisionProblem(revision);
      which = repoId + ": revision '" + revision + "'";
    }
    if (bad.isEmpty()) {
      bad = RelativeName.problem(file);
      which = repoId + "@" + revision + ": file name '" + file + "'";
    }
    if (bad.isPresent()) {
      throw new HubException(Kind.FAILED, "refusing " + which + ": it " + bad.get());
    }
  }

  /**
   * Downloads a blob unless another thread or process does it first: a JVM-wide lock per blob
   * (FileChannel locks are per process and throw on overlap within one), then a file lock where
   * huggingface_hub puts its own ({@code .locks/<repo>/<etag>.lock}).
   */
  private void downloadOnce(HubHttp.Meta meta, Path blob, String what, String repoId)
      throws IOException, InterruptedException {
    ReentrantLock inJvm =
        BLOB_LOCKS.computeIfAbsent(blob.toAbsolutePath(), p -> new ReentrantLock());
    inJvm.lockInterruptibly();
    try (FileChannel lockFile = cache.openLock(repoId, meta.etag());
        FileLock lock = lockFile.lock()) {
      if (!Files.exists(blob)) { // someone may have finished it while we waited
        net.download(meta, blob, what);
      }
    } finally {
      inJvm.unlock();
    }
  }

  private Optional<Path> fromCache(String repoId, String revision, String file)
      throws IOException, HubException {
    Optional<Path> cached = cache.cachedFile(repoId, revision, file);
    if (cached.isEmpty() && cache.knownMissing(repoId, revision, file)) {
      throw new HubException(
          Kind.ENTRY_NOT_FOUND, repoId + "@" + revision + ": " + file + " does not exist (cached)");
    }
    return cached;
  }
}
