package dev.diffusion4j.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.image.MnistDigits;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Starts a demo server in this JVM on the repository's models, and talks to one over HTTP. */
final class DemoClient {

  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  final String base;

  DemoClient(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** A server on a free port of 127.0.0.1, on class-epoch20 and the held-out digits. */
  static DemoServer startServer(int queue, int parallel) {
    Diffusion mnist = Diffusion.mnist(ExampleData.model(null, "class-epoch20"));
    MnistDigits heldout =
        MnistDigits.read(
            ExampleData.data(null, ExampleData.HELDOUT_IMAGES),
            ExampleData.data(null, ExampleData.HELDOUT_LABELS));
    return new DemoServer(mnist, null, heldout, "127.0.0.1", 0, queue, parallel);
  }

  /** Posts a run and reads the whole answer (a refusal's JSON, or the run's event stream). */
  HttpResponse<String> run(String json) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/api/run"))
            .timeout(Duration.ofSeconds(90))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The server's /api/status. */
  JsonObject status() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/status"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return JsonParser.parseString(r.body()).getAsJsonObject();
  }

  /** Waits up to {@code seconds} for the server to have no run queued or running. */
  JsonObject awaitIdle(int seconds) throws IOException, InterruptedException {
    JsonObject s = status();
    for (int i = 0; i < seconds * 10 && !idle(s); i++) {
      Thread.sleep(100);
      s = status();
    }
    return s;
  }

  static boolean idle(JsonObject s) {
    return s.get("running").getAsInt() == 0
        && s.get("queued").getAsInt() == 0
        && s.get("active").getAsInt() == 0;
  }

  /** The data of the last event of a name in an event stream, or null. */
  static JsonObject lastEvent(String stream, String name) {
    JsonObject found = null;
    for (String block : stream.split("\n\n")) {
      if (block.startsWith("event: " + name + "\n")) {
        String data = block.substring(block.indexOf("data: ") + 6);
        found = JsonParser.parseString(data).getAsJsonObject();
      }
    }
    return found;
  }
}
