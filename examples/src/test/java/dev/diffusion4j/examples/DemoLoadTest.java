package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A load test over loopback, bounded in count and time: 32 clients at once against a demo server
 * with a queue of 8 and 2 parallel runs. Each client gets its image or a 429 that says the queue is
 * full; afterwards nothing runs or waits, and the server's resident memory and thread count are
 * where they were before.
 *
 * <p>The server runs in a child JVM, so that its resident set ({@code VmRSS} of {@code
 * /proc/PID/status}) is its own and not the test runner's. Its heap is fixed and touched up front
 * ({@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch}), so the heap's growth does not count as a leak
 * and what the RSS measures is the rest: ONNX Runtime's buffers, thread stacks, metaspace, direct
 * buffers. "Before" is taken after one warm-up burst of the same 32 clients, so that the one-time
 * costs (classes loaded by the first 429, ONNX Runtime's arena for two parallel runs, the JIT) are
 * in both measurements.
 */
class DemoLoadTest {

  private static final int CLIENTS = 32;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void thirtyTwoClientsGetAnImageOrA429AndMemoryStaysFlat() throws Exception {
    Assumptions.assumeTrue(
        Files.isReadable(Path.of("/proc/self/status")),
        "skipped: the load test reads the server's memory from /proc (Linux)");
    Path log = Path.of("target", "demo-load-server.log");
    Files.createDirectories(log.getParent());
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xms256m",
            "-Xmx256m",
            "-XX:+AlwaysPreTouch",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "serve",
            "--port",
            "0",
            "--queue",
            "8",
            "--parallel",
            "2");
    pb.redirectError(log.toFile());
    Process server = pb.start();
    try {
      int port = port(server);
      DemoClient client = new DemoClient(port);
      long pid = server.pid();

      int[] warm = burst(client);
      assertThat(warm[0]).as("warm-up runs done").isPositive();
      client.awaitIdle(60);
      Thread.sleep(1000);
      long rssBefore = procStatus(pid, "VmRSS");
      long threadsBefore = procStatus(pid, "Threads");

      int[] counts = burst(client);
      JsonObject idle = client.awaitIdle(60);
      Thread.sleep(1000);
      long rssAfter = procStatus(pid, "VmRSS");
      long threadsAfter = procStatus(pid, "Threads");
      System.out.printf(
          "demo load: %d clients: %d images, %d refused with 429; RSS %d -> %d kB (%+.1f%%),"
              + " threads %d -> %d%n",
          CLIENTS,
          counts[0],
          counts[1],
          rssBefore,
          rssAfter,
          100.0 * (rssAfter - rssBefore) / rssBefore,
          threadsBefore,
          threadsAfter);

      assertThat(counts[0] + counts[1]).as("every client got an image or a 429").isEqualTo(CLIENTS);
      assertThat(counts[0]).as("images").isPositive();
      assertThat(DemoClient.idle(idle)).as("nothing left running: " + idle).isTrue();
      assertThat((double) Math.abs(rssAfter - rssBefore))
          .as("RSS before %d kB, after %d kB", rssBefore, rssAfter)
          .isLessThanOrEqualTo(0.10 * rssBefore);
      // Jetty's and the runs' pools are fixed; the JVM may add a compiler thread or two
      assertThat(threadsAfter).as("threads").isLessThanOrEqualTo(threadsBefore + 3);
    } finally {
      server.destroy();
      if (!server.waitFor(20, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  /** The port the child server prints, within a minute. */
  private static int port(Process server) throws Exception {
    CompletableFuture<Integer> port =
        CompletableFuture.supplyAsync(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                Pattern url = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");
                for (String line; (line = r.readLine()) != null; ) {
                  Matcher m = url.matcher(line);
                  if (m.find()) {
                    return Integer.parseInt(m.group(1));
                  }
                }
                return -1;
              } catch (IOException e) {
                return -1;
              }
            });
    int p = port.get(60, TimeUnit.SECONDS);
    assertThat(p).as("the server printed its URL (see target/demo-load-server.log)").isPositive();
    return p;
  }

  /**
   * 32 runs posted at once; returns {images, 429s}. Anything else (another status, a stream without
   * its image) fails the test.
   */
  private static int[] burst(DemoClient client) throws Exception {
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      String json =
          "{\"technique\":\"sample\",\"digit\":"
              + (i % 10)
              + ",\"steps\":10,\"sampler\":\"dpm++\",\"seed\":"
              + i
              + "}";
      all.add(
          client.http.sendAsync(
              HttpRequest.newBuilder(URI.create(client.base + "/api/run"))
                  .timeout(Duration.ofSeconds(120))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    int images = 0;
    int refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      HttpResponse<String> r = f.get(150, TimeUnit.SECONDS);
      if (r.statusCode() == 429) {
        JsonObject e = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(e.get("error").getAsString()).contains("queue is full");
        refused++;
      } else {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject done = DemoClient.lastEvent(r.body(), "done");
        assertThat(done).as("a done event: " + r.body()).isNotNull();
        assertThat(done.getAsJsonArray("images").get(0).getAsString())
            .startsWith("data:image/png;base64,");
        images++;
      }
    }
    return new int[] {images, refused};
  }

  /** A number field of /proc/PID/status (VmRSS in kB, Threads). */
  private static long procStatus(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("no " + field + " in /proc/" + pid + "/status");
  }
}
