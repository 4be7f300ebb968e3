package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo page in a real (headless) Chromium: a stroke drawn on the canvas edited by SDEdit, and
 * an anagram stopped from the page. Skipped without Chromium unless required ({@link Browser}). The
 * SDEdit test leaves a screenshot of the page at {@code examples/target/demo-sdedit.png}.
 */
class DemoBrowserTest {

  private static DemoServer server;
  private static DemoClient client;
  private ChromeDriver browser;

  @BeforeAll
  static void startServer() {
    server = DemoClient.startServer(4, 1);
    client = new DemoClient(server.port());
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void open() {
    browser = Browser.start();
    browser.get(client.base + "/");
    waitFor(Duration.ofSeconds(20)).until(d -> "true".equals(body().getAttribute("data-ready")));
  }

  @AfterEach
  void quit() {
    if (browser != null) {
      browser.quit();
    }
  }

  private WebElement body() {
    return browser.findElement(By.tagName("body"));
  }

  private WebDriverWait waitFor(Duration d) {
    return new WebDriverWait(browser, d, Duration.ofMillis(100));
  }

  private void set(String id, String value) {
    WebElement e = browser.findElement(By.id(id));
    e.clear();
    e.sendKeys(value);
  }

  private void choose(String id, String value) {
    new Select(browser.findElement(By.id(id))).selectByValue(value);
  }

  private int frames() {
    return Integer.parseInt(browser.findElement(By.id("counter")).getAttribute("data-frames"));
  }

  /** The spread (max - min) of the gray values of an image on the page, read from a canvas. */
  private long spread(String id) {
    Object v =
        browser.executeScript(
            "const img = document.getElementById(arguments[0]);"
                + "const c = document.createElement('canvas');"
                + "c.width = img.naturalWidth; c.height = img.naturalHeight;"
                + "const g = c.getContext('2d'); g.drawImage(img, 0, 0);"
                + "const d = g.getImageData(0, 0, c.width, c.height).data;"
                + "let lo = 255, hi = 0;"
                + "for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]);"
                + " hi = Math.max(hi, d[i]); }"
                + "return hi - lo;",
            id);
    return ((Number) v).longValue();
  }

  @Test
  void drawnStrokeEditedBySdeditStreamsFramesAndEndsInAnImage() throws Exception {
    // a 3 in one stroke, then SDEdit it into an 8
    WebElement canvas = browser.findElement(By.id("overlay"));
    new Actions(browser)
        .moveToElement(canvas, -50, -80)
        .clickAndHold()
        .moveByOffset(50, -10)
        .moveByOffset(40, 25)
        .moveByOffset(-10, 40)
        .moveByOffset(-40, 20)
        .moveByOffset(45, 25)
        .moveByOffset(5, 45)
        .moveByOffset(-40, 30)
        .moveByOffset(-45, -10)
        .release()
        .perform();
    choose("technique", "sdedit");
    choose("digit", "8");
    choose("sampler", "dpm++");
    set("steps", "20");
    set("strength", "0.8");
    set("seed", "3");
    browser.findElement(By.id("run")).click();
    waitFor(Duration.ofSeconds(60))
        .until(d -> !"running".equals(body().getAttribute("data-state")));
    assertThat(body().getAttribute("data-state"))
        .as(browser.findElement(By.id("status")).getText())
        .isEqualTo("done");
    // strength 0.8 of 20 steps: diffusers' img2img runs the last 16
    assertThat(frames()).isEqualTo(16);
    assertThat(browser.findElement(By.id("counter")).getText()).startsWith("step 16 / 16");
    assertThat(spread("final")).as("the result is not blank").isGreaterThan(100);
    assertThat(spread("x0")).as("the last clean estimate is not blank").isGreaterThan(100);
    assertThat(browser.findElement(By.id("download-gif")).getAttribute("href"))
        .startsWith("data:image/gif;base64,");
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Path target = Path.of("target", "demo-sdedit.png");
    Files.createDirectories(target.getParent());
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(target)).isGreaterThan(1000);
  }

  @Test
  void stopButtonEndsTheAnagramOnTheServer() throws Exception {
    long cancelledBefore = client.status().get("cancelled").getAsLong();
    choose("technique", "anagram");
    choose("digit", "6");
    choose("digit2", "9");
    choose("view", "rot180");
    choose("sampler", "ddpm");
    set("steps", "300");
    browser.findElement(By.id("run")).click();
    waitFor(Duration.ofSeconds(30)).until(d -> frames() >= 2);
    assertThat(client.status().get("running").getAsInt()).isEqualTo(1);
    browser.findElement(By.id("stop")).click();
    JsonObject s = client.awaitIdle(15);
    assertThat(DemoClient.idle(s)).as(s.toString()).isTrue();
    assertThat(s.get("cancelled").getAsLong()).isEqualTo(cancelledBefore + 1);
    waitFor(Duration.ofSeconds(5))
        .until(d -> "cancelled".equals(body().getAttribute("data-state")));
    assertThat(frames()).isLessThan(300);
  }
}
