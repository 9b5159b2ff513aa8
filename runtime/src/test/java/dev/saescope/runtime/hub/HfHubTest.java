package dev.saescope.runtime.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.runtime.config.ModelConfig;
import dev.saescope.runtime.config.ModelConfig.AttentionKind;
import dev.saescope.runtime.hub.HubException.Kind;
import dev.saescope.runtime.weights.HfFolderWeights;
import dev.saescope.runtime.weights.RandomModelWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a local server speaking the hub's resolve protocol, into the HF cache layout. */
class HfHubTest {
  private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
  private static final String REPO = "acme/tiny-gemma";

  @TempDir Path tmp;
  private HubServer server;
  private Path cacheDir;
  private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    server = new HubServer();
    cacheDir = tmp.resolve("hub");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HfHub hub(Optional<String> token, boolean offline) {
    return new HfHub(
        new HfHub.Settings(cacheDir, server.endpoint(), token, offline, Duration.ofSeconds(5)),
        new PrintStream(progress, true, StandardCharsets.UTF_8));
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Map<String, byte[]> simpleFiles() {
    Map<String, byte[]> files = new HashMap<>();
    files.put("config.json", "{\"model_type\": \"gemma2\"}".getBytes(StandardCharsets.UTF_8));
    files.put("model.safetensors", random(300_000, 1));
    files.put("sub/dir/params.npz", random(1000, 2));
    return files;
  }

  @Test
  void regularAndLfsFilesLandInTheHuggingFaceLayout() throws Exception {
    Map<String, byte[]> files = simpleFiles();
    server.add(REPO, new HubServer.Repo(COMMIT, files, null, false));
    HfHub hub = hub(Optional.of("secret"), false);

    Path config = hub.file(REPO, "main", "config.json");
    Path weights = hub.file(REPO, "main", "model.safetensors");
    Path deep = hub.file(REPO, "main", "sub/dir/params.npz");

    Path repoDir = cacheDir.resolve("models--acme--tiny-gemma");
    assertEquals(COMMIT, Files.readString(repoDir.resolve("refs/main")), "refs/main, no newline");
    assertEquals(repoDir.resolve("snapshots/" + COMMIT + "/config.json"), config);
    assertTrue(Files.isSymbolicLink(config));
    String gitSha = HubServer.gitSha1(files.get("config.json"));
    assertEquals(Path.of("../../blobs/" + gitSha), Files.readSymbolicLink(config));
    String sha = HubServer.sha256(files.get("model.safetensors"));
    assertEquals(Path.of("../../blobs/" + sha), Files.readSymbolicLink(weights));
    assertEquals(
        Path.of("../../../../blobs/" + HubServer.sha256(files.get("sub/dir/params.npz"))),
        Files.readSymbolicLink(deep));
    assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(weights));
    assertArrayEquals(files.get("config.json"), Files.readAllBytes(config));
    try (Stream<Path> s = Files.list(repoDir.resolve("blobs"))) {
      assertFalse(s.anyMatch(p -> p.toString().endsWith(".incomplete")));
    }

    // the token goes to the hub host, never to the CDN host
    assertTrue(
        server.log.stream()
            .anyMatch(l -> l.startsWith("HEAD") && l.endsWith("auth=Bearer secret")));
    assertTrue(
        server.log.stream().filter(l -> l.contains("/cdn/")).allMatch(l -> l.endsWith("auth=")),
        server.log.toString());
    assertTrue(progress.toString().contains("downloading " + REPO + "@main: model.safetensors"));
  }

  @Test
  void cachedFilesAreUsedOfflineAndWhenTheHubIsDown() throws Exception {
    server.add(REPO, new HubServer.Repo(COMMIT, simpleFiles(), null, false));
    Path first = hub(Optional.empty(), false).file(REPO, "main", "model.safetensors");
    int cdn = server.cdnRequests.get();
    Path again = hub(Optional.empty(), false).file(REPO, "main", "model.safetensors");
    assertEquals(first, again);
    assertEquals(cdn, server.cdnRequests.get(), "no second download");

    assertEquals(first, hub(Optional.empty(), true).file(REPO, "main", "model.safetensors"));
    assertEquals(first, hub(Optional.empty(), true).file(REPO, COMMIT, "model.safetensors"));
    server.close();
    assertEquals(
        first,
        hub(Optional.empty(), false).file(REPO, "main", "model.safetensors"),
        "hub unreachable: falls back to the cache");
    HubException e =
        assertThrows(
            HubException.class,
            () -> hub(Optional.empty(), false).file(REPO, "main", "other.json"));
    assertEquals(Kind.UNREACHABLE, e.kind());
    assertTrue(e.getMessage().contains("cannot reach " + server.endpoint()), e.getMessage());
  }

  @Test
  void offlineWithAMissingFileSaysSo() throws Exception {
    HubException e =
        assertThrows(
            HubException.class,
            () -> hub(Optional.empty(), true).file(REPO, "main", "config.json"));
    assertEquals(Kind.NOT_CACHED_OFFLINE, e.kind());
    assertTrue(
        e.getMessage().contains(REPO + "@main: config.json is not in the Hugging Face cache"),
        e.getMessage());
    assertTrue(e.getMessage().contains("HF_HUB_OFFLINE=1"), e.getMessage());
    assertTrue(server.log.isEmpty(), "offline sends nothing: " + server.log);
  }

  @Test
  void privateRepoWithoutTokenGives401WithAClearMessage() throws Exception {
    server.add(REPO, new HubServer.Repo(COMMIT, simpleFiles(), "right", false));
    HubException e =
        assertThrows(
            HubException.class,
            () -> hub(Optional.empty(), false).file(REPO, "main", "config.json"));
    assertEquals(Kind.REPO_NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
    assertTrue(e.getMessage().contains("set HF_TOKEN"), e.getMessage());
    HubException wrong =
        assertThrows(
            HubException.class,
            () -> hub(Optional.of("wrong"), false).file(REPO, "main", "config.json"));
    assertTrue(wrong.getMessage().contains("the token in HF_TOKEN was sent"), wrong.getMessage());
    assertTrue(Files.exists(hub(Optional.of("right"), false).file(REPO, "main", "config.json")));
  }

  @Test
  void gatedRepoAndUnknownRevisionAreExplained() throws Exception {
    server.add(REPO, new HubServer.Repo(COMMIT, simpleFiles(), null, true));
    HubException gated =
        assertThrows(
            HubException.class,
            () -> hub(Optional.empty(), false).file(REPO, "main", "config.json"));
    assertEquals(Kind.GATED, gated.kind());
    assertTrue(gated.getMessage().contains("accept its terms"), gated.getMessage());
    HubException rev =
        assertThrows(
            HubException.class, () -> hub(Optional.of("t"), false).file(REPO, "v9", "config.json"));
    assertEquals(Kind.REVISION_NOT_FOUND, rev.kind());
    assertTrue(rev.getMessage().contains("revision 'v9' of " + REPO), rev.getMessage());
  }

  @Test
  void missingEntryIs404AndIsRememberedLikeHuggingfaceHub() throws Exception {
    server.add(REPO, new HubServer.Repo(COMMIT, simpleFiles(), null, false));
    HfHub hub = hub(Optional.empty(), false);
    HubException e = assertThrows(HubException.class, () -> hub.file(REPO, "main", "nope.json"));
    assertEquals(Kind.ENTRY_NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains(REPO + "@main: nope.json does not exist (HTTP 404)"));
    assertTrue(
        Files.exists(
            cacheDir.resolve("models--acme--tiny-gemma/.no_exist/" + COMMIT + "/nope.json")));
    assertEquals(
        Optional.empty(),
        hub(Optional.empty(), true).optionalFile(REPO, "main", "nope.json"),
        "offline, the .no_exist marker answers");
  }

  @Test
  void renamedRepositoryRedirectIsFollowedOnTheHub() throws Exception {
    server.add(REPO, new HubServer.Repo(COMMIT, simpleFiles(), null, false));
    server.renamed.put("acme/old-name", REPO);
    Path p = hub(Optional.of("tok"), false).file("acme/old-name", "main", "config.json");
    assertTrue(p.startsWith(cacheDir.resolve("models--acme--old-name")));
    assertEquals("{\"model_type\": \"gemma2\"}", Files.readString(p));
  }

  @Test
  void anInterruptedDownloadResumesWithARangeRequest() throws Exception {
    Map<String, byte[]> files = simpleFiles();
    server.add(REPO, new HubServer.Repo(COMMIT, files, null, false));
    server.cutAfter = 100_000;
    HubException e =
        assertThrows(
            HubException.class,
            () -> hub(Optional.empty(), false).file(REPO, "main", "model.safetensors"));
    assertEquals(Kind.FAILED, e.kind());
    String sha = HubServer.sha256(files.get("model.safetensors"));
    Path incomplete = cacheDir.resolve("models--acme--tiny-gemma/blobs/" + sha + ".incomplete");
    assertTrue(Files.size(incomplete) > 0, "partial download kept");
    assertFalse(Files.exists(incomplete.resolveSibling(sha)));

    Path p = hub(Optional.empty(), false).file(REPO, "main", "model.safetensors");
    assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(p));
    assertTrue(progress.toString().contains("resuming at"), progress.toString());
    assertFalse(Files.exists(incomplete));
  }

  @Test
  void aCorruptedDownloadIsRejectedByItsSha256() throws Exception {
    server.add(REPO, new HubServer.Repo(COMMIT, simpleFiles(), null, false));
    server.corrupt = true;
    HubException e =
        assertThrows(
            HubException.class,
            () -> hub(Optional.empty(), false).file(REPO, "main", "model.safetensors"));
    assertTrue(e.getMessage().contains("does not match the hub's"), e.getMessage());
    assertFalse(
        Files.exists(
            cacheDir.resolve(
                "models--acme--tiny-gemma/snapshots/" + COMMIT + "/model.safetensors")));
  }

  /** Repeated: a race between one caller reading the pointer and another re-linking it. */
  @RepeatedTest(20)
  void concurrentRequestsForOneBlobDownloadItOnce() throws Exception {
    Map<String, byte[]> files = simpleFiles();
    server.add(REPO, new HubServer.Repo(COMMIT, files, null, false));
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Path>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(
            pool.submit(
                () -> hub(Optional.empty(), false).file(REPO, "main", "model.safetensors")));
      }
      for (var f : results) {
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(f.get()));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, server.cdnRequests.get(), "one download for four callers");
  }

  /** The hub's X-Repo-Commit becomes a folder name: a path in it must not leave the cache. */
  @Test
  void aCommitHeaderThatIsNotACommitIdIsRefusedAndNothingIsWrittenOutsideTheCache()
      throws Exception {
    String evil = "../../../escaped";
    server.add(REPO, new HubServer.Repo(evil, simpleFiles(), null, false));
    for (String file : List.of("config.json", "model.safetensors", "absent.json")) {
      HubException e =
          assertThrows(
              HubException.class, () -> hub(Optional.empty(), false).file(REPO, "main", file));
      assertEquals(Kind.FAILED, e.kind(), file);
      assertTrue(e.getMessage().contains("X-Repo-Commit '" + evil + "'"), e.getMessage());
      assertTrue(e.getMessage().contains("not a commit id"), e.getMessage());
    }
    assertFalse(Files.exists(tmp.resolve("escaped")), "nothing written at snapshots/" + evil);
    assertFalse(Files.exists(cacheDir.resolve("models--acme--tiny-gemma/refs/main")));
    assertEquals(0, server.cdnRequests.get(), "nothing downloaded for a bad commit");
  }

  /**
   * A shard name of the index becomes a path in the snapshot: one that climbs out of it must be
   * refused, not used as a local file that happens to exist there.
   */
  @Test
  void indexShardNamesThatLeaveTheSnapshotAreRefused() throws Exception {
    String evil = "../../../../outside/pwn.safetensors";
    Path planted = Files.createDirectories(tmp.resolve("outside")).resolve("pwn.safetensors");
    Files.write(planted, random(100, 3));
    Map<String, byte[]> files = new HashMap<>();
    files.put("config.json", "{\"model_type\": \"gemma2\"}".getBytes(StandardCharsets.UTF_8));
    files.put("tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8));
    files.put(
        "model.safetensors.index.json",
        ("{\"weight_map\": {\"model.embed_tokens.weight\": \"" + evil + "\"}}")
            .getBytes(StandardCharsets.UTF_8));
    server.add(REPO, new HubServer.Repo(COMMIT, files, null, false));
    Path snapshot = cacheDir.resolve("models--acme--tiny-gemma/snapshots/" + COMMIT);
    assertEquals(
        planted.normalize(), snapshot.resolve(evil).normalize(), "the name reaches the file");

    HubException e =
        assertThrows(
            HubException.class,
            () -> hub(Optional.empty(), false).resolve(HfSpec.parse("hf:" + REPO)));
    assertEquals(Kind.FAILED, e.kind());
    assertTrue(e.getMessage().contains("model.safetensors.index.json"), e.getMessage());
    assertTrue(e.getMessage().contains("'model.embed_tokens.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains(evil) && e.getMessage().contains("'..'"), e.getMessage());

    HfHub hub = hub(Optional.empty(), false);
    for (String bad : List.of(evil, "/etc/passwd", "a\\..\\..\\b.json", "a//b.json", "./c")) {
      HubException f = assertThrows(HubException.class, () -> hub.file(REPO, COMMIT, bad), bad);
      assertTrue(f.getMessage().contains("file name '" + bad + "'"), f.getMessage());
    }
  }

  /** A revision becomes a file under refs/: "." and ".." are no branch names. */
  @Test
  void revisionsThatAreNoRefNamesAreRefusedAndLeaveNoTemporaryFiles() throws Exception {
    server.add(REPO, new HubServer.Repo(COMMIT, simpleFiles(), null, false));
    server.anyRevision = true; // a hub that answers any revision, as after normalising the URL
    for (String rev : List.of("..", ".", "x..y", ".hidden", "v1.lock")) {
      HubException e =
          assertThrows(
              HubException.class,
              () -> hub(Optional.empty(), false).file(REPO, rev, "config.json"),
              rev);
      assertTrue(e.getMessage().contains("revision '" + rev + "'"), e.getMessage());
      IllegalArgumentException p =
          assertThrows(
              IllegalArgumentException.class, () -> HfSpec.parse("hf:" + REPO + "@" + rev), rev);
      assertTrue(p.getMessage().contains("bad revision '" + rev + "'"), p.getMessage());
    }
    Path repoDir = cacheDir.resolve("models--acme--tiny-gemma");
    if (Files.exists(repoDir)) {
      try (Stream<Path> s = Files.walk(repoDir)) {
        List<Path> left = s.filter(Files::isRegularFile).toList();
        assertTrue(left.isEmpty(), "nothing written: " + left);
      }
    }
    assertTrue(server.log.isEmpty(), "refused before asking the hub: " + server.log);
    assertEquals("v1.0-rc_2", HfSpec.parse("hf:" + REPO + "@v1.0-rc_2").revision());
  }

  /** A real (random, tiny, sharded) Gemma 2 folder served by the hub opens as HF weights. */
  @Test
  void aShardedModelFolderDownloadsAndOpens() throws Exception {
    ModelConfig c =
        new ModelConfig(
            "gemma2",
            16,
            8,
            16,
            2,
            2,
            1,
            4,
            1e-6,
            4,
            50,
            30,
            4,
            List.of(AttentionKind.SLIDING, AttentionKind.FULL),
            10000,
            10000,
            false,
            64,
            2,
            1,
            0);
    Path folder = tmp.resolve("src");
    RandomModelWriter.write(
        c,
        folder,
        new RandomModelWriter.Options(7, 0.02, 600, RandomModelWriter.StoredType.F32),
        null,
        n -> {});
    Files.writeString(folder.resolve("tokenizer.json"), "{}");
    Map<String, byte[]> files = new HashMap<>();
    try (Stream<Path> s = Files.list(folder)) {
      for (Path p : s.toList()) {
        files.put("layer_x/" + p.getFileName(), Files.readAllBytes(p));
      }
    }
    assertTrue(
        files.containsKey("layer_x/model.safetensors.index.json"), files.keySet().toString());
    server.add(REPO, new HubServer.Repo(COMMIT, files, null, false));

    Path dir = hub(Optional.empty(), false).resolve(HfSpec.parse("hf:" + REPO + "/layer_x"));
    assertEquals(
        cacheDir.resolve("models--acme--tiny-gemma/snapshots/" + COMMIT + "/layer_x"), dir);
    try (HfFolderWeights w = HfFolderWeights.open(dir)) {
      assertEquals(c.dModel(), w.config().dModel());
      assertEquals(c.nLayers(), w.config().nLayers());
    }
    assertTrue(
        Files.exists(
            cacheDir.resolve(
                "models--acme--tiny-gemma/.no_exist/"
                    + COMMIT
                    + "/layer_x/tokenizer_config.json")));
    // and again offline, from the cache only
    assertEquals(dir, hub(Optional.empty(), true).resolve(HfSpec.parse("hf:" + REPO + "/layer_x")));
  }
}
