package dev.diffusion4j.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler.AlgorithmType;
import dev.diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * How UniPC, Euler Ancestral, LMS and DPM-Solver++'s newer settings keep the {@link Scheduler}
 * contract beyond the parity vectors: the refusals, the scaling methods, the -1 ending of trailing
 * lists.
 */
class SamplerContractTest {

  private static final NoiseSchedule MNIST = NoiseSchedule.mnist();
  private static final NoiseSchedule COSINE = NoiseSchedule.cosine(1000);
  private static final Tensor X = NoiseSource.seeded(1).next(2, 1, 4, 4);
  private static final Tensor EPS = NoiseSource.seeded(2).next(2, 1, 4, 4);

  @Test
  void hostileSettingsAreRefusedNamingTheParameter() {
    assertThatThrownBy(() -> UniPCMultistepScheduler.builder(MNIST).solverOrder(7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("solverOrder must be in [1, 3], but is: 7");
    assertThatThrownBy(() -> LMSDiscreteScheduler.builder(MNIST).order(7))
        .hasMessage("order must be in [1, 4], but is: 7");
    assertThatThrownBy(() -> DPMSolverMultistepScheduler.builder(MNIST).solverOrder(7))
        .hasMessage("solverOrder must be in [1, 3], but is: 7");
    assertThatThrownBy(
            () -> DPMSolverMultistepScheduler.builder(MNIST).lambdaMinClipped(Double.NaN))
        .hasMessage("lambdaMinClipped must not be NaN");
    assertThatThrownBy(
            () ->
                DPMSolverMultistepScheduler.builder(MNIST)
                    .lambdaMinClipped(1e9)
                    .build()
                    .setTimesteps(10))
        .hasMessageContaining("lambdaMinClipped 1.0E9 leaves no timestep");
    assertThatThrownBy(() -> EulerAncestralDiscreteScheduler.builder(MNIST).stepsOffset(300))
        .hasMessage("stepsOffset must be in [0, 299], but is: 300");
    assertThatThrownBy(() -> UniPCMultistepScheduler.builder(MNIST).disableCorrector(-1))
        .hasMessageContaining("disableCorrector");
    assertThatThrownBy(() -> UniPCMultistepScheduler.SolverType.fromDiffusers("bh3"))
        .hasMessage("unknown solver_type 'bh3'; supported: [bh1, bh2]");
    assertThatThrownBy(() -> AlgorithmType.fromDiffusers("dpmsolver"))
        .hasMessage(
            "unknown algorithm_type 'dpmsolver'; supported: [dpmsolver++, sde-dpmsolver++]");
    for (Scheduler s :
        new Scheduler[] {
          UniPCMultistepScheduler.builder(MNIST).build(),
          EulerAncestralDiscreteScheduler.builder(MNIST).build(),
          LMSDiscreteScheduler.builder(MNIST).build(),
          DPMSolverMultistepScheduler.builder(MNIST).build()
        }) {
      assertThatThrownBy(() -> s.setTimesteps(1_000_000_000))
          .as(s.toString())
          .hasMessageStartingWith("numInferenceSteps must be in [1, ")
          .hasMessageEndingWith("but is: 1000000000");
      assertThatThrownBy(() -> s.setTimesteps(0)).hasMessageContaining("numInferenceSteps");
    }
  }

  @Test
  void conflictingDpmSettingsAreRefusedAtBuild() {
    assertThatThrownBy(
            () ->
                DPMSolverMultistepScheduler.builder(MNIST)
                    .algorithmType(AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS)
                    .solverOrder(3)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("solverOrder 3 is not offered with sde-dpmsolver++");
    assertThatThrownBy(
            () ->
                DPMSolverMultistepScheduler.builder(MNIST)
                    .useKarrasSigmas(true)
                    .useLuLambdas(true)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("useKarrasSigmas and useLuLambdas are both set; choose one");
  }

  @Test
  void stochasticStepsNeedANoiseSource() {
    Scheduler.Run euler = EulerAncestralDiscreteScheduler.builder(MNIST).build().setTimesteps(5);
    int t = euler.timesteps()[0];
    assertThatThrownBy(() -> euler.step(EPS, t, X, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("noise must not be null: Euler Ancestral draws noise at every step");
    Scheduler.Run sde =
        DPMSolverMultistepScheduler.builder(MNIST)
            .algorithmType(AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS)
            .build()
            .setTimesteps(5);
    assertThatThrownBy(() -> sde.step(EPS, sde.timesteps()[0], X, null))
        .hasMessage("noise must not be null: sde-dpmsolver++ draws noise at every step");
  }

  @Test
  void sigmaScaledSamplersScaleTheModelInputAndTheStartingNoise() {
    // linspace: init_noise_sigma = sigma_max; leading: (sigma_max^2 + 1) ** 0.5
    float sigmaMax = (float) Math.sqrt((1 - MNIST.alphaCumprod(300)) / MNIST.alphaCumprod(300));
    Scheduler.Run lms = LMSDiscreteScheduler.builder(MNIST).build().setTimesteps(10);
    assertThat(lms.initNoiseSigma()).isEqualTo(sigmaMax);
    Scheduler.Run leading =
        EulerAncestralDiscreteScheduler.builder(MNIST)
            .timestepSpacing(TimestepSpacing.LEADING)
            .stepsOffset(1)
            .build()
            .setTimesteps(10);
    assertThat(leading.timesteps()).startsWith(272, 242).endsWith(2);
    float sigma272 = (float) Math.sqrt((1 - MNIST.alphaCumprod(272)) / MNIST.alphaCumprod(272));
    assertThat(leading.initNoiseSigma())
        .isEqualTo((double) (float) Math.sqrt(sigma272 * sigma272 + 1f));
    Tensor scaled = leading.scaleModelInput(X, 272);
    assertThat(scaled.get(0)).isEqualTo(X.get(0) / (float) Math.sqrt(sigma272 * sigma272 + 1f));
    assertThat(X.get(0)).isEqualTo(NoiseSource.seeded(1).next(2, 1, 4, 4).get(0)); // not modified
    // the variance-preserving samplers: identity and 1
    Scheduler.Run unipc = UniPCMultistepScheduler.builder(MNIST).build().setTimesteps(10);
    assertThat(unipc.scaleModelInput(X, unipc.timesteps()[0])).isSameAs(X);
    assertThat(unipc.initNoiseSigma()).isEqualTo(1.0);
  }

  @Test
  void linspaceTimestepsAreRoundedForTheModel() {
    // upstream: linspace(0, 299, 4) = 299, 199.33, 99.67, 0 -> the model sees 300, 199, 101, 1
    Scheduler.Run euler = EulerAncestralDiscreteScheduler.builder(MNIST).build().setTimesteps(4);
    assertThat(euler.timesteps()).containsExactly(300, 200, 101, 1);
    assertThat(euler.finalTimestep()).isZero();
  }

  @Test
  void trailingListsDropTheOvershootToMinusOne() {
    // T = 300, n = 7: numpy's arange(300, 0, -300 / 7) has 8 entries, the last rounding to 0 (-1
    // in diffusers' indexing); the library keeps the 7 steps asked for, as DDIM does
    for (Scheduler s :
        new Scheduler[] {
          DPMSolverMultistepScheduler.builder(MNIST)
              .timestepSpacing(TimestepSpacing.TRAILING)
              .build(),
          UniPCMultistepScheduler.builder(MNIST).timestepSpacing(TimestepSpacing.TRAILING).build(),
          LMSDiscreteScheduler.builder(MNIST).timestepSpacing(TimestepSpacing.TRAILING).build(),
          EulerAncestralDiscreteScheduler.builder(MNIST)
              .timestepSpacing(TimestepSpacing.TRAILING)
              .build()
        }) {
      Scheduler.Run run = s.setTimesteps(7);
      assertThat(run.timesteps()).as(s.toString()).containsExactly(300, 257, 214, 171, 129, 86, 43);
      assertThat(run.numInferenceSteps()).isEqualTo(7);
    }
  }

  @Test
  void aRunRefusesAnotherTimestepAndASurplusStep() {
    Scheduler.Run run = UniPCMultistepScheduler.builder(COSINE).build().setTimesteps(2);
    int[] t = run.timesteps();
    Tensor x = run.step(EPS, t[0], X, null).prevSample();
    assertThatThrownBy(() -> run.step(EPS, t[0], x, null))
        .hasMessage(
            "timestep must be " + t[1] + " (entry 1 of the run's timesteps), but is: " + t[0]);
    run.step(EPS, t[1], x, null);
    assertThatThrownBy(() -> run.step(EPS, t[1], x, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("this run has taken all its 2 steps");
    assertThat(run.finalTimestep()).isZero(); // UniPC ends at the first training sigma
  }

  @Test
  void karrasSigmasOnTheCosineScheduleRunFromTheirFirstTimestep() {
    // 999 repeats at the start; upstream's first index lookup would take the second entry
    Scheduler.Run run =
        DPMSolverMultistepScheduler.builder(COSINE).useKarrasSigmas(true).build().setTimesteps(10);
    int[] t = run.timesteps();
    assertThat(t).startsWith(999, 999, 999);
    Tensor x = X;
    for (int timestep : t) {
      x = run.step(EPS, timestep, x, null).prevSample();
    }
    for (float v : x.data()) {
      assertThat(Float.isFinite(v)).isTrue();
    }
  }
}
