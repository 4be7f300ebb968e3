package dev.diffusion4j.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.Margins;
import dev.diffusion4j.testing.TestData;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DDIM and DPM-Solver++ driven through the {@link Scheduler} contract by part B's trained
 * class-conditioned UNet (digits 0 to 3, guidance 5), the way the loop will drive them: in 20 steps
 * both make clean digits (pixels near black or white, as DDPM-300's: 91% of them on ten digits of
 * this seed, against 92% for these samplers) and, as two solvers of the same ODE, nearly the same
 * ones.
 */
class SamplersOnMnistTest {

  private static final int DIGITS = 4;
  private static MnistUNet unet;
  private static Tensor xT;

  @BeforeAll
  static void load() {
    unet =
        MnistUNet.classConditioned(
            TestData.path("models/mnist/class-epoch20.onnx"), SessionSettings.on(Device.cpu()));
    xT = NoiseSource.seeded(17).next(DIGITS, 1, 28, 28);
  }

  @AfterAll
  static void close() {
    unet.close();
  }

  /** Guided noise estimate for digits 0..9 at timestep {@code t}. */
  private static Tensor eps(Tensor x, int t) {
    float[] onehot = new float[2 * DIGITS * 10];
    for (int d = 0; d < DIGITS; d++) {
      onehot[d * 10 + d] = 1f;
    }
    int[] times = new int[2 * DIGITS];
    Arrays.fill(times, t);
    Tensor both =
        unet.predict(Tensor.concatBatch(x, x), times, Tensor.wrap(onehot, 2 * DIGITS, 10)).noise();
    return Guidance.classifierFree(both.slice(0, DIGITS), both.slice(DIGITS, 2 * DIGITS), 5.0);
  }

  private static Tensor sample(Scheduler scheduler, int steps) {
    Scheduler.Run run = scheduler.setTimesteps(steps);
    NoiseSource noise = NoiseSource.seeded(5);
    Tensor x = xT;
    for (int t : run.timesteps()) {
      x = run.step(eps(x, t), t, x, noise).prevSample();
    }
    return x;
  }

  /** Share of pixels near black or white, and the mean ink. */
  private static double[] stats(Tensor x) {
    int binary = 0;
    for (float v : x.data()) {
      if (Math.abs(v) < 0.15 || Math.abs(v - 1) < 0.15) {
        binary++;
      }
    }
    return new double[] {(double) binary / x.size(), x.mean()};
  }

  @Test
  void fewStepSamplersMakeCleanDigitsAndAgreeWithEachOther() {
    Tensor dpm = sample(DPMSolverMultistepScheduler.builder(NoiseSchedule.mnist()).build(), 20);
    Tensor ddim =
        sample(
            DDIMScheduler.builder(NoiseSchedule.mnist())
                .timestepSpacing(TimestepSpacing.TRAILING)
                .clipSample(false)
                .build(),
            20);
    Tensor diff = dpm.sub(ddim);
    double mse = diff.mul(diff).mean();
    System.out.printf(
        "DPM-Solver++ 20: %s, DDIM 20: %s, mean squared difference %s%n",
        Arrays.toString(stats(dpm)), Arrays.toString(stats(ddim)), mse);
    for (Tensor x : new Tensor[] {dpm, ddim}) {
      double[] s = stats(x);
      assertThat(s[0]).as("share of pixels near black or white").isGreaterThan(0.85);
      assertThat(s[1]).as("mean ink").isBetween(0.08, 0.3);
    }
    Margins.report("mean squared difference of DPM-Solver++ 20 and DDIM 20", mse, 1e-3);
  }
}
