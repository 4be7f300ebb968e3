package dev.diffusion4j.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler.Thresholding;
import dev.diffusion4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How DDIM and DPM-Solver++ keep the {@link Scheduler} contract beyond the parity vectors. */
class SchedulerContractTest {

  private static final NoiseSchedule MNIST = NoiseSchedule.mnist();
  private static final NoiseSchedule COSINE = NoiseSchedule.cosine(1000);
  private static final Tensor X = NoiseSource.seeded(1).next(2, 3, 4, 4);
  private static final Tensor EPS = NoiseSource.seeded(2).next(2, 3, 4, 4);

  @Test
  void trailingSpacingStartsAtPartBsFirstTimestepAndEndsAtItsCleanImage() {
    Scheduler ddim = DDIMScheduler.builder(MNIST).timestepSpacing(TimestepSpacing.TRAILING).build();
    assertThat(ddim.cleanTimestep()).isZero();
    assertThat(ddim.setTimesteps(10).timesteps())
        .containsExactly(300, 270, 240, 210, 180, 150, 120, 90, 60, 30);
    assertThat(ddim.setTimesteps(300).timesteps()).startsWith(300, 299).endsWith(2, 1);
    Scheduler dpm =
        DPMSolverMultistepScheduler.builder(COSINE)
            .timestepSpacing(TimestepSpacing.TRAILING)
            .build();
    assertThat(dpm.cleanTimestep()).isEqualTo(-1);
    assertThat(dpm.setTimesteps(4).timesteps()).containsExactly(999, 749, 499, 249);
  }

  @Test
  void aRunNamesWhereItsLastStepEnds() {
    DDIMScheduler ddim =
        DDIMScheduler.builder(COSINE).timestepSpacing(TimestepSpacing.TRAILING).build();
    assertThat(ddim.setTimesteps(10).finalTimestep()).isEqualTo(-1);
    // 999, 856, ..., 142: the last stride of 1000 / 7 = 142 lands on timestep 0
    assertThat(ddim.setTimesteps(7).finalTimestep()).isZero();
    DDIMScheduler noAlphaOne = DDIMScheduler.builder(MNIST).setAlphaToOne(false).build();
    assertThat(noAlphaOne.setTimesteps(10).finalTimestep()).isEqualTo(1);
    assertThat(noAlphaOne.toBuilder().setAlphaToOne(true).build().setTimesteps(10).finalTimestep())
        .isZero();
    DPMSolverMultistepScheduler dpm = DPMSolverMultistepScheduler.builder(COSINE).build();
    assertThat(dpm.setTimesteps(10).finalTimestep()).isEqualTo(-1);
    assertThat(
            dpm.toBuilder()
                .finalSigmasType(DPMSolverMultistepScheduler.FinalSigmasType.SIGMA_MIN)
                .build()
                .setTimesteps(10)
                .finalTimestep())
        .isZero();
  }

  @Test
  void theLastDdimStepOfPartBReturnsTheCleanEstimate() {
    Scheduler ddim =
        DDIMScheduler.builder(MNIST)
            .timestepSpacing(TimestepSpacing.TRAILING)
            .clipSample(false)
            .build();
    Scheduler.Run run = ddim.setTimesteps(10);
    SchedulerOutput out = run.step(EPS, 30, X, null);
    assertThat(out.prevSample()).isEqualTo(out.predOriginalSample());
  }

  @Test
  void theLastDpmStepReturnsTheDataPrediction() {
    Scheduler dpm = DPMSolverMultistepScheduler.builder(MNIST).build();
    Scheduler.Run run = dpm.setTimesteps(3);
    Tensor x = X;
    SchedulerOutput out = null;
    for (int t : run.timesteps()) {
      out = run.step(EPS, t, x, null);
      x = out.prevSample();
    }
    assertThat(out.prevSample().maxAbsDiff(out.predOriginalSample())).isZero();
  }

  @Test
  void learnedVarianceChannelsAreIgnored() {
    Tensor v = NoiseSource.seeded(3).next(2, 3, 4, 4);
    for (Scheduler s :
        List.of(
            DDIMScheduler.builder(COSINE).build(),
            DPMSolverMultistepScheduler.builder(COSINE).build())) {
      int t = s.setTimesteps(10).timesteps()[1];
      Tensor plain = s.setTimesteps(10).step(EPS, t, X, null).prevSample();
      Tensor learned =
          s.setTimesteps(10).step(Tensor.concatChannels(EPS, v), t, X, null).prevSample();
      assertThat(learned).as(s.toString()).isEqualTo(plain);
    }
  }

  @Test
  void ddimWithEtaDrawsOneNoiseTensorPerStepAndNeedsASource() {
    Scheduler ddim = DDIMScheduler.builder(MNIST).eta(1.0).build();
    Scheduler.Run run = ddim.setTimesteps(10);
    int t = run.timesteps()[0];
    assertThatThrownBy(() -> run.step(EPS, t, X, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noise must not be null when eta > 0");
    NoiseSource one = NoiseSource.explicit(List.of(EPS));
    run.step(EPS, t, X, one);
    assertThatThrownBy(() -> one.next(2, 3, 4, 4)).isInstanceOf(IllegalStateException.class);
    // eta = 0 draws nothing
    Scheduler.Run deterministic = DDIMScheduler.builder(MNIST).build().setTimesteps(10);
    deterministic.step(EPS, t, X, NoiseSource.explicit(List.of()));
  }

  @Test
  void aDpmRunChecksItsTimestepsAndItsEnd() {
    Scheduler.Run run = DPMSolverMultistepScheduler.builder(COSINE).build().setTimesteps(2);
    int[] ts = run.timesteps();
    assertThatThrownBy(() -> run.step(EPS, 123, X, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one of the run's timesteps")
        .hasMessageContaining("123");
    Tensor x = run.step(EPS, ts[0], X, null).prevSample();
    assertThatThrownBy(() -> run.step(EPS, ts[0], X, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timestep must be " + ts[1]);
    run.step(EPS, ts[1], x, null);
    assertThatThrownBy(() -> run.step(EPS, ts[1], x, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("all its 2 steps");
  }

  @Test
  void runsAreIndependent() {
    Scheduler dpm = DPMSolverMultistepScheduler.builder(COSINE).build();
    Scheduler.Run a = dpm.setTimesteps(5);
    Scheduler.Run b = dpm.setTimesteps(5);
    int[] ts = a.timesteps();
    Tensor xa = a.step(EPS, ts[0], X, null).prevSample();
    xa = a.step(EPS, ts[1], xa, null).prevSample();
    Tensor xb = b.step(EPS, ts[0], X, null).prevSample();
    xb = b.step(EPS, ts[1], xb, null).prevSample();
    assertThat(xa).isEqualTo(xb);
  }

  @Test
  void addNoiseAtTheCleanTimestepReturnsTheOriginal() {
    for (Scheduler s :
        List.of(
            DDIMScheduler.builder(COSINE).build(),
            DPMSolverMultistepScheduler.builder(MNIST).build())) {
      assertThat(s.addNoise(X, EPS, s.cleanTimestep())).isEqualTo(X);
      assertThatThrownBy(() -> s.addNoise(X, EPS, s.cleanTimestep() - 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("timestep must be in");
    }
  }

  @Test
  void addNoiseIsTheForwardProcess() {
    float abar = MNIST.alphaCumprod(150);
    Tensor expected = X.axpby((float) Math.sqrt(abar), EPS, (float) Math.sqrt(1f - abar));
    assertThat(DDIMScheduler.builder(MNIST).build().addNoise(X, EPS, 150).maxAbsDiff(expected))
        .isZero();
    assertThat(
            DPMSolverMultistepScheduler.builder(MNIST)
                .build()
                .addNoise(X, EPS, 150)
                .maxAbsDiff(expected))
        .isLessThan(1e-6);
  }

  /**
   * numpy's arange gives 8 entries for 7 trailing steps of 300, the last diffusers' -1; the run
   * keeps the 7 asked for (diffusers' first 7, from np.round(np.arange(300, 0, -300 / 7)) - 1).
   */
  @Test
  void trailingSpacingDropsTheOvershootToMinusOne() {
    Scheduler ddim = DDIMScheduler.builder(MNIST).timestepSpacing(TimestepSpacing.TRAILING).build();
    assertThat(ddim.setTimesteps(7).timesteps()).containsExactly(300, 257, 214, 171, 129, 86, 43);
    for (int n : new int[] {14, 28, 55, 56, 110, 112, 127, 213, 220, 224, 247, 254, 291}) {
      int[] t = ddim.setTimesteps(n).timesteps();
      assertThat(t).as("n = %d", n).hasSize(n).doesNotContain(0);
      assertThat(t[n - 1]).as("n = %d", n).isPositive();
    }
    Scheduler dpm =
        DPMSolverMultistepScheduler.builder(COSINE)
            .timestepSpacing(TimestepSpacing.TRAILING)
            .build();
    // 1000 / 61: diffusers' list ends 32, 15, -1
    int[] t = dpm.setTimesteps(61).timesteps();
    assertThat(t).hasSize(61).endsWith(32, 15);
  }

  @Test
  void absurdSamplerSettingsAreRefusedBeforeRunningBlamingTheSetting() {
    assertThatThrownBy(() -> DPMSolverMultistepScheduler.builder(MNIST).build().setTimesteps(300))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "numInferenceSteps must be in [1, 299] (fewer than the 300 training timesteps: as"
                + " many repeat a timestep");
    assertThatThrownBy(
            () -> DPMSolverMultistepScheduler.builder(COSINE).build().setTimesteps(1_000_000_000))
        .hasMessageEndingWith("but is: 1000000000");
    assertThatThrownBy(() -> DDIMScheduler.builder(MNIST).build().setTimesteps(1_000_000_000))
        .hasMessage(
            "numInferenceSteps must be in [1, 300] (the training timesteps), but is: 1000000000");
    assertThatThrownBy(() -> DDIMScheduler.builder(MNIST).eta(Double.NaN))
        .hasMessage("eta must be >= 0 and finite, but is: NaN");
    assertThatThrownBy(() -> DDIMScheduler.builder(MNIST).eta(1e6).build().setTimesteps(50))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("eta 1000000.0 is too large for 50 steps: at timestep 295")
        .hasMessageEndingWith("and the step would be NaN; eta in [0, 1] always works");
    // eta = 1 (DDPM-like) runs at every step count of both schedules
    for (NoiseSchedule schedule : List.of(MNIST, COSINE)) {
      DDIMScheduler ddim = DDIMScheduler.builder(schedule).eta(1).build();
      for (int n = 1; n <= schedule.numTrainTimesteps(); n++) {
        ddim.setTimesteps(n);
      }
    }
  }

  @Test
  void badSettingsNameTheParameterAndValue() {
    assertThatThrownBy(() -> DDIMScheduler.builder(MNIST).eta(-0.5))
        .hasMessage("eta must be >= 0 and finite, but is: -0.5");
    assertThatThrownBy(() -> DDIMScheduler.builder(MNIST).build().setTimesteps(301))
        .hasMessage("numInferenceSteps must be in [1, 300] (the training timesteps), but is: 301");
    assertThatThrownBy(() -> DPMSolverMultistepScheduler.builder(MNIST).solverOrder(4))
        .hasMessage("solverOrder must be in [1, 3], but is: 4");
    assertThatThrownBy(() -> DPMSolverMultistepScheduler.builder(null))
        .hasMessage("schedule must not be null");
    assertThatThrownBy(() -> TimestepSpacing.fromDiffusers("karras"))
        .hasMessageContaining("supported: [linspace, leading, trailing]");
    assertThatThrownBy(
            () ->
                DDIMScheduler.builder(MNIST)
                    .build()
                    .setTimesteps(10)
                    .step(X.channels(0, 2), 271, X, null))
        .hasMessageContaining("modelOutput (its noise channels) must have shape [2, 3, 4, 4]");
  }

  @Test
  void toBuilderCopiesEverySetting() {
    DDIMScheduler ddim =
        DDIMScheduler.builder(COSINE)
            .eta(0.3)
            .timestepSpacing(TimestepSpacing.LINSPACE)
            .stepsOffset(1)
            .setAlphaToOne(false)
            .clipSample(false)
            .clipSampleRange(2)
            .thresholding(new Thresholding(0.9, 1.5))
            .useClippedModelOutput(true)
            .build();
    DDIMScheduler copy = ddim.toBuilder().build();
    assertThat(copy).usingRecursiveComparison().isEqualTo(ddim);
    DPMSolverMultistepScheduler dpm =
        DPMSolverMultistepScheduler.builder(MNIST)
            .solverOrder(1)
            .solverType(DPMSolverMultistepScheduler.SolverType.HEUN)
            .lowerOrderFinal(false)
            .eulerAtFinal(true)
            .finalSigmasType(DPMSolverMultistepScheduler.FinalSigmasType.SIGMA_MIN)
            .lambdaMinClipped(-5.1)
            .timestepSpacing(TimestepSpacing.LEADING)
            .stepsOffset(1)
            .thresholding(new Thresholding(0.9, 1.5))
            .build();
    assertThat(dpm.toBuilder().build()).usingRecursiveComparison().isEqualTo(dpm);
  }
}
