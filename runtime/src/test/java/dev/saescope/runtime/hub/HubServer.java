package dev.saescope.runtime.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 that answers {@code /{repo}/resolve/{revision}/{path}} the way
 * huggingface.co does (as read by huggingface_hub's {@code get_hf_file_metadata}): {@code
 * X-Repo-Commit}; regular files answered directly with a quoted git-blob-sha1 {@code ETag}; LFS
 * files (names ending .safetensors, .gguf, .npz) answered with a 302 to a "CDN" on another host
 * name ({@code localhost}) plus {@code X-Linked-Etag} (sha256) and {@code X-Linked-Size}; errors
 * with {@code X-Error-Code} / {@code X-Error-Message}. The CDN honours {@code Range}.
 */
final class HubServer implements AutoCloseable {
  /** One repository: its commit, files, and who may read it. */
  record Repo(String commit, Map<String, byte[]> files, String requiredToken, boolean gated) {}

  final Map<String, Repo> repos = new ConcurrentHashMap<>();

  /** Old repository names that redirect (relative Location) to a new name, like renamed repos. */
  final Map<String, String> renamed = new ConcurrentHashMap<>();

  /** Authorization header of each request, by path ("" when absent). */
  final List<String> log = new CopyOnWriteArrayList<>();

  /** When > 0, the next CDN response stops after this many bytes (a dropped connection). */
  volatile long cutAfter = -1;

  /** When true, the CDN serves corrupted bytes. */
  volatile boolean corrupt = false;

  final AtomicInteger cdnRequests = new AtomicInteger();

  /** When true, every revision resolves to the repository's commit, as if it were main. */
  volatile boolean anyRevision = false;

  private final HttpServer server;
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();

  HubServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The endpoint, as HF_ENDPOINT would name it. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  void add(String repoId, Repo repo) {
    repos.put(repoId, repo);
  }

  static boolean isLfs(String path) {
    return path.endsWith(".safetensors") || path.endsWith(".gguf") || path.endsWith(".npz");
  }

  static String sha256(byte[] b) {
    return hex("SHA-256", b);
  }

  /** The git blob id the hub uses as ETag of non-LFS files. */
  static String gitSha1(byte[] b) {
    byte[] head = ("blob " + b.length + "\0").getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[head.length + b.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(b, 0, all, head.length, b.length);
    return hex("SHA-1", all);
  }

  private static String hex(String algo, byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algo).digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      log.add(
          ex.getRequestMethod()
              + " "
              + ex.getRequestURI().getHost()
              + path
              + " auth="
              + (auth == null ? "" : auth));
      if (path.startsWith("/cdn/")) {
        cdn(ex, path.substring(5));
        return;
      }
      String[] parts = path.split("/", 6); // "", owner, name, "resolve", rev, file
      if (parts.length < 6 || !parts[3].equals("resolve")) {
        send(ex, 404, Map.of(), null);
        return;
      }
      String repoId = parts[1] + "/" + parts[2];
      if (renamed.containsKey(repoId)) {
        String to = "/" + renamed.get(repoId) + "/resolve/" + parts[4] + "/" + parts[5];
        send(ex, 307, Map.of("Location", to), null);
        return;
      }
      Repo repo = repos.get(repoId);
      String token = auth == null ? null : auth.replaceFirst("^Bearer ", "");
      if (repo == null || (repo.requiredToken() != null && !repo.requiredToken().equals(token))) {
        send(
            ex,
            401,
            Map.of("X-Error-Code", "RepoNotFound", "X-Error-Message", "Repository not found"),
            null);
        return;
      }
      if (repo.gated() && token == null) {
        send(
            ex,
            401,
            Map.of(
                "X-Error-Code",
                "GatedRepo",
                "X-Error-Message",
                "Access to model " + repoId + " is restricted."),
            null);
        return;
      }
      String rev = java.net.URLDecoder.decode(parts[4], StandardCharsets.UTF_8);
      if (!rev.equals("main") && !rev.equals(repo.commit()) && !anyRevision) {
        send(
            ex,
            404,
            Map.of("X-Error-Code", "RevisionNotFound", "X-Error-Message", "Invalid rev id: " + rev),
            null);
        return;
      }
      String file = java.net.URLDecoder.decode(parts[5], StandardCharsets.UTF_8);
      byte[] body = repo.files().get(file);
      if (body == null) {
        send(
            ex,
            404,
            Map.of(
                "X-Error-Code",
                "EntryNotFound",
                "X-Repo-Commit",
                repo.commit(),
                "X-Error-Message",
                "Entry not found"),
            null);
        return;
      }
      if (isLfs(file)) {
        String sha = sha256(body);
        blobs.put(sha, body);
        String cdn = "http://localhost:" + server.getAddress().getPort() + "/cdn/" + sha;
        send(
            ex,
            302,
            Map.of(
                "Location",
                cdn,
                "X-Repo-Commit",
                repo.commit(),
                "X-Linked-Etag",
                "\"" + sha + "\"",
                "X-Linked-Size",
                String.valueOf(body.length),
                "ETag",
                "\"" + gitSha1(("pointer " + sha).getBytes(StandardCharsets.UTF_8)) + "\""),
            null);
        return;
      }
      send(
          ex,
          200,
          Map.of("X-Repo-Commit", repo.commit(), "ETag", "\"" + gitSha1(body) + "\""),
          body);
    }
  }

  private void cdn(HttpExchange ex, String sha) throws IOException {
    cdnRequests.incrementAndGet();
    byte[] body = blobs.get(sha);
    if (body == null) {
      send(ex, 404, Map.of(), null);
      return;
    }
    if (corrupt) {
      body = body.clone();
      body[body.length / 2] ^= 1;
    }
    String range = ex.getRequestHeaders().getFirst("Range");
    int from = 0;
    int status = 200;
    if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
      from = Integer.parseInt(range.substring(6, range.length() - 1));
      status = 206;
      ex.getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
    }
    int len = body.length - from;
    ex.sendResponseHeaders(status, len);
    long cut = cutAfter;
    cutAfter = -1;
    try (OutputStream os = ex.getResponseBody()) {
      if (cut > 0 && cut < len) {
        os.write(body, from, (int) cut);
        os.flush();
        throw new IOException("simulated dropped connection");
      }
      os.write(body, from, len);
    }
  }

  private static void send(HttpExchange ex, int status, Map<String, String> headers, byte[] body)
      throws IOException {
    headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    boolean head = ex.getRequestMethod().equals("HEAD");
    if (head && body != null) {
      ex.getResponseHeaders().add("Content-Length", String.valueOf(body.length));
    }
    if (head || body == null) {
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
