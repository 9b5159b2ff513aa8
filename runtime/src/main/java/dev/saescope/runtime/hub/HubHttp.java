package dev.saescope.runtime.hub;

import dev.saescope.runtime.hub.HubException.Kind;
import dev.saescope.runtime.weights.RelativeName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP half of {@link HfHub}: the metadata request against {@code resolve} URLs, the mapping of
 * the hub's error responses to {@link HubException}s, and resumable, verified blob downloads. The
 * protocol is described on {@link HfHub}.
 */
final class HubHttp {
  private static final Logger LOG = LoggerFactory.getLogger(HubHttp.class);
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final int MAX_REDIRECTS = 10;

  /** What the hub says about one file. */
  record Meta(String commit, String etag, long size, URI downloadUrl) {}

  private final HfHub.Settings settings;
  private final HfCache cache;
  private final HttpClient http;
  private final PrintStream progress; // may be null: progress goes to the log

  HubHttp(HfHub.Settings settings, HfCache cache, PrintStream progress) {
    this.settings = settings;
    this.cache = cache;
    this.progress = progress;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(settings.timeout())
            // redirects are followed by hand: only hub-internal ones keep the token
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  private URI resolveUrl(String repoId, String revision, String file) {
    StringBuilder path = new StringBuilder();
    for (String seg : file.split("/")) {
      path.append('/').append(encode(seg));
    }
    return URI.create(settings.endpoint() + "/" + repoId + "/resolve/" + encode(revision) + path);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private boolean isHubHost(URI u) {
    URI e = settings.endpoint();
    return u.getHost() != null
        && u.getHost().equalsIgnoreCase(e.getHost())
        && u.getPort() == e.getPort()
        && u.getScheme().equalsIgnoreCase(e.getScheme());
  }

  private HttpRequest.Builder request(URI url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url).header("User-Agent", "saescope/0.1 (java)");
    if (isHubHost(url)) {
      settings.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
    }
    return b;
  }

  Meta head(String repoId, String revision, String file) throws IOException, InterruptedException {
    URI url = resolveUrl(repoId, revision, file);
    for (int hop = 0; hop < MAX_REDIRECTS; hop++) {
      HttpRequest req =
          request(url)
              .method("HEAD", HttpRequest.BodyPublishers.noBody())
              .header("Accept-Encoding", "identity") // the real size, not a compressed one
              .timeout(settings.timeout())
              .build();
      HttpResponse<Void> resp = http.send(req, HttpResponse.BodyHandlers.discarding());
      int status = resp.statusCode();
      if (status >= 400) {
        throw httpError(resp, repoId, revision, file);
      }
      Optional<String> location = resp.headers().firstValue("Location");
      URI next = location.map(url::resolve).orElse(null);
      if (status >= 300 && next != null && isHubHost(next)) {
        url = next; // e.g. a renamed repository: stays on the hub, keeps the token
        continue;
      }
      String what = repoId + "@" + revision + ": " + file;
      String commit =
          resp.headers()
              .firstValue("X-Repo-Commit")
              .orElseThrow(
                  () ->
                      new HubException(
                          Kind.FAILED,
                          what
                              + ": the response from "
                              + settings.endpoint()
                              + " has no"
                              + " X-Repo-Commit header; is HF_ENDPOINT a Hugging Face hub?"));
      String etag =
          resp.headers()
              .firstValue("X-Linked-Etag")
              .or(() -> resp.headers().firstValue("ETag"))
              .map(HubHttp::normalizeEtag)
              .orElseThrow(() -> new HubException(Kind.FAILED, what + ": no ETag in the response"));
      requireCommit(what, commit);
      if (etag.contains("/") || RelativeName.problem(etag).isPresent()) {
        // it becomes the blob's file name
        throw new HubException(Kind.FAILED, what + ": unusable ETag '" + etag + "'");
      }
      long size =
          resp.headers()
              .firstValue("X-Linked-Size")
              .or(
                  () ->
                      status >= 300
                          ? Optional.empty()
                          : resp.headers().firstValue("Content-Length"))
              .map(Long::parseLong)
              .orElse(-1L);
      return new Meta(commit, etag, size, status >= 300 && next != null ? next : url);
    }
    throw new HubException(Kind.FAILED, "too many redirects resolving " + repoId + ": " + file);
  }

  /**
   * Refuses an {@code X-Repo-Commit} that is not a commit id: it becomes a folder name under {@code
   * snapshots/} and the content of {@code refs/<revision>}, so {@code ../../x} would write outside
   * the cache.
   */
  private void requireCommit(String what, String commit) throws HubException {
    if (!HfSpec.isCommit(commit)) {
      throw new HubException(
          Kind.FAILED,
          what
              + ": "
              + settings.endpoint()
              + " answered X-Repo-Commit '"
              + commit
              + "', which is not a commit id (40 lower-case hex characters)");
    }
  }

  /**
   * {@code W/"abc"} and {@code "abc"} become {@code abc} (huggingface_hub {@code _normalize_etag}).
   */
  static String normalizeEtag(String etag) {
    String e = etag.trim();
    if (e.startsWith("W/")) {
      e = e.substring(2);
    }
    return e.replace("\"", "");
  }

  private HubException httpError(HttpResponse<?> resp, String repoId, String revision, String file)
      throws IOException {
    int status = resp.statusCode();
    String code = resp.headers().firstValue("X-Error-Code").orElse("");
    String message =
        resp.headers().firstValue("X-Error-Message").map(m -> " (" + m + ")").orElse("");
    String what = repoId + "@" + revision + ": " + file;
    if (code.equals("EntryNotFound") || (status == 404 && code.isEmpty())) {
      Optional<String> commit = resp.headers().firstValue("X-Repo-Commit");
      if (commit.isPresent()) {
        requireCommit(what, commit.get());
        cache.markMissing(repoId, commit.get(), file);
        cache.writeRef(repoId, revision, commit.get());
      }
      return new HubException(Kind.ENTRY_NOT_FOUND, what + " does not exist (HTTP " + status + ")");
    }
    if (code.equals("RevisionNotFound")) {
      return new HubException(
          Kind.REVISION_NOT_FOUND,
          "revision '"
              + revision
              + "' of "
              + repoId
              + " does not exist (HTTP "
              + status
              + ")"
              + message);
    }
    if (code.equals("GatedRepo")) {
      return new HubException(
          Kind.GATED,
          repoId
              + " is gated (HTTP "
              + status
              + "): accept its terms on "
              + settings.endpoint()
              + "/"
              + repoId
              + " and set HF_TOKEN to a token of that account"
              + message);
    }
    if (code.equals("RepoNotFound") || status == 401) {
      String auth =
          settings.token().isPresent()
              ? "the token in HF_TOKEN was sent; check it can read this repository"
              : "no token was sent; set HF_TOKEN if the repository is private or gated";
      return new HubException(
          code.equals("RepoNotFound") ? Kind.REPO_NOT_FOUND : Kind.UNAUTHORIZED,
          "repository "
              + repoId
              + " not found or not accessible (HTTP "
              + status
              + "): "
              + auth
              + message);
    }
    return new HubException(Kind.FAILED, what + ": HTTP " + status + message);
  }

  void download(Meta meta, Path blob, String what) throws IOException, InterruptedException {
    Path incomplete = blob.resolveSibling(blob.getFileName() + ".incomplete");
    long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
    if (meta.size() >= 0 && have > meta.size()) {
      Files.delete(incomplete);
      have = 0;
    }
    URI url = meta.downloadUrl();
    HttpResponse<InputStream> resp = null;
    for (int hop = 0; hop < MAX_REDIRECTS; hop++) {
      HttpRequest.Builder b = request(url).GET();
      if (have > 0) {
        b.header("Range", "bytes=" + have + "-");
      }
      resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      Optional<String> location = resp.headers().firstValue("Location");
      if (resp.statusCode() >= 300 && resp.statusCode() < 400 && location.isPresent()) {
        resp.body().close();
        url = url.resolve(location.get());
        continue;
      }
      break;
    }
    int status = resp.statusCode();
    if (status == 416 && have == meta.size()) {
      resp.body().close(); // already complete from an earlier run
    } else if (status == 200 || status == 206) {
      boolean append = status == 206 && have > 0;
      if (!append) {
        have = 0;
      }
      long total =
          meta.size() >= 0
              ? meta.size()
              : resp.headers().firstValueAsLong("Content-Length").orElse(-1);
      say(
          "downloading "
              + what
              + (total >= 0 ? " (" + mb(total) + ")" : "")
              + (append ? ", resuming at " + mb(have) : ""));
      try (InputStream in = resp.body();
          OutputStream out =
              Files.newOutputStream(
                  incomplete,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
        byte[] buf = new byte[1 << 16];
        long done = have;
        long nextReport = reportStep(total, done);
        int n;
        while ((n = in.read(buf)) > 0) {
          out.write(buf, 0, n);
          done += n;
          if (done >= nextReport && total > 0) {
            say(String.format("  %3d%%  %s of %s", done * 100 / total, mb(done), mb(total)));
            nextReport = reportStep(total, done);
          }
        }
      }
    } else {
      resp.body().close();
      throw new HubException(
          Kind.FAILED, what + ": download from " + url + " failed: HTTP " + status);
    }
    long size = Files.size(incomplete);
    if (meta.size() >= 0 && size != meta.size()) {
      throw new HubException(
          Kind.FAILED,
          what
              + ": got "
              + size
              + " bytes, the hub announced "
              + meta.size()
              + " (partial file kept for resuming: "
              + incomplete
              + ")");
    }
    if (SHA256.matcher(meta.etag()).matches()) {
      String sha = Provisioner.sha256(incomplete);
      if (!sha.equals(meta.etag())) {
        Files.delete(incomplete);
        throw new HubException(
            Kind.FAILED, what + ": SHA-256 " + sha + " does not match the hub's " + meta.etag());
      }
    }
    HfCache.moveAtomically(incomplete, blob);
    say("  done: " + what + " -> " + blob);
  }

  /** Next byte count to report at: every 10% of files of 8 MB or more, never for small ones. */
  private static long reportStep(long total, long done) {
    return total < (8 << 20) ? Long.MAX_VALUE : done + total / 10;
  }

  private void say(String line) {
    if (progress != null) {
      progress.println(line);
    } else {
      LOG.info(line);
    }
  }

  private static String mb(long bytes) {
    return String.format("%.1f MB", bytes / 1e6);
  }
}
