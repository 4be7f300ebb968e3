package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shipped MNIST model card describes the ONNX file beside it. */
class ModelCardTest {

  private static final Map<String, List<String>> INPUTS =
      Map.of("denoiser", List.of("x"), "time", List.of("x", "t"), "class", List.of("x", "t", "c"));
  private static final Map<String, List<String>> OUTPUTS =
      Map.of("denoiser", List.of("denoised"), "time", List.of("eps"), "class", List.of("eps"));

  static Stream<Path> cards() throws IOException {
    try (Stream<Path> files = Files.list(TestData.path("models/mnist"))) {
      List<Path> cards =
          files
              .filter(p -> p.getFileName().toString().matches("[a-z][a-z0-9]*-epoch\\d+\\.json"))
              .sorted()
              .toList();
      assertThat(cards).as("model cards in testdata/models/mnist").hasSize(9);
      return cards.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("cards")
  void cardMatchesItsModelFile(Path cardFile) throws Exception {
    JsonObject card = JsonParser.parseString(Files.readString(cardFile)).getAsJsonObject();
    String name = cardFile.getFileName().toString().replace(".json", "");
    assertThat(card.get("name").getAsString()).isEqualTo(name);
    Path model = cardFile.resolveSibling(card.get("file").getAsString());
    assertThat(model.getFileName().toString()).isEqualTo(name + ".onnx");
    assertThat(Files.size(model)).as("size of %s", model).isLessThan(40L << 20);
    assertThat(card.get("sha256").getAsString()).as("sha256 of %s", model).isEqualTo(sha256(model));

    String kind = card.get("kind").getAsString();
    assertThat(strings(card.getAsJsonArray("inputs"))).isEqualTo(INPUTS.get(kind));
    assertThat(strings(card.getAsJsonArray("outputs"))).isEqualTo(OUTPUTS.get(kind));
    assertThat(card.get("opset").getAsInt()).isEqualTo(17);

    JsonObject training = card.getAsJsonObject("training");
    assertThat(training.get("command").getAsString())
        .startsWith("/usr/bin/python3 onnx-export/mnist/train.py --model " + kind + " ");
    int epoch = Integer.parseInt(name.substring(name.lastIndexOf("epoch") + 5));
    assertThat(training.get("epochs_trained").getAsInt()).isEqualTo(epoch);
    assertThat(card.get("final_epoch_mean_loss").getAsDouble()).isPositive().isLessThan(1.0);
    for (String figure : strings(card.getAsJsonArray("training_figures"))) {
      assertThat(cardFile.resolveSibling(figure)).as("training figure named by the card").exists();
    }
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    array.forEach(e -> out.add(e.getAsString()));
    return out;
  }

  private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
