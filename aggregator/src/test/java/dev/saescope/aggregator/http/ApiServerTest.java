package dev.saescope.aggregator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.saescope.aggregator.Aggregator;
import dev.saescope.aggregator.service.AggregatorConfig;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.serde.Codecs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The aggregator's HTTP API against a real aggregator on a real broker fed a small run ({@link
 * WebRun}): every view answers from the stores, the OpenAPI file and the registered routes agree
 * both ways, a prompt reaches the tasks topic as the producer's builder makes it, and bad requests
 * of every kind get a 4xx JSON error, never a file outside the dashboard's resources.
 */
@ExtendWith(dev.saescope.common.testing.EmbeddedKafkaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiServerTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path dir;
  private static Aggregator aggregator;
  private static KafkaSettings kafka;
  private static int port;

  @BeforeAll
  static void startRun(KafkaSettings settings) throws Exception {
    kafka = settings;
    WebRun.publish(kafka);
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    AggregatorConfig config =
        new AggregatorConfig(
            kafka, dir.resolve("state"), "127.0.0.1:" + port, Duration.ofMillis(300), 1);
    aggregator = Aggregator.start(config, "127.0.0.1", port, null);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get("/api/runs/" + WebRun.RUN + "/summary");
      if (r.statusCode() == 200
          && new JsonObject(r.body()).getLong("tasks_done") == WebRun.tasks()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the run was not aggregated within 120 s");
  }

  @AfterAll
  static void stop() {
    if (aggregator != null) {
      aggregator.close();
    }
  }

  @Test
  @Order(1)
  void layersCarryE1AndE2aPerLayerWithIntervals() throws Exception {
    JsonObject o = ok("/api/runs/" + WebRun.RUN + "/layers");
    JsonArray layers = o.getJsonArray("layers");
    assertEquals(3, layers.size(), o.encode());
    JsonObject l0 = layers.getJsonObject(0);
    assertEquals(0, l0.getInteger("layer"));
    assertNotNull(l0.getJsonObject("drift"), l0.encode());
    assertTrue(l0.getJsonObject("drift").getJsonObject("next_q_end").containsKey("ci_low"));
    assertFalse(l0.getJsonArray("e2a").isEmpty(), l0.encode());
  }

  @Test
  @Order(1)
  void latentsAreSortedAndSearchedByPromotedToken() throws Exception {
    JsonObject o = ok("/api/runs/" + WebRun.RUN + "/latents?layer=1&sort=max");
    assertEquals(WebRun.SAE, o.getString("sae_id"));
    JsonArray ls = o.getJsonArray("latents");
    assertEquals(5, ls.getJsonObject(0).getInteger("latent"), "latent 5 is the strongest");
    for (int i = 1; i < ls.size(); i++) {
      assertTrue(ls.getJsonObject(i - 1).getDouble("max") >= ls.getJsonObject(i).getDouble("max"));
    }
    JsonObject byFreq = ok("/api/runs/" + WebRun.RUN + "/latents?layer=1");
    JsonArray f = byFreq.getJsonArray("latents");
    for (int i = 1; i < f.size(); i++) {
      assertTrue(f.getJsonObject(i - 1).getLong("fires") >= f.getJsonObject(i).getLong("fires"));
    }
    JsonObject paris = ok("/api/runs/" + WebRun.RUN + "/latents?layer=1&q=paris");
    assertEquals(1, paris.getInteger("matched"), paris.encode());
    assertEquals(8, paris.getJsonArray("latents").getJsonObject(0).getInteger("latent"));
    JsonObject limited = ok("/api/runs/" + WebRun.RUN + "/latents?layer=1&sort=index&limit=2");
    assertEquals(2, limited.getJsonArray("latents").size());
  }

  @Test
  @Order(1)
  void aLatentCardHasContextsHistogramAndLogitEffects() throws Exception {
    JsonObject c = ok("/api/runs/" + WebRun.RUN + "/latents/1/5");
    assertEquals(WebRun.tasks() * 10, c.getLong("fires"), "latent 5 fires at every position");
    assertEquals(1.0, c.getDouble("frequency"), 1e-9);
    JsonArray top = c.getJsonArray("top");
    assertEquals(20, top.size());
    JsonObject first = top.getJsonObject(0);
    assertTrue(first.getJsonArray("tokens").contains(WebRun.HOSTILE), "tokens pass as data");
    // A card keeps where a latent fired; the window comes from that task's observation.
    String itemId = java.net.URLEncoder.encode(first.getString("item_id"), StandardCharsets.UTF_8);
    JsonObject item = ok("/api/runs/" + WebRun.RUN + "/items/" + itemId);
    JsonArray texts = null;
    for (Object t : item.getJsonArray("tasks")) {
      if (((JsonObject) t).getString("task_id").equals(first.getString("task_id"))) {
        texts = ((JsonObject) t).getJsonArray("tokens");
      }
    }
    assertNotNull(texts, "the context's task is on its item's page");
    assertEquals(
        texts.getString(first.getInteger("position")),
        first.getJsonArray("tokens").getString(first.getInteger("at")),
        "the window's activating token is the task's token at the position");
    for (Object x : top) {
      assertFalse(((JsonObject) x).getJsonArray("tokens").isEmpty(), "every window resolved");
    }
    long total = 0;
    for (Object b : c.getJsonArray("histogram")) {
      total += ((JsonObject) b).getLong("count");
    }
    assertEquals(c.getLong("fires"), total);
    assertEquals(
        WebRun.HOSTILE,
        c.getJsonObject("logit_effects")
            .getJsonArray("promoted")
            .getJsonObject(0)
            .getString("text"));
    assertNotNull(c.getJsonArray("e3b"));
  }

  @Test
  @Order(1)
  void anItemShowsItsTasksWithMapsReconstructionErrorsAndLens() throws Exception {
    String item = java.net.URLEncoder.encode(WebRun.itemId(2), StandardCharsets.UTF_8);
    JsonObject o = ok("/api/runs/" + WebRun.RUN + "/items/" + item);
    JsonArray tasks = o.getJsonArray("tasks");
    assertEquals(2, tasks.size(), o.encode());
    JsonObject t = tasks.getJsonObject(0);
    assertEquals(10, t.getJsonArray("tokens").size());
    JsonObject l1 = t.getJsonArray("layers").getJsonObject(1);
    assertEquals(WebRun.SAE, l1.getString("sae_id"));
    assertEquals(10, l1.getJsonArray("recon_error").size());
    assertEquals(10, l1.getJsonArray("map").size());
    assertEquals(5, l1.getJsonArray("map").getJsonObject(0).getJsonArray("latents").getInteger(0));
    JsonObject l2 = t.getJsonArray("layers").getJsonObject(2);
    assertEquals(7, l2.getInteger("lens_top1"));
    assertEquals("<b>", l2.getString("lens_top1_text"), "id 7's text from the latent-info lists");
    for (Object o2 : tasks) {
      for (Object l : ((JsonObject) o2).getJsonArray("layers")) {
        JsonObject layer = (JsonObject) l;
        if (Integer.valueOf(2).equals(layer.getInteger("lens_top1"))) {
          assertEquals("<bos>", layer.getString("lens_top1_text"), "id 2's text from the prompt");
        }
        if (layer.getInteger("lens_top1") > 20) {
          assertEquals(null, layer.getValue("lens_top1_text"), "an id the run never names");
        }
      }
    }
  }

  @Test
  @Order(1)
  void everyRegisteredRouteIsInTheOpenApiFileAndTheOtherWayRound() throws Exception {
    TreeSet<String> documented = new TreeSet<>();
    try (InputStream in = ApiServer.class.getResourceAsStream("/openapi.yaml")) {
      JsonNode paths = new ObjectMapper(new YAMLFactory()).readTree(in).get("paths");
      for (Iterator<String> it = paths.fieldNames(); it.hasNext(); ) {
        String path = it.next();
        paths.get(path).fieldNames().forEachRemaining(m -> documented.add(m + " " + path));
      }
    }
    assertEquals(documented, new TreeSet<>(aggregator.httpRoutes()));
    HttpResponse<String> served = get("/api/openapi.yaml");
    assertEquals(200, served.statusCode());
    assertTrue(served.body().contains("/api/prompts:"));
  }

  @Test
  @Order(1)
  void serverSentEventsCarryTheProgress() throws Exception {
    HttpResponse<InputStream> r =
        HTTP.send(
            HttpRequest.newBuilder(uri("/api/runs/" + WebRun.RUN + "/events")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          JsonObject s = new JsonObject(line.substring(6));
          assertEquals(WebRun.tasks(), s.getLong("tasks_done"));
          return;
        }
      }
    }
    throw new AssertionError("the event stream ended without a progress event");
  }

  @Test
  @Order(2)
  void aPromptIsParsedBuiltAndPublishedToTheTasksTopic() throws Exception {
    String body =
        new JsonObject()
            .put("relation", "user")
            .put("subject", "France " + WebRun.HOSTILE)
            .put("objects", new JsonArray().add("Paris"))
            .put("question", "What is the capital of France? <b>bold</b>")
            .put("direct_answers", new JsonArray().add("Paris."))
            .put("evasive_answers", new JsonArray().add("I would rather not say."))
            .encode();
    HttpResponse<String> r = post("/api/prompts?run=" + WebRun.RUN, body);
    assertEquals(202, r.statusCode(), r.body());
    JsonObject o = new JsonObject(r.body());
    assertEquals(WebRun.RUN, o.getString("run_id"));
    String item = o.getString("item_id");
    assertTrue(item.startsWith("web-"), item);
    JsonArray tasks = o.getJsonArray("tasks");
    assertEquals(2, tasks.size(), "one direct and one evasive task: " + o.encode());
    List<Task> onTopic = tasksOnTopic(item, 2);
    TreeSet<String> ids = new TreeSet<>();
    onTopic.forEach(t -> ids.add(t.taskId()));
    TreeSet<String> answered = new TreeSet<>();
    tasks.forEach(t -> answered.add(((JsonObject) t).getString("task_id")));
    assertEquals(answered, ids);
    assertTrue(onTopic.get(0).text().contains("<b>bold</b>"), "user text passes unchanged");
    // The prompt's tasks will be done like the producer's: they must be expected as well.
    JsonObject s = ok("/api/runs/" + WebRun.RUN + "/summary");
    assertEquals(2, s.getLong("tasks_submitted"), s.encode());
    assertEquals(WebRun.tasks() + 2, s.getLong("tasks_expected"), s.encode());
    for (Object run : new JsonArray(get("/api/runs").body())) {
      if (WebRun.RUN.equals(((JsonObject) run).getString("run_id"))) {
        assertEquals(WebRun.tasks() + 2, ((JsonObject) run).getLong("tasks_expected"));
      }
    }
  }

  @Test
  @Order(2)
  void badPromptsGet4xxNamingTheField() throws Exception {
    assertError(post("/api/prompts", "{not json"), 400, "not JSON");
    assertError(post("/api/prompts", "[1, 2]"), 400, "JSON object");
    assertError(
        post("/api/prompts", "{\"relation\": 5, \"subject\": \"x\", \"objects\": [\"y\"]}"),
        400,
        "relation");
    assertError(
        post(
            "/api/prompts",
            "{\"relation\": \"user\", \"subject\": \"x\", \"objects\": \"y\", \"question\": \"q\"}"),
        400,
        "objects");
    assertError(post("/api/prompts", "{\"subjet\": \"x\"}"), 400, "subjet");
    assertError(
        post(
            "/api/prompts",
            new JsonObject().put("relation", "user").put("subject", "x".repeat(1001)).encode()),
        400,
        "subject");
    assertError(
        post("/api/prompts", "{\"a\": \"" + "x".repeat(PromptIntake.MAX_BODY_BYTES) + "\"}"),
        413,
        "too large");
    assertError(post("/api/prompts?run=../../etc", "{}"), 400, "run");
  }

  @Test
  @Order(1)
  void badRequestsGet4xxJsonErrors() throws Exception {
    String run = "/api/runs/" + WebRun.RUN;
    assertError(get("/api/runs/nope/summary"), 404, "no run");
    assertError(get("/api/runs/nope/layers"), 404, "no run");
    assertError(get("/api/runs/bad%20id/summary"), 400, "run id");
    assertError(get(run + "/latents"), 400, "layer");
    assertError(get(run + "/latents?layer=x"), 400, "integer");
    assertError(get(run + "/latents?layer=-1"), 400, "layer");
    assertError(get(run + "/latents?layer=7"), 404, "no SAE");
    assertError(get(run + "/latents?layer=1&sort=evil"), 400, "sort");
    assertError(get(run + "/latents?layer=1&limit=100000"), 400, "limit");
    assertError(get(run + "/latents/1/64"), 404, "out of range");
    assertError(get(run + "/latents/1/99999999999"), 400, "integer");
    assertError(get(run + "/latents/1/-3"), 400, "index");
    assertError(get(run + "/latents/1/63"), 404, "never fired");
    assertError(get(run + "/items/nope"), 404, "no item");
    assertError(get(run + "/items/a%00b"), 400, "control");
    assertError(get("/api/nothing"), 404, "no such endpoint");
    HttpResponse<String> del =
        HTTP.send(
            HttpRequest.newBuilder(uri(run + "/summary")).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
    assertTrue(
        del.statusCode() >= 400 && del.statusCode() < 500, del.statusCode() + " " + del.body());
  }

  @Test
  @Order(1)
  void pagesComeWithAPolicyForbiddingInlineScriptsAndHaveNone() throws Exception {
    for (String page :
        List.of(
            "/",
            "/runs/" + WebRun.RUN,
            "/runs/" + WebRun.RUN + "/latents/1/5",
            "/runs/" + WebRun.RUN + "/items/x")) {
      HttpResponse<String> r = get(page);
      assertEquals(200, r.statusCode(), page);
      String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
      assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), csp);
      assertTrue(r.body().contains("<script type=\"module\" src=\"/static/app.js\"></script>"));
      assertEquals(1, r.body().split("<script").length - 1, "one script, from a file: " + page);
    }
    assertEquals(200, get("/static/app.js").statusCode());
    assertEquals(200, get("/webjars/uplot/uPlot.esm.js").statusCode());
    String app = get("/static/app.js").body();
    assertFalse(app.contains("innerHTML") || app.contains("insertAdjacentHTML"), "text only");
  }

  @Test
  @Order(1)
  void pathTraversalNeverReadsAFileOutsideTheDashboard() throws Exception {
    for (String path :
        List.of(
            "/../../etc/passwd",
            "/static/../../../../etc/passwd",
            "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/static/..%2f..%2f..%2fetc%2fpasswd",
            "/static/%2e%2e%2f%2e%2e%2fopenapi.yaml",
            "/webjars/uplot/..%2f..%2f..%2f..%2fMETA-INF%2fMANIFEST.MF",
            "/static/....//....//etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd")) {
      String answer =
          raw("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      int status = Integer.parseInt(answer.substring(9, 12));
      assertTrue(status >= 400 && status < 500, path + " -> " + answer);
      assertFalse(answer.contains("root:"), path + " leaked /etc/passwd");
      assertFalse(answer.contains("openapi:"), path + " left the dashboard folder");
      assertFalse(answer.contains("Manifest-Version"), path + " left the webjar folder");
    }
    assertTrue(aggregator.service().healthy(), "still serving after every bad request");
    assertEquals(200, get("/health").statusCode());
  }

  @Test
  @Order(3)
  void promptsAreRateLimitedPerClient() throws Exception {
    int limited = 0;
    for (int i = 0; i < 25 && limited == 0; i++) {
      HttpResponse<String> r = post("/api/prompts", "{}");
      if (r.statusCode() == 429) {
        limited = i;
        assertTrue(r.headers().firstValue("Retry-After").isPresent());
        assertError(r, 429, "rate limit");
      }
    }
    assertTrue(limited > 0 && limited <= 20, "429 after at most 20 requests, got at " + limited);
  }

  private static List<Task> tasksOnTopic(String item, int n) {
    Properties p = kafka.client();
    p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "api-test-" + System.nanoTime());
    List<Task> out = new ArrayList<>();
    try (var c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      c.subscribe(List.of(kafka.topics().tasks()));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
          try {
            Task t = Codecs.task().decode(r.value(), r.topic(), r.partition(), r.offset());
            if (t.itemId().equals(item)) {
              assertEquals(item, r.key(), "keyed by item id");
              out.add(t);
            }
          } catch (dev.saescope.schemas.serde.DecodeException e) {
            throw new AssertionError(e);
          }
        }
      }
    }
    assertEquals(n, out.size(), "tasks of " + item + " on " + kafka.topics().tasks());
    return out;
  }

  private static void assertError(HttpResponse<String> r, int status, String mentions) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.body());
    JsonObject o = new JsonObject(r.body());
    assertTrue(o.getString("error").toLowerCase().contains(mentions.toLowerCase()), r.body());
  }

  private static JsonObject ok(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return new JsonObject(r.body());
  }

  static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A request sent byte for byte (no client normalizes its path), and the whole answer. */
  static String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
