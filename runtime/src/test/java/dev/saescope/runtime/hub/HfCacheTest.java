package dev.saescope.runtime.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache resolution on a cache laid out on disk the way huggingface_hub lays it out. */
class HfCacheTest {
  private static final String C1 = "1111111111111111111111111111111111111111";
  private static final String C2 = "2222222222222222222222222222222222222222";

  @TempDir Path tmp;

  /**
   * models--google--gemma-scope-2b-pt-res: refs/main -> C2, snapshots C1 and C2 sharing a blob, a
   * nested file, and a .no_exist marker, as hf_hub_download leaves them.
   */
  private Path pythonStyleCache() throws Exception {
    Path hub = tmp.resolve("hub");
    Path repo = hub.resolve("models--google--gemma-scope-2b-pt-res");
    Files.createDirectories(repo.resolve("refs"));
    Files.writeString(repo.resolve("refs/main"), C2);
    Files.createDirectories(repo.resolve("blobs"));
    Files.writeString(repo.resolve("blobs/aaaa"), "params v1");
    Files.writeString(repo.resolve("blobs/bbbb"), "params v2");
    Files.writeString(repo.resolve("blobs/cccc"), "{\"shared\": true}");
    Path s1 = Files.createDirectories(repo.resolve("snapshots/" + C1 + "/layer_20/width_16k"));
    Path s2 = Files.createDirectories(repo.resolve("snapshots/" + C2 + "/layer_20/width_16k"));
    Files.createSymbolicLink(s1.resolve("params.npz"), Path.of("../../../../blobs/aaaa"));
    Files.createSymbolicLink(s2.resolve("params.npz"), Path.of("../../../../blobs/bbbb"));
    Files.createSymbolicLink(
        repo.resolve("snapshots/" + C1 + "/README.md"), Path.of("../../blobs/cccc"));
    Files.createSymbolicLink(
        repo.resolve("snapshots/" + C2 + "/README.md"), Path.of("../../blobs/cccc"));
    Files.createDirectories(repo.resolve(".no_exist/" + C2));
    Files.createFile(repo.resolve(".no_exist/" + C2 + "/config.json"));
    return hub;
  }

  @Test
  void branchesFollowRefsAndCommitsPickTheirSnapshot() throws Exception {
    HfCache cache = new HfCache(pythonStyleCache());
    String repo = "google/gemma-scope-2b-pt-res";
    assertEquals(Optional.of(C2), cache.commitFor(repo, "main"));
    Path latest = cache.cachedFile(repo, "main", "layer_20/width_16k/params.npz").orElseThrow();
    assertEquals("params v2", Files.readString(latest));
    Path old = cache.cachedFile(repo, C1, "layer_20/width_16k/params.npz").orElseThrow();
    assertEquals("params v1", Files.readString(old));
    assertEquals(Optional.empty(), cache.cachedFile(repo, "v1.0", "README.md"), "unknown tag");
    assertEquals(Optional.empty(), cache.cachedFile(repo, "main", "absent.txt"));
    assertTrue(cache.knownMissing(repo, "main", "config.json"));
    assertFalse(cache.knownMissing(repo, C1, "config.json"));
  }

  @Test
  void theHubClientUsesAPythonCacheOfflineAsItIs() throws Exception {
    Path root = pythonStyleCache();
    HfHub hub =
        new HfHub(
            new HfHub.Settings(
                root,
                URI.create("http://127.0.0.1:9"),
                Optional.empty(),
                true,
                Duration.ofSeconds(1)),
            null);
    Path p =
        hub.resolve(HfSpec.parse("hf:google/gemma-scope-2b-pt-res/layer_20/width_16k/params.npz"));
    assertEquals("params v2", Files.readString(p));
    Path pinned =
        hub.resolve(
            HfSpec.parse(
                "hf:google/gemma-scope-2b-pt-res@" + C1 + "/layer_20/width_16k/params.npz"));
    assertEquals("params v1", Files.readString(pinned));
    HubException e =
        assertThrows(
            HubException.class,
            () -> hub.file("google/gemma-scope-2b-pt-res", "main", "config.json"));
    assertEquals(HubException.Kind.ENTRY_NOT_FOUND, e.kind());
  }

  @Test
  void cacheRootFollowsTheHuggingfaceHubEnvironmentVariables() {
    Path home = Path.of("/home/u");
    assertEquals(Path.of("/home/u/.cache/huggingface/hub"), HfCache.defaultRoot(Map.of(), home));
    assertEquals(Path.of("/x/hub"), HfCache.defaultRoot(Map.of("HF_HOME", "/x"), home));
    assertEquals(
        Path.of("/xdg/huggingface/hub"),
        HfCache.defaultRoot(Map.of("XDG_CACHE_HOME", "/xdg"), home));
    assertEquals(
        Path.of("/c"), HfCache.defaultRoot(Map.of("HF_HUB_CACHE", "/c", "HF_HOME", "/x"), home));
    assertEquals(
        Path.of("/old"), HfCache.defaultRoot(Map.of("HUGGINGFACE_HUB_CACHE", "/old"), home));
    assertEquals(Path.of("/home/u/hf/hub"), HfCache.defaultRoot(Map.of("HF_HOME", "~/hf"), home));
  }

  @Test
  void settingsReadEndpointTokenAndOfflineFromTheEnvironment() throws Exception {
    Path home = tmp.resolve("home");
    Files.createDirectories(home.resolve(".cache/huggingface"));
    Files.writeString(home.resolve(".cache/huggingface/token"), "hf_fromfile\n");
    HfHub.Settings s = HfHub.Settings.fromEnvironment(Map.of(), home, false);
    assertEquals(URI.create("https://huggingface.co"), s.endpoint());
    assertEquals(Optional.of("hf_fromfile"), s.token(), "the token file huggingface-cli writes");
    assertFalse(s.offline());
    HfHub.Settings t =
        HfHub.Settings.fromEnvironment(
            Map.of(
                "HF_TOKEN", "hf_env", "HF_ENDPOINT", "http://mirror:8080/", "HF_HUB_OFFLINE", "1"),
            home,
            false);
    assertEquals(Optional.of("hf_env"), t.token());
    assertEquals(URI.create("http://mirror:8080"), t.endpoint());
    assertTrue(t.offline());
    assertTrue(HfHub.Settings.fromEnvironment(Map.of(), home, true).offline(), "--offline");
  }

  @Test
  void specsParseOwnerNameRevisionAndSubpath() {
    HfSpec a = HfSpec.parse("hf:google/gemma-2-2b");
    assertEquals(new HfSpec("google/gemma-2-2b", "main", ""), a);
    HfSpec b =
        HfSpec.parse("hf:google/gemma-scope-2b-pt-res@v1.0/layer_20/width_16k/average_l0_71/");
    assertEquals("v1.0", b.revision());
    assertEquals("layer_20/width_16k/average_l0_71", b.subpath());
    assertEquals("layer_20/width_16k/average_l0_71/params.npz", b.inRepo("params.npz"));
    assertTrue(HfSpec.parse("hf:a/b@" + C1).pinned());
    for (String bad : new String[] {"hf:gemma", "hf:/x", "google/gemma", "hf:a/b/../../etc"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> HfSpec.parse(bad), bad);
      assertTrue(e.getMessage().contains("'"), e.getMessage());
    }
  }

  @Test
  void etagsAreNormalizedLikeHuggingfaceHub() {
    assertEquals("abc", HubHttp.normalizeEtag("\"abc\""));
    assertEquals("abc", HubHttp.normalizeEtag("W/\"abc\""));
  }
}
