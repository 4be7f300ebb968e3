package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.reference;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import dev.diffusion4j.testing.TestData;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

  private static final JsonObject REF = reference("schedules");

  @Test
  void cosineMatchesTorchWithinOneMillionthRelative() {
    NoiseSchedule s = NoiseSchedule.cosine(1000);
    TestData.assertRelative(s.betas(), tensor(REF, "cosine_betas").data(), 1e-6);
    TestData.assertRelative(s.alphasCumprod(), tensor(REF, "cosine_alphas_cumprod").data(), 1e-6);
  }

  @Test
  void cosineHitsTheSpecCheckValues() {
    NoiseSchedule s = NoiseSchedule.cosine(1000);
    assertThat(s.maxTimestep()).isEqualTo(999);
    assertThat((double) s.alphaCumprod(0)).isCloseTo(0.99995869, within(0.99995869 * 1e-6));
    assertThat((double) s.alphaCumprod(250)).isCloseTo(0.84588802, within(0.84588802 * 1e-6));
    assertThat((double) s.alphaCumprod(500)).isCloseTo(0.49228504, within(0.49228504 * 1e-6));
    assertThat((double) s.alphaCumprod(690)).isCloseTo(0.21452300, within(0.21452300 * 1e-6));
    assertThat((double) s.alphaCumprod(750)).isCloseTo(0.14317866, within(0.14317866 * 1e-6));
    assertThat((double) s.alphaCumprod(990)).isCloseTo(1.9671733e-4, within(1.9671733e-4 * 1e-6));
  }

  @Test
  void linearMatchesTorchWithCleanStepZero() {
    NoiseSchedule s = NoiseSchedule.mnist();
    assertThat(s.maxTimestep()).isEqualTo(300);
    assertThat(s.alphaCumprod(0)).isEqualTo(1f);
    assertThat(s.beta(0)).isEqualTo(0f);
    float[] betas = Arrays.copyOfRange(s.betas(), 1, 301);
    float[] abar = Arrays.copyOfRange(s.alphasCumprod(), 1, 301);
    TestData.assertRelative(betas, tensor(REF, "linear_betas").data(), 1e-6);
    TestData.assertRelative(abar, tensor(REF, "linear_alphas_cumprod").data(), 1e-6);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> NoiseSchedule.cosine(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numTrainTimesteps")
        .hasMessageContaining("1");
    assertThatThrownBy(() -> NoiseSchedule.linear(300, 0.03, 0.02))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("betaEnd");
    assertThatThrownBy(() -> NoiseSchedule.cosine(1000).alphaCumprod(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("t must be in [0, 999], but is: 1000");
  }
}
