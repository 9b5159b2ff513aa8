package dev.saescope.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
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
 * Debian's headless Chromium on one dashboard, through the system chromedriver, with the checks
 * every page gets: no alert, no markup from data, no console error, charts that drew. The same
 * options and checks as the aggregator's {@code DashboardBrowserTest}, which this module cannot
 * reach (test classes are not shared).
 */
final class DashboardBrowser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SHOTS =
      Path.of(System.getProperty("saescope.screenshots", "target/screenshots"));
  static final String MISSING =
      "needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)";
  private static final Duration WAIT = Duration.ofSeconds(20);

  final WebDriver driver;
  private final String base;

  static boolean available() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  }

  /**
   * @param base the dashboard's origin, e.g. {@code http://127.0.0.1:8080}
   */
  DashboardBrowser(String base) throws IOException {
    this.base = base;
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

  void open(String path) {
    driver.get(base + path);
  }

  WebElement waitFor(By by) {
    return new WebDriverWait(driver, WAIT).until(d -> d.findElement(by));
  }

  void waitUntil(String what, BooleanSupplier c) {
    new WebDriverWait(driver, WAIT)
        .withMessage("waited " + WAIT.toSeconds() + " s for " + what)
        .until(d -> c.getAsBoolean());
  }

  Object script(String js, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(js, args);
  }

  /**
   * Pixels of a canvas in colour: the data series and their bands, not uPlot's grey axes and grid.
   */
  long colouredPixels(WebElement canvas) {
    Object n =
        script(
            "const c = arguments[0], d = c.getContext('2d').getImageData(0, 0, c.width,"
                + " c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4) {"
                + " const hi = Math.max(d[i], d[i + 1], d[i + 2]), lo = Math.min(d[i],"
                + " d[i + 1], d[i + 2]); if (d[i + 3] > 0 && hi - lo > 40) n++; } return n;",
            canvas);
    return ((Number) n).longValue();
  }

  /**
   * No alert ran, no bold element came from data, only the app's script exists, and the console
   * logged no error except about URLs containing {@code allowed} (null: none allowed).
   */
  void assertClean(String allowed) {
    try {
      driver.switchTo().alert();
      throw new AssertionError("an alert ran: user text was executed as a script");
    } catch (NoAlertPresentException noAlert) {
      // as it should be
    }
    assertTrue(driver.findElements(By.tagName("b")).isEmpty(), "a <b> in user text became markup");
    assertEquals(1, driver.findElements(By.tagName("script")).size(), "only the app's script");
    List<LogEntry> errors =
        driver.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
            .filter(e -> allowed == null || !e.getMessage().contains(allowed))
            .toList();
    assertTrue(errors.isEmpty(), "console errors: " + errors);
  }

  /** Makes the window as tall as the page (at most 8000 px), so a screenshot shows all of it. */
  void fitWindowToPage() {
    @SuppressWarnings("unchecked")
    List<Number> h =
        (List<Number>)
            script(
                "return [document.documentElement.scrollHeight,"
                    + " window.outerHeight - window.innerHeight];");
    int height = h.get(0).intValue() + h.get(1).intValue();
    driver.manage().window().setSize(new Dimension(1280, Math.min(8000, height)));
  }

  /** The viewport as {@code SHOTS/<name>.png}. */
  void screenshot(String name) throws IOException {
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    Files.write(SHOTS.resolve(name + ".png"), png);
  }

  @Override
  public void close() {
    driver.quit();
  }
}
