package dev.diffusion4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.DiffusionException;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.Margins;
import dev.diffusion4j.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxContractTest {

  private static final Path TIME = TestData.path("models/contract/time-d4.onnx");
  private static final SessionSettings CPU = SessionSettings.on(Device.cpu());

  @TempDir Path dir;

  @Test
  void validModelLoadsAndPredictsOneEstimatePerSample() {
    try (MnistUNet unet = MnistUNet.timeConditioned(TIME, CPU)) {
      Tensor x = NoiseSource.seeded(1).next(3, 1, 28, 28);
      Prediction p = unet.predict(x, new int[] {300, 150, 1}, null);
      assertThat(p.noise().shape()).containsExactly(3, 1, 28, 28);
      assertThat(p.variance()).isNull();
      // batching must not change a sample's estimate
      Prediction single = unet.predict(x.slice(1, 2), new int[] {150}, null);
      Margins.report(
          "batch of 3 against 1, time model",
          single.noise().maxAbsDiff(p.noise().slice(1, 2)),
          1e-5);
      assertThat(unet.onnx().onCuda()).isFalse();
    }
  }

  @Test
  void missingFileIsNamed() {
    Path missing = dir.resolve("nope.onnx");
    assertThatThrownBy(() -> MnistUNet.timeConditioned(missing, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model file does not exist: " + missing);
  }

  @Test
  void truncatedFileIsNamed() throws Exception {
    byte[] bytes = Files.readAllBytes(TIME);
    Path truncated =
        Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(bytes, bytes.length / 3));
    assertThatThrownBy(() -> MnistUNet.timeConditioned(truncated, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model file " + truncated + " is not a valid ONNX model");
  }

  @Test
  void nonOnnxFileIsNamed() throws Exception {
    Path text = Files.writeString(dir.resolve("notes.onnx"), "these are not the weights");
    assertThatThrownBy(() -> MnistDenoiser.load(text, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(text.toString())
        .hasMessageContaining("not a valid ONNX model");
  }

  @Test
  void misnamedInputListsWhatWasFoundAndExpected() {
    Path bad = TestData.path("models/contract/misnamed-input.onnx");
    assertThatThrownBy(() -> MnistUNet.classConditioned(bad, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("model file " + bad)
        .hasMessageContaining("no input named 't'")
        .hasMessageContaining(
            "Found inputs [x float[B, 1, 28, 28], timestep float[B], c float[B, 10]]")
        .hasMessageContaining(
            "expected inputs [x float[B, 1, 28, 28], t float[B], c float[B, 10]]");
  }

  @Test
  void wrongRankIsReported() {
    Path bad = TestData.path("models/contract/wrong-rank.onnx");
    assertThatThrownBy(() -> MnistUNet.classConditioned(bad, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("input 't' has shape [B, 1]");
  }

  @Test
  void timeModelIsNotAClassModel() {
    assertThatThrownBy(() -> MnistUNet.classConditioned(TIME, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("it has 2 inputs where 3 are expected")
        .hasMessageContaining("no input named 'c'");
  }

  @Test
  void badPredictArgumentsAreNamed() {
    try (MnistUNet unet = MnistUNet.timeConditioned(TIME, CPU)) {
      Tensor x = Tensor.zeros(2, 1, 28, 28);
      assertThatThrownBy(() -> unet.predict(x, new int[] {1}, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("timesteps must hold one entry per sample (2), but holds: 1");
      assertThatThrownBy(() -> unet.predict(x, new int[] {1, 301}, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("timesteps must be in [0, 300], but timesteps[1] is: 301");
      assertThatThrownBy(() -> unet.predict(Tensor.zeros(1, 1, 32, 32), new int[] {1}, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("sample must have shape [B, 1, 28, 28], but has shape: [1, 1, 32, 32]");
      assertThatThrownBy(() -> unet.predict(x, new int[] {1, 1}, Tensor.zeros(2, 10)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("condition must be null");
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseFails() {
    MnistUNet unet = MnistUNet.timeConditioned(TIME, CPU);
    unet.close();
    unet.close();
    assertThat(unet.onnx().isClosed()).isTrue();
    assertThatThrownBy(() -> unet.predict(Tensor.zeros(1, 1, 28, 28), new int[] {1}, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("model time-d4.onnx is closed");
  }

  @Test
  void cudaOnAHostWithoutItNamesTheRequirement() {
    Assumptions.assumeFalse(
        Files.exists(Path.of("/dev/nvidia0")), "this host has an NVIDIA GPU; CUDA may load");
    assertThatThrownBy(() -> MnistUNet.timeConditioned(TIME, SessionSettings.on(Device.cuda(0))))
        .isInstanceOf(DiffusionException.class)
        .hasMessageContaining("CUDA device 0 is not usable")
        .hasMessageContaining("CUDA 12 and cuDNN 9");
  }

  @Test
  void autoFallsBackToTheCpu() {
    try (MnistUNet unet = MnistUNet.timeConditioned(TIME, SessionSettings.DEFAULT)) {
      assertThat(unet.onnx().onCuda()).isFalse();
      assertThat(unet.predict(Tensor.zeros(1, 1, 28, 28), new int[] {5}, null).noise().size())
          .isEqualTo(784);
    }
  }

  @Test
  void deviceNamesParse() {
    assertThat(Device.parse("cuda:1").toString()).isEqualTo("cuda:1");
    assertThat(Device.parse("cpu").toString()).isEqualTo("cpu");
    assertThatThrownBy(() -> Device.parse("tpu"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("device must be one of auto, cpu, cuda, cuda:N, but is: tpu");
  }
}
