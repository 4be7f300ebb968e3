package dev.diffusion4j.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile IF config.json files: fields of the wrong type are refused, never coerced. */
class HostileConfigTest {

  @TempDir Path dir;

  @BeforeEach
  void files() throws Exception {
    Files.writeString(dir.resolve("stage_I.onnx"), "");
    Files.writeString(dir.resolve("embeddings.safetensors"), "");
  }

  private Path config(String scheduler, String extra) throws Exception {
    return Files.writeString(
        dir.resolve("config.json"),
        "{\"stage_I\": {\"unet\": \"stage_I.onnx\", \"scheduler\": {"
            + scheduler
            + "}}, \"embeddings\": \"embeddings.safetensors\""
            + extra
            + "}");
  }

  @Test
  void aFractionalTimestepCountIsRefusedNotTruncated() throws Exception {
    Path file = config("\"num_train_timesteps\": 999.9", "");
    assertThatThrownBy(() -> IFConfig.read(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            file + ": \"num_train_timesteps\" must be an integer in [2, 100000], but is: 999.9");
  }

  @Test
  void aStringBooleanIsRefusedNotReadAsFalse() throws Exception {
    Path file = config("\"thresholding\": \"yes\"", "");
    assertThatThrownBy(() -> IFConfig.read(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + ": \"thresholding\" must be true or false, but is: \"yes\"");
  }

  @Test
  void numbersWhereStringsBelongAreRefused() throws Exception {
    Path file = config("\"beta_schedule\": 5", "");
    assertThatThrownBy(() -> IFConfig.read(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + ": \"beta_schedule\" must be a string, but is: 5");
  }

  @Test
  void anOutOfRangeThresholdingRatioIsRefused() throws Exception {
    Path file = config("\"thresholding\": true, \"dynamic_thresholding_ratio\": 7", "");
    assertThatThrownBy(() -> IFConfig.read(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + ": \"dynamic_thresholding_ratio\" must be in (0.0, 1.0], but is: 7");
  }

  @Test
  void aTextEncoderWithoutItsTokenizerIsNamedNotDropped() throws Exception {
    config(
        "",
        ", \"text_encoder\": {\"onnx\": \"text_encoder.onnx\", \"tokenizer\": \"tokenizer.json\"}");
    Files.writeString(dir.resolve("text_encoder.onnx"), "");
    assertThatThrownBy(() -> IFConfig.read(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "IF models folder " + dir + " has text_encoder.onnx but not tokenizer.json")
        .hasMessageContaining("text_encoder.tokenizer");
  }
}
