package dev.diffusion4j.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler.Thresholding;
import dev.diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Keeps the copies marked {@code Copied from} equal to their source, as diffusers' {@code make
 * fix-copies} does: DDIM's clean estimate and its clipping or thresholding are DDPM's.
 */
class SchedulerCopiesTest {

  private static final Tensor X = NoiseSource.seeded(1).next(2, 3, 5, 4).mul(3f);
  private static final Tensor EPS = NoiseSource.seeded(2).next(2, 3, 5, 4);

  private static void assertSameEstimate(DDIMScheduler ddim, DDPMScheduler ddpm) {
    for (int t : ddim.setTimesteps(10).timesteps()) {
      Tensor a = ddim.setTimesteps(10).step(EPS, t, X, null).predOriginalSample();
      int end = Math.max(ddpm.cleanTimestep(), t - 100);
      Tensor b = ddpm.step(EPS, null, t, end, X, X).predOriginalSample();
      assertThat(a.data()).as("t = %d", t).containsExactly(b.data());
    }
  }

  @Test
  void ddimsCleanEstimateIsDdpms() {
    NoiseSchedule cosine = NoiseSchedule.cosine(1000);
    DDPMScheduler ddpm =
        new DDPMScheduler(cosine, DDPMScheduler.VarianceType.FIXED_SMALL, null, true);
    assertSameEstimate(DDIMScheduler.builder(cosine).clipSample(false).build(), ddpm);
    assertSameEstimate(
        DDIMScheduler.builder(cosine).clipSample(true).clipSampleRange(1.5).build(),
        ddpm.withClipSample(true, 1.5));
    Thresholding th = new Thresholding(0.9, 1.2);
    assertSameEstimate(
        DDIMScheduler.builder(cosine).thresholding(th).build(), ddpm.withThresholding(th));
  }
}
