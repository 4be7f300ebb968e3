package dev.diffusion4j.text;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hostile safetensors headers and embeddings files, written here byte by byte. */
class HostileSafetensorsTest {

  @TempDir Path dir;

  private Path write(String header, byte[] data) throws Exception {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
    out.write(h);
    out.write(data);
    return Files.write(dir.resolve("x.safetensors"), out.toByteArray());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[4]|[-4, 12]|has byte range [-4, 12)",
        "[2]|[8, 0]|has byte range [8, 0)",
        "[4]|[0, 9223372036854775807]|has byte range [0, 9223372036854775807)",
        "[25000, 25000]|[0, 2500000000]|the most one Java array holds",
        "[4, -4]|[0, 16]|< 0",
        "[2.5]|[0, 8]|no valid dtype, shape and data_offsets",
        "[4]|[0, 1e30]|no valid dtype, shape and data_offsets",
        "[4]|[0]|no valid dtype, shape and data_offsets",
        "[0, 4096]|[0, 0]|which holds no element"
      })
  void malformedRangesAndShapesAreRefusedNamingTheTensor(String shape, String offsets, String why)
      throws Exception {
    Path file =
        write(
            "{\"t\": {\"dtype\": \"F32\", \"shape\": "
                + shape
                + ", \"data_offsets\": "
                + offsets
                + "}}",
            new byte[16]);
    assertThatThrownBy(() -> Safetensors.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("safetensors file " + file + " is malformed: ")
        .hasMessageContaining("tensor 't'")
        .hasMessageContaining(why);
  }

  @Test
  void aHeaderLengthBeyondTheFileIsRefused() throws Exception {
    Path file = dir.resolve("long.safetensors");
    Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).array());
    assertThatThrownBy(() -> Safetensors.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("header length -5 does not fit a file of 16 bytes");
  }

  @Test
  void nonStringMetadataIsRefused() throws Exception {
    Path file = write("{\"__metadata__\": {\"prompt_0\": 7}}", new byte[0]);
    assertThatThrownBy(() -> Safetensors.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("__metadata__ entry 'prompt_0' must be a string, but is: 7");
  }

  @Test
  void nanEmbeddingsAreRefusedNamingThePrompt() throws Exception {
    int n = PromptEmbeddings.TOKENS * PromptEmbeddings.WIDTH;
    ByteBuffer data = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    data.putFloat(4 * 5, Float.NaN);
    Path file =
        write(
            "{\"__metadata__\": {\"prompt_0\": \"a dog\"}, \"prompt_0\": {\"dtype\": \"F32\","
                + " \"shape\": [77, 4096], \"data_offsets\": [0, "
                + 4 * n
                + "]}}",
            data.array());
    assertThatThrownBy(() -> PromptEmbeddings.read(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "embeddings file "
                + file
                + ": the embedding of \"a dog\" must hold finite values only, but holds NaN at"
                + " [0, 5]");
  }
}
