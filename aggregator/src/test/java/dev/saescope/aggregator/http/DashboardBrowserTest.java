package dev.saescope.aggregator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.saescope.aggregator.Aggregator;
import dev.saescope.aggregator.service.AggregatorConfig;
import dev.saescope.common.kafka.KafkaSettings;
import dev.saescope.common.testing.EmbeddedKafkaExtension;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in Debian's headless Chromium (driven by Selenium through the system chromedriver)
 * against a real aggregator fed {@link WebRun} on a real broker: pages render data with no console
 * error, charts draw pixels, deep links open their view, a latent card opens from search, hostile
 * tokens and user text show as literal text (no alert, no bold element), and a question sent
 * through the form is accepted and its item page opens. {@code ./saescope test} installs chromium
 * and chromium-driver when they are missing; elsewhere this test skips without them.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the prompt test adds to the run's total
class DashboardBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SHOTS =
      Path.of(System.getProperty("saescope.screenshots", "target/screenshots"));

  @TempDir static Path dir;
  private static Aggregator aggregator;
  private static WebDriver driver;
  private static String base;

  @BeforeAll
  static void start(KafkaSettings kafka) throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    WebRun.publish(kafka);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    base = "http://127.0.0.1:" + port;
    aggregator =
        Aggregator.start(
            new AggregatorConfig(
                kafka, dir.resolve("state"), "127.0.0.1:" + port, Duration.ofMillis(300), 1),
            "127.0.0.1",
            port,
            null);
    awaitRun();
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    // Headless, and as root in a container: no sandbox, /tmp instead of a small /dev/shm.
    o.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600");
    o.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    driver = new ChromeDriver(service, o);
    Files.createDirectories(SHOTS);
  }

  private static void awaitRun() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/runs/" + WebRun.RUN + "/summary"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
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
    if (driver != null) {
      driver.quit();
    }
    if (aggregator != null) {
      aggregator.close();
    }
  }

  @Test
  @Order(1)
  void theRunPageShowsProgressAndDrawsItsCharts() throws Exception {
    open("/runs/" + WebRun.RUN);
    WebElement progress = waitFor(By.id("progress-text"));
    waitUntil(() -> progress.getText().contains(WebRun.tasks() + " of " + WebRun.tasks()));
    waitUntil(() -> driver.findElements(By.cssSelector(".chart canvas")).size() >= 3);
    for (WebElement canvas : driver.findElements(By.cssSelector(".chart canvas"))) {
      assertTrue(paintedPixels(canvas) > 100, "a chart drew nothing");
    }
    // WebRun's evasive tasks are all of family "declines": the split chart has its series.
    WebElement families = driver.findElement(By.id("e2a-families"));
    assertTrue(paintedPixels(families.findElement(By.tagName("canvas"))) > 100);
    assertTrue(families.getText().contains("declines"), "legend names the family");
    screenshot("run");
    assertClean();
  }

  @Test
  @Order(1)
  void perLayerChartsTickTheLayerAxisAtWholeNumbersOnly() throws Exception {
    open("/runs/" + WebRun.RUN);
    waitUntil(() -> driver.findElements(By.cssSelector(".layer-chart canvas")).size() >= 3);
    for (WebElement chart : driver.findElements(By.cssSelector(".layer-chart"))) {
      String ticks = chart.getDomAttribute("data-x-ticks");
      assertTrue(ticks != null && !ticks.isBlank(), "the layer axis drew no tick");
      for (String t : ticks.split(" ")) {
        assertTrue(t.matches("-?\\d+"), "layer tick '" + t + "' of " + ticks);
      }
    }
    assertClean();
  }

  @Test
  @Order(1)
  void aLatentCardOpensFromSearchAndShowsHostileTokensAsText() throws Exception {
    open("/runs/" + WebRun.RUN);
    waitFor(By.id("latent-q")).sendKeys("script");
    driver.findElement(By.cssSelector("#latent-search button[type=submit]")).click();
    WebElement latent = waitFor(By.linkText("5"));
    latent.click();
    waitUntil(() -> driver.getCurrentUrl().endsWith("/runs/" + WebRun.RUN + "/latents/1/5"));
    waitUntil(() -> driver.findElement(By.id("title")).getText().contains("Latent 5"));
    List<WebElement> tokens = driver.findElements(By.cssSelector("#contexts .tok"));
    assertTrue(tokens.stream().anyMatch(t -> t.getText().equals(WebRun.HOSTILE)), "token as text");
    assertEquals(WebRun.HOSTILE, driver.findElement(By.cssSelector("#promoted .tok")).getText());
    assertTrue(paintedPixels(driver.findElement(By.cssSelector("#histogram canvas"))) > 100);
    screenshot("latent-card");
    assertClean();
  }

  @Test
  @Order(1)
  void deepLinksOpenTheirViewDirectly() throws Exception {
    open("/runs/" + WebRun.RUN + "/items/" + WebRun.itemId(2).replace(":", "%3A"));
    waitUntil(() -> !driver.findElements(By.cssSelector("table.datamap")).isEmpty());
    assertTrue(driver.findElement(By.id("title")).getText().contains(WebRun.itemId(2)));
    assertTrue(
        driver.findElements(By.cssSelector(".datamap .tok")).stream()
            .anyMatch(t -> t.getText().equals(WebRun.HOSTILE)));
    // Layer 2's lens top-1 is id 7, whose text "<b>" the latent-info lists hold: shown as text.
    List<WebElement> lens = driver.findElements(By.cssSelector("table.lens .lens-text"));
    assertTrue(lens.stream().anyMatch(t -> t.getText().equals("<b>")), "lens token as text");
    for (WebElement id : driver.findElements(By.cssSelector("table.lens .lens-id"))) {
      assertTrue(id.getText().matches("id \\d+"), "an unknown token says its id: " + id.getText());
    }
    screenshot("item");
    open("/runs/" + WebRun.RUN + "/latents/1/8");
    waitUntil(() -> driver.findElement(By.id("title")).getText().contains("Latent 8"));
    assertClean();
  }

  @Test
  @Order(2)
  void aQuestionSentThroughTheFormIsAcceptedAndItsItemPageOpens() throws Exception {
    open("/runs/" + WebRun.RUN);
    waitFor(By.id("p-subject")).sendKeys("France " + WebRun.HOSTILE);
    driver.findElement(By.id("p-objects")).sendKeys("Paris");
    driver.findElement(By.id("p-question")).sendKeys("What is the <b>capital</b> of France?");
    driver.findElement(By.id("p-direct")).sendKeys("Paris.");
    driver.findElement(By.id("p-evasive")).sendKeys("I would rather not say.");
    driver.findElement(By.cssSelector("#prompt-form button")).click();
    WebElement accepted = waitFor(By.id("prompt-accepted"));
    assertTrue(accepted.getText().contains("2 tasks"), accepted.getText());
    driver.findElement(By.cssSelector("#prompt-status a")).click();
    waitUntil(() -> driver.getCurrentUrl().contains("/items/web-"));
    waitFor(By.id("item-waiting"));
    // The question's 2 tasks join the announced total: done can never pass expected.
    WebElement progress = waitFor(By.id("progress-text"));
    long total = WebRun.tasks() + 2;
    waitUntil(() -> progress.getText().contains(WebRun.tasks() + " of " + total + " tasks"));
    assertTrue(progress.getText().contains("2 sent in here"), progress.getText());
    screenshot("prompt-accepted");
    // No worker runs here: until one does, the new item's API answer is a 404 the page waits out.
    assertClean("/api/runs/" + WebRun.RUN + "/items/web-");
  }

  private static void open(String path) {
    driver.get(base + path);
  }

  private static WebElement waitFor(By by) {
    return new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> d.findElement(by));
  }

  private static void waitUntil(java.util.function.BooleanSupplier c) {
    new WebDriverWait(driver, Duration.ofSeconds(20)).until(d -> c.getAsBoolean());
  }

  /** Pixels of a canvas with any opacity: a chart that drew. */
  private static long paintedPixels(WebElement canvas) {
    Object n =
        ((JavascriptExecutor) driver)
            .executeScript(
                "const c = arguments[0], d = c.getContext('2d').getImageData(0, 0, c.width,"
                    + " c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i])"
                    + " n++; return n;",
                canvas);
    return ((Number) n).longValue();
  }

  /** No alert ran, no bold element came from data, and the console logged no error. */
  private static void assertClean() {
    assertClean(null);
  }

  /**
   * As {@link #assertClean()}, with console errors about URLs containing {@code allowed} let pass.
   */
  private static void assertClean(String allowed) {
    try {
      driver.switchTo().alert();
      throw new AssertionError("an alert ran: a token was executed as a script");
    } catch (NoAlertPresentException noAlert) {
      // as it should be
    }
    assertTrue(driver.findElements(By.tagName("b")).isEmpty(), "a <b> token became markup");
    assertEquals(1, driver.findElements(By.tagName("script")).size(), "only the app's script");
    List<LogEntry> errors =
        driver.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
            .filter(e -> allowed == null || !e.getMessage().contains(allowed))
            .toList();
    assertFalse(!errors.isEmpty(), "console errors: " + errors);
  }

  private static void screenshot(String name) throws Exception {
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Files.write(SHOTS.resolve(name + ".png"), png);
  }
}
