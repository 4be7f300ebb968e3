package dev.diffusion4j.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the examples of the scheduler classes' Javadoc, as written there. */
class SchedulerExamplesTest {

  @TempDir Path dir;

  @Test
  void ddimExample() {
    try (MnistUNet unet =
        MnistUNet.timeConditioned(TestData.path("models/mnist/time60k-epoch20.onnx"))) {
      DDIMScheduler ddim =
          DDIMScheduler.builder(NoiseSchedule.mnist())
              .timestepSpacing(TimestepSpacing.TRAILING) // 300, 285, ..., 15
              .clipSample(false) // part B's images are in [0, 1]
              .build();
      Scheduler.Run run = ddim.setTimesteps(20);
      assertThat(run.timesteps()).startsWith(300, 285).endsWith(15);
      NoiseSource noise = NoiseSource.seeded(7);
      Tensor x = noise.next(4, 1, 28, 28);
      for (int t : run.timesteps()) {
        Tensor eps = unet.predict(x, new int[] {t, t, t, t}, null).noise();
        x = run.step(eps, t, x, noise).prevSample();
      }
      Images.write(x, 0, ValueRange.ZERO_TO_ONE, dir.resolve("digit.png"));
    }
    assertThat(Files.exists(dir.resolve("digit.png"))).isTrue();
  }

  @Test
  void dpmSolverExample() {
    try (MnistUNet unet =
        MnistUNet.classConditioned(TestData.path("models/mnist/class-epoch20.onnx"))) {
      Scheduler dpm = DPMSolverMultistepScheduler.builder(NoiseSchedule.mnist()).build();
      Scheduler.Run run = dpm.setTimesteps(20); // order 2, linspace: 300, 285, ..., 16
      assertThat(run.timesteps()).startsWith(300, 285).endsWith(16);
      Tensor labels = Tensor.concatBatch(MnistUNet.oneHot(3), Tensor.zeros(1, 10));
      Tensor x = NoiseSource.seeded(7).next(1, 1, 28, 28);
      for (int t : run.timesteps()) {
        Tensor both = unet.predict(Tensor.concatBatch(x, x), new int[] {t, t}, labels).noise();
        Tensor eps = Guidance.classifierFree(both.slice(0, 1), both.slice(1, 2), 5.0);
        x = run.step(eps, t, x, null).prevSample(); // deterministic: no noise source
      }
      Images.write(x, 0, ValueRange.ZERO_TO_ONE, dir.resolve("three.png"));
    }
    assertThat(Files.exists(dir.resolve("three.png"))).isTrue();
  }
}
