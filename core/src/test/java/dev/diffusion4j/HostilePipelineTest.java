package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.OnnxWriter;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.view.View;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile settings of a run: NaN and infinities in every input, and values so large that float32
 * overflows. Each is refused with a message naming the setting or the model and step; none turns
 * into a black image.
 */
class HostilePipelineTest {

  private static final Path CLASS = TestData.path("models/contract/class-d4.onnx");
  private static final SessionSettings CPU = SessionSettings.on(Device.cpu());

  @TempDir Path dir;

  private static Tensor withNaN(int... shape) {
    Tensor t = Tensor.zeros(shape);
    t.data()[t.size() / 2] = Float.NaN;
    return t;
  }

  @Test
  void aModelThatReturnsNaNFailsAtTheFirstStepNamingModelAndTimestep() {
    Path nan =
        new OnnxWriter()
            .value("x", false, 1, -1, 1, 28, 28)
            .value("t", false, 1, -1)
            .value("eps", true, 1, -1, 1, 28, 28)
            .node("Sub", List.of("x", "x"), List.of("z"))
            .node("Div", List.of("z", "z"), List.of("eps"))
            .write(dir.resolve("nan.onnx"));
    try (Diffusion d = Diffusion.mnist(nan, CPU)) {
      assertThatThrownBy(() -> d.pipeline().steps(10).seed(1).generate())
          .isInstanceOf(DiffusionException.class)
          .hasMessageContaining("model " + nan)
          .hasMessageContaining("at timestep 300");
    }
  }

  @Test
  void guidanceThatOverflowsFloat32IsRefusedUpfront() {
    try (Diffusion d = Diffusion.mnist(CLASS, CPU)) {
      for (double g : new double[] {1e30, Double.MAX_VALUE, Guidance.MAX_SCALE + 1}) {
        assertThatThrownBy(() -> d.pipeline().label(3).guidance(g))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("guidance must be <= 1000.0 (Guidance.MAX_SCALE), but is: " + g);
      }
      assertThatThrownBy(() -> d.pipeline().label(3).guidance(Double.NaN))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("guidance must be >= 0 and finite, but is: NaN");
    }
  }

  @Test
  void nanPixelsInTheStartImageAreRefused() {
    try (Diffusion d = Diffusion.mnist(CLASS, CPU)) {
      assertThatThrownBy(() -> d.pipeline().label(3).image(withNaN(1, 1, 28, 28), 5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("image must hold finite values only, but holds NaN at [0, 0, 14, 0]");
    }
  }

  @Test
  void nanExplicitNoiseIsRefused() {
    Tensor bad = withNaN(1, 1, 28, 28);
    bad.data()[bad.size() / 2] = Float.POSITIVE_INFINITY;
    try (Diffusion d = Diffusion.mnist(CLASS, CPU)) {
      assertThatThrownBy(
              () ->
                  d.pipeline()
                      .label(3)
                      .steps(2)
                      .noise(List.of(Tensor.zeros(1, 1, 28, 28), bad))
                      .generate())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "noise tensor #2 must hold finite values only, but holds Infinity at [0, 0, 14, 0]");
    }
  }

  @Test
  void blurSigmasThatVanishInFloat32AreRefused() {
    assertThatThrownBy(() -> new GaussianBlur(5, 1e-50))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sigma must be in [0.001, 1000000.0], but is: 1.0E-50");
    assertThatThrownBy(() -> new GaussianBlur(Integer.MAX_VALUE, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("kernelSize must be <= 1023, but is: 2147483647");
    assertThat(new GaussianBlur(5, GaussianBlur.MIN_SIGMA).kernel()).doesNotContain(Float.NaN);
  }

  @Test
  void aNaNSampleIsNeverWrittenAsABlackImage() {
    Path out = dir.resolve("black.png");
    assertThatThrownBy(() -> Images.write(withNaN(2, 1, 28, 28), 1, ValueRange.ZERO_TO_ONE, out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "x must hold finite values only to become an image, but sample 1 holds NaN at"
                + " [1, 0, 0, 0]; NaN would be written as black");
    assertThat(out).doesNotExist();
    Tensor fine = NoiseSource.seeded(1).next(2, 1, 28, 28);
    Images.write(fine, 0, ValueRange.ZERO_TO_ONE, out);
    assertThat(out).exists();
  }

  @Test
  void twoMillionSamplesAreRefusedBeforeAnyAllocation() {
    try (Diffusion d = Diffusion.mnist(CLASS, CPU)) {
      assertThatThrownBy(() -> d.pipeline().label(3).samples(2_000_000))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("samples must be <= 1024 (Pipeline.MAX_SAMPLES), but is: 2000000");
      int[] labels = new int[Pipeline.MAX_SAMPLES + 1];
      assertThatThrownBy(() -> d.pipeline().labels(labels).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("samples must be <= 1024 (Pipeline.MAX_SAMPLES), but is: 1025");
    }
  }

  @Test
  void aStartImageOutsideTheModelsRangeIsRefusedNamingTheRange() {
    try (Diffusion d = Diffusion.mnist(CLASS, CPU)) {
      for (float v : new float[] {1e6f, -1f, 255f}) {
        Tensor image = Tensor.full(v, 1, 1, 28, 28);
        assertThatThrownBy(() -> d.pipeline().label(3).image(image, 5))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("image must hold values in the model's range [0, 1]");
      }
      Tensor ok = Tensor.full(1f, 1, 1, 28, 28);
      assertThat(d.pipeline().label(3).image(ok, 5)).isNotNull();
    }
  }

  @Test
  void aUserViewThatReturnsNullOrReshapesIsNamed() {
    View nothing =
        new View() {
          @Override
          public Tensor apply(Tensor x) {
            return null;
          }

          @Override
          public Tensor inverse(Tensor x) {
            return null;
          }

          @Override
          public String name() {
            return "my-view";
          }
        };
    try (Diffusion d = Diffusion.mnist(CLASS, CPU)) {
      assertThatThrownBy(
              () -> d.pipeline().label(3).anagram(Condition.label(5), nothing).steps(3).generate())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("view 'my-view'");
    }
  }
}
