package dev.diffusion4j.image;

import static dev.diffusion4j.testing.TestData.assertClose;
import static dev.diffusion4j.testing.TestData.reference;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GaussianBlurTest {

  private static final JsonObject REF = reference("blur");

  @ParameterizedTest
  @CsvSource({"5, 2.0", "3, 0.8", "9, 1.5", "15, 3.0", "1, 1.0"})
  void lowAndHighPassMatchTorchvision(int k, double sigma) {
    Tensor img = tensor(REF, "image");
    GaussianBlur blur = new GaussianBlur(k, sigma);
    assertClose(blur.lowPass(img), tensor(REF, "low_k" + k + "_s" + sigma), 1e-5);
    assertClose(blur.highPass(img), tensor(REF, "high_k" + k + "_s" + sigma), 1e-5);
  }

  @Test
  void kernelIsNormalisedAndSymmetric() {
    float[] w = new GaussianBlur(33, 2).kernel();
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      sum += w[i];
      assertThat(w[i]).isEqualTo(w[w.length - 1 - i]);
    }
    assertThat(sum).isBetween(1 - 1e-6, 1 + 1e-6);
  }

  @Test
  void hybridSettingsScaleWithResolution() {
    assertThat(GaussianBlur.forHybrid(64).kernelSize()).isEqualTo(33);
    assertThat(GaussianBlur.forHybrid(64).sigma()).isEqualTo(2.0);
    assertThat(GaussianBlur.forHybrid(256).kernelSize()).isEqualTo(133);
    assertThat(GaussianBlur.forHybrid(256).sigma()).isEqualTo(8.0);
    assertThat(GaussianBlur.forHybrid(28).kernelSize() % 2).isEqualTo(1);
  }

  @Test
  void rejectsBadKernels() {
    assertThatThrownBy(() -> new GaussianBlur(4, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("kernelSize must be odd and positive, but is: 4");
    assertThatThrownBy(() -> new GaussianBlur(-3, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("kernelSize must be odd and positive, but is: -3");
    assertThatThrownBy(() -> new GaussianBlur(5, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sigma must be > 0 and finite, but is: 0.0");
    assertThatThrownBy(() -> new GaussianBlur(33, 2).apply(Tensor.zeros(1, 1, 10, 10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kernelSize / 2 = 16");
    assertThatThrownBy(() -> new GaussianBlur(3, 1).apply(Tensor.zeros(10, 10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("x must have rank 4, but has shape: [10, 10]");
  }
}
