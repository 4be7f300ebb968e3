package dev.diffusion4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The float flavours of a folder that {@code export_if.py --dtype fp32,fp16,fp16-cuda} wrote: the
 * CUDA file on CUDA, a CPU file on the CPU.
 */
class IFFlavourTest {

  @TempDir Path dir;

  @BeforeEach
  void files() throws Exception {
    for (String f :
        new String[] {
          "stage_I.onnx", "stage_I.fp16.onnx", "stage_I.fp16-cuda.onnx", "embeddings.safetensors"
        }) {
      Files.writeString(dir.resolve(f), "");
    }
  }

  private IFConfig config(String unet, String unets) throws Exception {
    Files.writeString(
        dir.resolve("config.json"),
        "{\"stage_I\": {\"unet\": \""
            + unet
            + "\", \"unets\": {"
            + unets
            + "}}, \"embeddings\": \"embeddings.safetensors\"}");
    return IFConfig.read(dir);
  }

  @Test
  void cudaTakesTheFloat16ArithmeticFileAndTheCpuTheDefault() throws Exception {
    IFConfig c =
        config(
            "stage_I.onnx",
            "\"fp32\": \"stage_I.onnx\", \"fp16\": \"stage_I.fp16.onnx\","
                + " \"fp16-cuda\": \"stage_I.fp16-cuda.onnx\"");
    assertThat(c.stageOne(true)).isEqualTo(dir.resolve("stage_I.fp16-cuda.onnx"));
    assertThat(c.stageOne(false)).isEqualTo(dir.resolve("stage_I.onnx"));
    assertThat(c.stageTwo(true)).isNull();
  }

  @Test
  void theCpuAvoidsAFloat16ArithmeticDefault() throws Exception {
    IFConfig c =
        config(
            "stage_I.fp16-cuda.onnx",
            "\"fp16-cuda\": \"stage_I.fp16-cuda.onnx\", \"fp16\": \"stage_I.fp16.onnx\"");
    assertThat(c.stageOne(false)).isEqualTo(dir.resolve("stage_I.fp16.onnx"));
    assertThat(c.stageOne(true)).isEqualTo(dir.resolve("stage_I.fp16-cuda.onnx"));
  }

  @Test
  void aFolderWithOneFlavourRunsItEverywhere() throws Exception {
    IFConfig cuda = config("stage_I.fp16-cuda.onnx", "\"fp16-cuda\": \"stage_I.fp16-cuda.onnx\"");
    assertThat(cuda.stageOne(false)).isEqualTo(dir.resolve("stage_I.fp16-cuda.onnx"));
    IFConfig cpu = config("stage_I.fp16.onnx", "");
    assertThat(cpu.stageOne(true)).isEqualTo(dir.resolve("stage_I.fp16.onnx"));
    assertThat(cpu.stageOneFlavours()).isEmpty();
  }

  @Test
  void unknownFlavoursAndMissingFilesAreRefused() throws Exception {
    assertThatThrownBy(() -> config("stage_I.onnx", "\"bf16\": \"stage_I.onnx\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            dir.resolve("config.json")
                + ": \"stage_I.unets\" must have keys among [fp32, fp16, fp16-cuda], but has:"
                + " \"bf16\"");
    assertThatThrownBy(() -> config("stage_I.onnx", "\"fp16-cuda\": \"gone.onnx\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "IF models folder "
                + dir
                + " is missing gone.onnx (config.json stage_I.unets.fp16-cuda)");
  }
}
