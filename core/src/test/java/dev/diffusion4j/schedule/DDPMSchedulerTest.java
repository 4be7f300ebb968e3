package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.assertClose;
import static dev.diffusion4j.testing.TestData.reference;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.diffusion4j.schedule.DDPMScheduler.Thresholding;
import dev.diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DDPMSchedulerTest {

  private static final JsonObject REF = reference("step");
  private static final Tensor XT = tensor(REF, "x_t");
  private static final Tensor EPS = tensor(REF, "eps");
  private static final Tensor V = tensor(REF, "v");
  private static final Tensor Z = tensor(REF, "z");

  @ParameterizedTest
  @CsvSource({"690, 660", "990, 960", "30, 0", "500, 250"})
  void learnedRangeStepMatchesTorch(int t, int prev) {
    SchedulerOutput out = DDPMScheduler.deepFloydIF().step(EPS, V, t, prev, XT, Z);
    assertClose(out.prevSample(), tensor(REF, "learned_" + t + "_" + prev), 1e-5);
    assertClose(out.predOriginalSample(), tensor(REF, "learned_" + t + "_" + prev + "_x0"), 1e-5);
  }

  @ParameterizedTest
  @CsvSource({"690, 660", "990, 960", "30, 0", "500, 250"})
  void thresholdedStepMatchesTorch(int t, int prev) {
    DDPMScheduler s = DDPMScheduler.deepFloydIF().withThresholding(new Thresholding(0.95, 1.5));
    SchedulerOutput out = s.step(EPS, V, t, prev, XT, Z);
    assertClose(out.prevSample(), tensor(REF, "learned_thresh_" + t + "_" + prev), 1e-5);
    assertClose(
        out.predOriginalSample(), tensor(REF, "learned_thresh_" + t + "_" + prev + "_x0"), 1e-5);
  }

  @ParameterizedTest
  @CsvSource({"300, 299", "150, 140", "2, 1", "1, 0"})
  void fixedVarianceStepMatchesTorch(int t, int prev) {
    DDPMScheduler s = DDPMScheduler.mnist();
    assertThat(s.needsNoise(t, prev)).isEqualTo(prev > 0);
    SchedulerOutput out = s.step(EPS, null, t, prev, XT, prev > 0 ? Z : null);
    assertClose(out.prevSample(), tensor(REF, "fixed_" + t + "_" + prev), 1e-5);
  }

  @ParameterizedTest
  @CsvSource({"300", "2"})
  void fullChainStepEqualsPartBsFormulaWithBetaT(int t) {
    SchedulerOutput out = DDPMScheduler.mnist().step(EPS, null, t, t - 1, XT, Z);
    assertClose(out.prevSample(), tensor(REF, "partb_formula_" + t), 1e-5);
  }

  @ParameterizedTest
  @CsvSource({"250", "500", "750"})
  void forwardProcessMatchesTorch(int t) {
    Tensor x0 = tensor(REF, "x0");
    assertClose(DDPMScheduler.deepFloydIF().addNoise(x0, Z, t), tensor(REF, "forward_" + t), 1e-5);
  }

  @Test
  void thresholdMatchesTorchQuantile() {
    Tensor out = DDPMScheduler.threshold(tensor(REF, "threshold_in"), new Thresholding(0.95, 1.5));
    assertClose(out, tensor(REF, "threshold_out"), 1e-5);
  }

  @Test
  void oneStepEstimateInvertsTheForwardProcess() {
    DDPMScheduler s = DDPMScheduler.deepFloydIF();
    Tensor x0 = tensor(REF, "x0");
    Tensor xt = s.addNoise(x0, Z, 500);
    assertClose(s.predOriginalSample(xt, Z, 500), x0, 1e-5);
  }

  @Test
  void rejectsBadArguments() {
    DDPMScheduler s = DDPMScheduler.deepFloydIF();
    assertThatThrownBy(() -> s.step(EPS, V, 500, 500, XT, Z))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prevTimestep must be < timestep (500), but is: 500");
    assertThatThrownBy(() -> s.step(EPS, null, 500, 470, XT, Z))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("varianceValues");
    assertThatThrownBy(() -> s.step(EPS.slice(0, 1), V, 500, 470, XT, Z))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "noisePred must have shape [2, 3, 6, 5], but has shape: [1, 3, 6, 5]");
    assertThatThrownBy(() -> s.step(EPS, V, 1000, 970, XT, Z))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timestep must be in [0, 999], but is: 1000");
    assertThatThrownBy(() -> s.step(EPS, V, 500, 470, XT, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noise must not be null");
    assertThatThrownBy(() -> new Thresholding(0.95, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sampleMaxValue must be >= 1, but is: 0.5");
  }
}
