package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile requests to the demo server: each is refused with a 4xx whose JSON names the field, and
 * the server goes on serving (a real run after each refusal completes).
 */
class DemoHostileRequestsTest {

  private static DemoServer server;
  private static DemoClient client;

  @BeforeAll
  static void start() {
    server = DemoClient.startServer(2, 1);
    client = new DemoClient(server.port());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A PNG's signature and IHDR of a 280 x 280 image, then a cut-off IDAT chunk. */
  private static String malformedPng() {
    byte[] b = new byte[48];
    byte[] head = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
    System.arraycopy(head, 0, b, 0, head.length);
    byte[] ihdr = {'I', 'H', 'D', 'R', 0, 0, 1, 24, 0, 0, 1, 24, 8, 0, 0, 0, 0};
    System.arraycopy(ihdr, 0, b, 12, ihdr.length);
    Arrays.fill(b, 33, 48, (byte) 7);
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(b);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "malformed PNG | image | {'technique':'sdedit','digit':3,'steps':10,'image':'MALFORMED'}",
        "not base64 | image | {'technique':'sdedit','digit':3,'steps':10,'image':'data:image/png;base64,@@@'}",
        "steps = 10^9 | steps | {'technique':'sample','digit':3,'steps':1000000000}",
        "NaN guidance | guidance | {'technique':'sample','digit':3,'guidance':'NaN'}",
        "infinite guidance | guidance | {'technique':'sample','digit':3,'guidance':1e999}",
        "unknown view | view | {'technique':'anagram','digit':6,'digit2':9,'view':'../../etc/passwd'}",
        "missing digit | digit | {'technique':'sample','steps':10}",
        "missing image | image | {'technique':'sdedit','digit':3}",
        "too many samples | samples | {'technique':'sample','digit':3,'samples':1000}",
        "unknown sampler | sampler | {'technique':'sample','digit':3,'sampler':'magic'}",
        "a model path | model | {'technique':'sample','digit':3,'model':'/tmp/x.onnx'}",
        "an unknown field | modelPath | {'technique':'sample','digit':3,'modelPath':'/tmp/x.onnx'}",
        "not JSON | body | {'technique':",
      })
  void refusedNamingTheFieldAndTheServerGoesOn(String what, String field, String body)
      throws Exception {
    String json = body.replace('\'', '"').replace("MALFORMED", malformedPng());
    HttpResponse<String> r = client.run(json);
    assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(400);
    JsonObject e = JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(e.get("field").getAsString()).as(r.body()).isEqualTo(field);
    assertThat(e.get("error").getAsString())
        .as(r.body())
        .contains(field.equals("body") ? "JSON" : field);
    assertStillServing();
  }

  @Test
  void fiftyMegabyteUploadIsRefusedWith413() throws Exception {
    byte[] big = new byte[50 * 1024 * 1024];
    Arrays.fill(big, (byte) 'a');
    HttpResponse<String> r =
        client.http.send(
            HttpRequest.newBuilder(URI.create(client.base + "/api/run"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
    JsonObject e = JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(e.get("field").getAsString()).isEqualTo("body");
    assertThat(e.get("error").getAsString()).contains("at most " + DemoServer.MAX_BODY_BYTES);
    assertStillServing();
  }

  @Test
  void heldOutDigitOutOfRangeIsRefused() throws Exception {
    HttpResponse<String> r =
        client.http.send(
            HttpRequest.newBuilder(URI.create(client.base + "/api/digit?digit=12&index=0")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("\"field\":\"digit\"").contains("[0, 9]");
  }

  private static void assertStillServing() throws Exception {
    HttpResponse<String> ok =
        client.run("{\"technique\":\"sample\",\"digit\":1,\"steps\":2,\"sampler\":\"ddim\"}");
    assertThat(ok.statusCode()).isEqualTo(200);
    JsonObject done = DemoClient.lastEvent(ok.body(), "done");
    assertThat(done).as(ok.body()).isNotNull();
    assertThat(done.getAsJsonArray("images")).hasSize(1);
  }
}
