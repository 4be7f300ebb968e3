package dev.diffusion4j.examples;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A headless Chromium for the browser tests, driven by Debian's {@code chromium} and {@code
 * chromium-driver} (or the binaries named by {@code CHROME_BIN} and {@code CHROMEDRIVER}).
 *
 * <p>Where they are missing the browser tests are skipped by an assumption that says what to
 * install, unless the system property {@code diffusion4j.browser} or the environment variable
 * {@code DIFFUSION4J_BROWSER} is {@code required} (CI sets it): then they fail.
 */
final class Browser {

  private Browser() {}

  /** Whether the browser tests must run (CI), rather than be skipped without a browser. */
  static boolean required() {
    String p = System.getProperty("diffusion4j.browser");
    if (p == null) {
      p = System.getenv("DIFFUSION4J_BROWSER");
    }
    return p != null && p.trim().toLowerCase(Locale.ROOT).equals("required");
  }

  private static Path find(String env, List<String> candidates) {
    String given = System.getenv(env);
    if (given != null && !given.isBlank()) {
      return Path.of(given);
    }
    for (String c : candidates) {
      Path p = Path.of(c);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Starts a headless Chromium, or skips (fails, where required) the test without one.
   *
   * @return the driver; the caller quits it
   */
  static ChromeDriver start() {
    Path chromium = find("CHROME_BIN", List.of("/usr/bin/chromium", "/usr/bin/chromium-browser"));
    Path driver = find("CHROMEDRIVER", List.of("/usr/bin/chromedriver"));
    if (chromium == null
        || driver == null
        || !Files.isExecutable(chromium)
        || !Files.isExecutable(driver)) {
      String msg =
          "the browser tests need Chromium and its driver (/usr/bin/chromium and"
              + " /usr/bin/chromedriver: apt-get install chromium chromium-driver, or set"
              + " CHROME_BIN and CHROMEDRIVER); found "
              + (chromium == null ? "no chromium" : chromium)
              + " and "
              + (driver == null ? "no chromedriver" : driver);
      if (required()) {
        fail(msg + " (diffusion4j.browser=required)");
      }
      Assumptions.assumeTrue(false, "skipped: " + msg);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-extensions",
        "--no-first-run",
        "--window-size=1280,800");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(driver.toString()))
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }
}
