package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.image.MnistDigits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo server started with IF models (the tiny test models): a prompt and a negative one. */
class DemoIfTest {

  private static DemoServer server;
  private static DemoClient client;

  @BeforeAll
  static void start() {
    Diffusion mnist = Diffusion.mnist(ExampleData.model(null, "class-epoch20"));
    Diffusion deepFloyd = Diffusion.deepFloyd(Support.testdata("models/tiny-if"));
    MnistDigits heldout =
        MnistDigits.read(
            ExampleData.data(null, ExampleData.HELDOUT_IMAGES),
            ExampleData.data(null, ExampleData.HELDOUT_LABELS));
    server = new DemoServer(mnist, deepFloyd, heldout, "127.0.0.1", 0, 2, 1);
    client = new DemoClient(server.port());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aPromptAndANegativePromptMakeAnIfImage() throws Exception {
    HttpResponse<String> r =
        client.run(
            "{\"model\":\"if\",\"prompt\":\"a photo of a dog\",\"negativePrompt\":\"blurry\","
                + "\"steps\":3,\"sampler\":\"ddim\",\"seed\":1}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().split("event: step\n", -1)).hasSize(4);
    JsonObject done = DemoClient.lastEvent(r.body(), "done");
    assertThat(done).as(r.body()).isNotNull();
    String png = done.getAsJsonArray("images").get(0).getAsString();
    BufferedImage img =
        ImageIO.read(
            new ByteArrayInputStream(
                Base64.getDecoder().decode(png.substring(png.indexOf(',') + 1))));
    assertThat(img.getWidth()).isEqualTo(64);
    assertThat(img.getHeight()).isEqualTo(64);
  }

  @Test
  void promptsAreForIfAndBoundedInLength() throws Exception {
    HttpResponse<String> mnistPrompt = client.run("{\"digit\":3,\"prompt\":\"a dog\"}");
    assertThat(mnistPrompt.statusCode()).isEqualTo(400);
    assertThat(mnistPrompt.body()).contains("\"field\":\"prompt\"");
    HttpResponse<String> tooLong =
        client.run("{\"model\":\"if\",\"prompt\":\"" + "a".repeat(501) + "\"}");
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).contains("\"field\":\"prompt\"").contains("at most 500");
    HttpResponse<String> noPrompt = client.run("{\"model\":\"if\"}");
    assertThat(noPrompt.statusCode()).isEqualTo(400);
    assertThat(noPrompt.body()).contains("prompt is missing");
  }
}
