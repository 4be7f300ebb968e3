package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo server's queue on one worker and one waiting place: a third run is refused with 429, a
 * client that goes away cancels its run, and the stop endpoint cancels a waiting one.
 */
class DemoQueueTest {

  private static final String LONG =
      "{\"technique\":\"sample\",\"digit\":4,\"steps\":300,\"sampler\":\"ddpm\"}";

  private static DemoServer server;
  private static DemoClient client;

  @BeforeAll
  static void start() {
    server = DemoClient.startServer(1, 1);
    client = new DemoClient(server.port());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Opens a run's event stream and reads up to its first event of a name; returns the stream. */
  private static InputStream open(String json, String until, String[] id) throws Exception {
    HttpResponse<InputStream> r =
        client.http.send(
            HttpRequest.newBuilder(URI.create(client.base + "/api/run"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
    String event = null;
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("event: ")) {
        event = line.substring(7);
      } else if (line.startsWith("data: ") && "queued".equals(event)) {
        id[0] = JsonParser.parseString(line.substring(6)).getAsJsonObject().get("id").getAsString();
      }
      if (line.startsWith("data: ") && until.equals(event)) {
        break;
      }
    }
    return r.body();
  }

  @Test
  void fullQueueIsRefusedAndLeavingOrStoppingCancels() throws Exception {
    long cancelled = client.status().get("cancelled").getAsLong();
    String[] first = new String[1];
    String[] second = new String[1];
    InputStream running = open(LONG, "step", first);
    InputStream waiting = open(LONG, "queued", second);
    JsonObject s = client.status();
    assertThat(s.get("running").getAsInt()).isEqualTo(1);
    assertThat(s.get("queued").getAsInt()).isEqualTo(1);

    HttpResponse<String> third = client.run(LONG);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.body()).contains("\"field\":\"queue\"").contains("the queue is full");

    // the running run's client goes away: the server notices at its next write and cancels
    running.close();
    // the waiting run is stopped by id
    HttpResponse<String> stop =
        client.http.send(
            HttpRequest.newBuilder(URI.create(client.base + "/api/runs/" + second[0] + "/stop"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(stop.statusCode()).as(stop.body()).isEqualTo(200);
    s = client.awaitIdle(20);
    assertThat(DemoClient.idle(s)).as(s.toString()).isTrue();
    assertThat(s.get("cancelled").getAsLong()).isEqualTo(cancelled + 2);
    waiting.close();

    HttpResponse<String> unknown =
        client.http.send(
            HttpRequest.newBuilder(URI.create(client.base + "/api/runs/nope/stop"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(unknown.statusCode()).isEqualTo(404);
  }
}
