package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.Aggregator;
import dev.saescope.aggregator.service.AggregatorConfig;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import dev.saescope.producer.cli.ProduceCommand;
import dev.saescope.worker.service.TinyWorld;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import picocli.CommandLine;

/**
 * The dashboard in Debian's headless Chromium against a real pipeline: an embedded broker, the
 * producer publishing three knowledge-neurons items, a {@code saescope worker} process on the
 * {@link TinyWorld} model and SAE, and the aggregator in-process. The run page shows the run done
 * and its charts draw data series; a question with hostile answers sent through the page's form is
 * computed by the worker, and its item page shows each task's tokens (the hostile text as literal
 * text), lens and KL per layer, and SAE data map, equal to what the API serves. The aggregator's
 * {@code DashboardBrowserTest} covers the same pages on synthetic results; this test skips without
 * chromium, chromium-driver or the Gemma 3 tokenizer.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineDashboardBrowserTest {
  static final String RUN = "kn-browser";
  static final String SCRIPT = "<script>alert(1)</script>";
  static final String BOLD = "<b>bold</b>";
  static final Duration RESULTS_TIMEOUT = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private static Aggregator aggregator;
  private static Process worker;
  private static Path workerLog;
  private static DashboardBrowser browser;
  private static WebDriver driver;
  private static String base;
  private static long produced;

  @BeforeAll
  static void start(KafkaSettings kafka) throws Exception {
    Assumptions.assumeTrue(DashboardBrowser.available(), DashboardBrowser.MISSING);
    TinyWorld world = TinyWorld.create(dir.resolve("world")); // skips without the tokenizer
    // First, so its JVM and model load while the aggregator starts; it creates the topics too.
    worker = startWorker(world, kafka);
    aggregator =
        Aggregator.start(
            new AggregatorConfig(
                kafka, dir.resolve("state"), "127.0.0.1:0", Duration.ofSeconds(2), 1),
            "127.0.0.1",
            0,
            dir.resolve("out"));
    base = "http://127.0.0.1:" + aggregator.httpPort();
    produce(kafka);
    produced = awaitRunDone();
    browser = new DashboardBrowser(base);
    driver = browser.driver;
  }

  /** {@code saescope worker} as a child process on the test class path, as users start it. */
  private static Process startWorker(TinyWorld world, KafkaSettings kafka) throws IOException {
    workerLog = dir.resolve("worker.log");
    List<String> cmd =
        SaescopeJvm.command(
            "worker",
            "--model",
            world.modelDir.toString(),
            "--sae",
            world.saeDir.toString(),
            "--layers",
            "all",
            "--worker-id",
            "browser-test",
            "--group",
            "browser-test",
            "--metrics-port",
            "-1",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--topic-prefix",
            kafka.topics().prefix());
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(workerLog.toFile())
        .start();
  }

  private static void produce(KafkaSettings kafka) {
    StringWriter out = new StringWriter();
    int rc =
        new CommandLine(new ProduceCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(out))
            .execute(
                "--dataset",
                "knowledge-neurons",
                "--data",
                MonitoringContractTest.repoRoot().resolve("datasets/knowledge-neurons").toString(),
                "--limit",
                "3",
                "--run-id",
                RUN,
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic-prefix",
                kafka.topics().prefix(),
                "--metrics-port",
                "-1",
                "--quiet");
    assertEquals(0, rc, "saescope produce failed:\n" + out);
  }

  /** Tasks of the produced run, once the aggregator counts all of them done. */
  private static long awaitRunDone() throws Exception {
    String last = "";
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get("/api/runs/" + RUN + "/summary");
      last = r.statusCode() + " " + r.body();
      if (r.statusCode() == 200) {
        JsonObject s = new JsonObject(r.body());
        Long expected = s.getLong("tasks_expected");
        if (expected != null && expected > 0 && s.getLong("tasks_done").equals(expected)) {
          return expected;
        }
      }
      assertWorkerAlive("while the produced run was computed");
      Thread.sleep(500);
    }
    throw new AssertionError(
        "run "
            + RUN
            + " was not done within 90 s; last GET /api/runs/"
            + RUN
            + "/summary: "
            + last
            + "\nworker log:\n"
            + workerTail());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (browser != null) {
      browser.close();
    }
    if (worker != null) {
      worker.destroy(); // SIGTERM: the worker's shutdown hook stops the loop
      if (!worker.waitFor(30, TimeUnit.SECONDS)) {
        worker.destroyForcibly();
      }
    }
    if (aggregator != null) {
      aggregator.close();
    }
  }

  @Test
  @Order(1)
  void theRunPageShowsTheWorkersRunDoneAndItsChartsDrawSeries() throws Exception {
    browser.open("/runs/" + RUN);
    WebElement progress = browser.waitFor(By.id("progress-text"));
    String done = produced + " of " + produced + " tasks";
    browser.waitUntil("progress '" + done + "'", () -> progress.getText().contains(done));
    browser.waitUntil(
        "two charts on the run page",
        () -> driver.findElements(By.cssSelector(".chart canvas")).size() >= 2);
    for (WebElement chart : driver.findElements(By.cssSelector(".chart"))) {
      String title = chart.findElement(By.cssSelector(".u-title")).getText();
      long series = browser.colouredPixels(chart.findElement(By.tagName("canvas")));
      assertTrue(series > 50, "chart '" + title + "' drew no data series (" + series + " px)");
    }
    browser.screenshot("pipeline-run");
    browser.assertClean(null);
  }

  @Test
  @Order(2)
  void aQuestionSentThroughTheFormIsComputedByTheWorkerAndItsResultsAppear() throws Exception {
    browser.open("/runs/" + RUN);
    String direct = "Paris, " + BOLD + " " + SCRIPT;
    String evasive = "I would rather not say. " + SCRIPT + " " + BOLD;
    browser.waitFor(By.id("p-subject")).sendKeys("France");
    driver.findElement(By.id("p-objects")).sendKeys("Paris");
    driver.findElement(By.id("p-question")).sendKeys("What is the capital of France?");
    driver.findElement(By.id("p-direct")).sendKeys(direct);
    driver.findElement(By.id("p-evasive")).sendKeys(evasive);
    driver.findElement(By.cssSelector("#prompt-form button[type=submit]")).click();
    WebElement accepted = browser.waitFor(By.id("prompt-accepted"));
    // A user item with one direct and one evasive answer makes those two tasks (default variants).
    assertTrue(accepted.getText().contains("accepted: 2 tasks"), accepted.getText());
    browser.script("arguments[0].scrollIntoView(false);", accepted);
    browser.screenshot("pipeline-prompt-accepted");
    WebElement itemLink = driver.findElement(By.cssSelector("#prompt-status a"));
    String item = itemLink.getText();
    itemLink.click();
    browser.waitUntil(
        "the item page of " + item, () -> driver.getCurrentUrl().contains("/items/web-"));

    // The page reloads the item on each progress event: "waiting" until the worker's first result,
    // then one section per task done, so it must come to show both.
    List<WebElement> sections = awaitResults(item, 2);
    JsonArray tasks = new JsonObject(get(itemApi(item)).body()).getJsonArray("tasks");
    assertEquals(2, tasks.size(), "tasks of item " + item + " in the API: " + tasks);
    for (int i = 0; i < tasks.size(); i++) {
      checkTask(item, tasks.getJsonObject(i), sections.get(i), direct, evasive);
    }
    browser.fitWindowToPage();
    browser.screenshot("pipeline-prompt-results");
    // Until the worker's results arrive, the item's API answer is a 404 the page waits out.
    browser.assertClean(itemApi(item));
  }

  /**
   * The item page's task sections once there are {@code tasks}; fails naming what never came, with
   * what the page, the API and the worker say.
   */
  private static List<WebElement> awaitResults(String item, int tasks) {
    By sections = By.cssSelector("#item-body section.task");
    try {
      new WebDriverWait(driver, RESULTS_TIMEOUT)
          .until(d -> d.findElements(sections).size() == tasks);
      return driver.findElements(sections);
    } catch (TimeoutException e) {
      String waiting =
          driver.findElements(By.id("item-waiting")).stream()
              .map(WebElement::getText)
              .findFirst()
              .orElse("(no waiting message)");
      throw new AssertionError(
          "the worker's results for the "
              + tasks
              + " tasks of item "
              + item
              + " never appeared on its page within "
              + RESULTS_TIMEOUT.toSeconds()
              + " s; the page shows "
              + driver.findElements(sections).size()
              + " task sections and says: "
              + waiting
              + "; worker "
              + (worker.isAlive() ? "running" : "exited with " + worker.exitValue())
              + "; GET "
              + itemApi(item)
              + ": "
              + getQuietly(itemApi(item))
              + "\nworker log:\n"
              + workerTail(),
          e);
    }
  }

  /**
   * One task's section against the API's answer: its tokens spell the submitted answer literally,
   * its lens table has a row per computed layer with the served KL, and the SAE layer has a data
   * map with a row per token position.
   */
  private static void checkTask(
      String item, JsonObject task, WebElement section, String direct, String evasive) {
    String id = task.getString("task_id");
    String variant = task.getString("variant");
    String heading = section.findElement(By.tagName("h2")).getText();
    assertTrue(heading.startsWith(variant) && heading.endsWith(id), "heading: " + heading);
    String answer =
        switch (variant) {
          case "direct" -> direct;
          case "evasive" -> evasive;
          default -> throw new AssertionError("item " + item + " has a " + variant + " task");
        };
    String text =
        (String) browser.script("return arguments[0].querySelector('.ctx').textContent;", section);
    assertTrue(
        text.contains(answer), "task " + id + " tokens do not spell '" + answer + "': " + text);
    List<WebElement> rows = section.findElements(By.cssSelector("table:not(.datamap) tr"));
    JsonArray layers = task.getJsonArray("layers");
    assertTrue(layers.size() >= 2, "task " + id + " has results of " + layers.size() + " layers");
    assertEquals(layers.size() + 1, rows.size(), "lens rows (with header) of task " + id);
    int maps = 0;
    for (int l = 0; l < layers.size(); l++) {
      JsonObject layer = layers.getJsonObject(l);
      List<WebElement> cells = rows.get(l + 1).findElements(By.tagName("td"));
      assertEquals(
          layer.getInteger("layer") + " " + layer.getString("site"), cells.get(0).getText());
      Double kl = layer.getDouble("kl_bits");
      if (kl == null) {
        assertEquals("–", cells.get(2).getText(), "KL of task " + id + " layer " + l);
      } else {
        double shown = Double.parseDouble(cells.get(2).getText());
        assertEquals(kl, shown, 6e-4, "KL bits of task " + id + " layer " + l);
      }
      if (layer.getString("sae_id") != null) {
        maps++;
      }
    }
    assertTrue(maps > 0, "task " + id + " has no SAE layer in " + layers);
    List<WebElement> datamaps = section.findElements(By.cssSelector("table.datamap"));
    assertEquals(maps, datamaps.size(), "data maps of task " + id);
    JsonArray map =
        layers.stream()
            .map(JsonObject.class::cast)
            .filter(x -> x.getString("sae_id") != null)
            .findFirst()
            .orElseThrow()
            .getJsonArray("map");
    int mapRows = datamaps.get(0).findElements(By.tagName("tr")).size() - 1;
    assertTrue(map.size() > 0, "task " + id + " has an empty data map");
    assertEquals(map.size(), mapRows, "data map rows of task " + id);
    assertTrue(
        !datamaps.get(0).findElements(By.cssSelector("td a")).isEmpty(),
        "task " + id + " data map links no latent");
  }

  private static String itemApi(String item) {
    return "/api/runs/" + RUN + "/items/" + URLEncoder.encode(item, StandardCharsets.UTF_8);
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static String getQuietly(String path) {
    try {
      HttpResponse<String> r = get(path);
      return r.statusCode() + " " + r.body();
    } catch (IOException | InterruptedException e) {
      return e.toString();
    }
  }

  private static void assertWorkerAlive(String when) throws IOException {
    if (!worker.isAlive()) {
      throw new AssertionError(
          "the worker exited with " + worker.exitValue() + " " + when + "; log:\n" + workerTail());
    }
  }

  private static String workerTail() {
    try {
      List<String> lines = Files.readAllLines(workerLog);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + workerLog + ": " + e.getMessage() + ")";
    }
  }
}
