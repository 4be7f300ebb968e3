package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.image.MnistDigits;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDIMScheduler;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler;
import dev.diffusion4j.schedule.Scheduler;
import dev.diffusion4j.schedule.TimestepSpacing;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.view.View;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DDIM and DPM-Solver++ in the one loop, on part B's trained class-conditioned UNet: every
 * technique runs with each and gives finite digits in range, and the loop is the scheduler driven
 * by hand.
 */
class SamplerPipelineTest {

  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);
  static final int STEPS = 10;

  static Diffusion mnist;
  static MnistUNet unet;
  static MnistDigits heldout;

  @BeforeAll
  static void open() {
    mnist = Diffusion.mnist(TestData.path("models/mnist/class-epoch20.onnx"), CPU);
    unet = MnistUNet.classConditioned(TestData.path("models/mnist/class-epoch20.onnx"), CPU);
    heldout =
        MnistDigits.read(
            TestData.path("mnist/heldout-images-idx3-ubyte"),
            TestData.path("mnist/heldout-labels-idx1-ubyte"));
  }

  @AfterAll
  static void close() {
    mnist.close();
    unet.close();
  }

  private static Pipeline base(Sampler sampler) {
    return mnist.pipeline().sampler(sampler).steps(STEPS).guidance(5);
  }

  /** Finite, in [0, 1] up to what an unclipped last step may overshoot, and not blank. */
  private static void assertDigits(Tensor x) {
    for (float v : x.data()) {
      assertThat(Float.isFinite(v)).isTrue();
      assertThat(v).isBetween(-0.5f, 1.5f);
    }
    assertThat(x.mean()).isBetween(0.02, 0.6);
  }

  @ParameterizedTest
  @EnumSource(
      value = Sampler.class,
      names = {"DDIM", "DPM_SOLVER_PP"})
  void everyTechniqueRunsWithEachSampler(Sampler sampler) {
    assertDigits(base(sampler).labels(0, 1, 2, 3).seed(1).generate().images());
    // SDEdit and translation from index 3 of 10
    assertDigits(
        base(sampler).label(5).image(heldout.ofDigit(5, 1), 3).seed(2).generate().images());
    assertDigits(
        base(sampler).label(8).image(heldout.ofDigit(3, 1), 3).seed(2).generate().images());
    // inpainting, both rules
    Mask mask = Mask.rectangle(28, 28, 3, 4, 14, 24);
    Tensor seven = heldout.ofDigit(7, 1);
    for (Inpainting rule : Inpainting.values()) {
      Tensor out =
          base(sampler)
              .label(9)
              .image(seven, 0)
              .mask(mask)
              .inpainting(rule)
              .samples(2)
              .seed(3)
              .generate()
              .images();
      assertDigits(out);
      // outside the mask the original stays (exactly, at the clean end of the run)
      float[] o = out.data();
      float[] s = seven.data();
      float[] m = mask.values().data();
      for (int i = 0; i < o.length; i++) {
        if (m[i % s.length] == 0f) {
          assertThat(o[i]).isEqualTo(s[i % s.length]);
        }
      }
    }
    // anagram and hybrid
    assertDigits(
        base(sampler)
            .label(6)
            .anagram(Condition.label(9), View.ROT180)
            .samples(2)
            .seed(4)
            .generate()
            .images());
    assertDigits(base(sampler).label(1).hybrid(Condition.label(7)).seed(5).generate().images());
  }

  /** diffusers' loop written by hand: CFG as two model calls, then the scheduler's step. */
  private static Tensor byHand(Scheduler scheduler, int steps, int[] digits, long seed) {
    int n = digits.length;
    NoiseSource noise = NoiseSource.seeded(seed);
    Scheduler.Run run = scheduler.setTimesteps(steps);
    Tensor x = noise.next(n, 1, 28, 28);
    List<Tensor> hot = new ArrayList<>();
    for (int d : digits) {
      hot.add(MnistUNet.oneHot(d));
    }
    Tensor c = Tensor.concatBatch(hot.toArray(new Tensor[0]));
    Tensor u = Tensor.zeros(n, 10);
    int[] times = new int[n];
    for (int t : run.timesteps()) {
      Arrays.fill(times, t);
      Tensor cond = unet.predict(x, times, c).noise();
      Tensor uncond = unet.predict(x, times, u).noise();
      Tensor eps = Guidance.classifierFree(cond, uncond, 5.0);
      x = run.step(eps, t, x, noise).prevSample();
    }
    return x;
  }

  @ParameterizedTest
  @EnumSource(
      value = Sampler.class,
      names = {"DDIM", "DPM_SOLVER_PP"})
  void theLoopIsTheSchedulerDrivenByHand(Sampler sampler) {
    int[] digits = {2, 7};
    Tensor loop = base(sampler).labels(digits).seed(9).generate().images();
    Tensor hand = byHand(sampler.scheduler(DDPMScheduler.mnist()), STEPS, digits, 9);
    assertThat(loop.shape()).isEqualTo(hand.shape());
    float[] a = loop.data();
    float[] b = hand.data();
    for (int i = 0; i < a.length; i++) {
      assertThat(a[i]).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-6f));
    }
  }

  @Test
  void theSchedulersOptionsReachTheLoop() {
    // DPM-Solver++ order 3 with Karras sigmas, and DDIM with eta = 1 (fresh noise each step)
    int[] digits = {3};
    for (SamplerSettings settings :
        List.of(
            SamplerSettings.of(Sampler.DPM_SOLVER_PP).solverOrder(3).karrasSigmas(true),
            SamplerSettings.of(Sampler.DDIM).eta(1.0))) {
      Tensor loop =
          mnist
              .pipeline()
              .sampler(settings)
              .steps(5)
              .guidance(5)
              .labels(digits)
              .seed(4)
              .generate()
              .images();
      Tensor hand = byHand(settings.scheduler(DDPMScheduler.mnist()), 5, digits, 4);
      Tensor plain = byHand(settings.sampler().scheduler(DDPMScheduler.mnist()), 5, digits, 4);
      float[] a = loop.data();
      float[] b = hand.data();
      for (int i = 0; i < a.length; i++) {
        assertThat(a[i])
            .as("%s", settings)
            .isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-6f));
      }
      assertThat(a).as("%s differs from the table's defaults", settings).isNotEqualTo(plain.data());
    }
  }

  @Test
  void stochasticDdimDrawsItsNoiseFromTheRequest() {
    // eta = 1 through the contract: the loop's default DDIM is deterministic, a hand loop is not
    DDIMScheduler ddim =
        DDIMScheduler.builder(DDPMScheduler.mnist().schedule())
            .timestepSpacing(TimestepSpacing.TRAILING)
            .clipSample(false)
            .eta(1.0)
            .build();
    Tensor a = byHand(ddim, 5, new int[] {4}, 1);
    Tensor b = byHand(ddim, 5, new int[] {4}, 2);
    assertThat(a.data()).isNotEqualTo(b.data());
  }

  @Test
  void theSchedulersFollowTheModelsSchedule() {
    Scheduler ddim = Sampler.DDIM.scheduler(DDPMScheduler.mnist());
    assertThat(ddim.setTimesteps(20).timesteps()).startsWith(300, 285).endsWith(15);
    assertThat(ddim.setTimesteps(20).finalTimestep()).isEqualTo(0);
    assertThat(((DDIMScheduler) ddim).clipSample()).isFalse();
    Scheduler dpm = Sampler.DPM_SOLVER_PP.scheduler(DDPMScheduler.mnist());
    assertThat(((DPMSolverMultistepScheduler) dpm).solverOrder()).isEqualTo(2);
    assertThat(dpm.setTimesteps(20).timesteps()).startsWith(300).hasSize(20);
    Scheduler ifDdim = Sampler.DDIM.scheduler(DDPMScheduler.deepFloydIF());
    assertThat(ifDdim.cleanTimestep()).isEqualTo(-1);
    DDPMScheduler config = DDPMScheduler.mnist();
    assertThat(Sampler.DDPM.scheduler(config)).isSameAs(config);
  }

  @Test
  void progressCountsTheStepsFromTheStartIndex() {
    List<Progress> seen = new ArrayList<>();
    Generation g =
        base(Sampler.DPM_SOLVER_PP)
            .label(5)
            .image(heldout.ofDigit(5, 1), 4)
            .captureEvery(2)
            .progress(seen::add)
            .seed(6)
            .generate();
    assertThat(seen).hasSize(STEPS - 4);
    assertThat(seen.get(0).step()).isEqualTo(1);
    assertThat(seen.get(seen.size() - 1).totalSteps()).isEqualTo(STEPS - 4);
    assertThat(seen.get(seen.size() - 1).timestep()).isEqualTo(0);
    assertThat(g.capturedTimesteps()).startsWith(g.capturedTimesteps().get(0)).endsWith(0);
    assertThat(g.intermediates()).hasSize(1 + 3);
  }

  /**
   * IF's cosine schedule and learned variance (the variance channels go to the scheduler, which
   * drops them), on the random-weight stand-ins with IF's contract: the runs are finite and
   * deterministic per seed, with the config's thresholding.
   */
  @ParameterizedTest
  @EnumSource(
      value = Sampler.class,
      names = {"DDIM", "DPM_SOLVER_PP"})
  void theIfPathTakesEachSampler(Sampler sampler) {
    try (Diffusion deepFloyd =
        Diffusion.deepFloyd(TestData.path("models/tiny-if"), SessionSettings.on(Device.cpu()))) {
      Pipeline p =
          deepFloyd
              .pipeline()
              .prompt("a high quality photo")
              .guidance(7)
              .sampler(sampler)
              .steps(5)
              .samples(2)
              .seed(1);
      Tensor a = p.generate().images();
      Tensor b = p.toBuilder().generate().images();
      assertThat(a.data()).isEqualTo(b.data());
      for (float v : a.data()) {
        assertThat(Float.isFinite(v)).isTrue();
      }
      Tensor anagram =
          deepFloyd
              .pipeline()
              .prompt("a high quality photo")
              .anagram(Condition.prompt("a high quality photo"), View.FLIP)
              .sampler(sampler)
              .steps(4)
              .seed(2)
              .generate()
              .images();
      for (float v : anagram.data()) {
        assertThat(Float.isFinite(v)).isTrue();
      }
    }
  }

  @Test
  void settingsAreCheckedBeforeAnyModelRuns() {
    assertThatThrownBy(
            () ->
                mnist
                    .pipeline()
                    .label(1)
                    .sampler(Sampler.DDIM)
                    .timesteps(Timesteps.strided(300, 30))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timesteps(..)")
        .hasMessageContaining("ddim");
    assertThatThrownBy(
            () -> base(Sampler.DPM_SOLVER_PP).label(1).image(heldout.ofDigit(1, 1), STEPS).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("startIndex");
    assertThatThrownBy(() -> mnist.pipeline().sampler((Sampler) null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ddpm, ddim, dpm++");
    assertThatThrownBy(() -> mnist.pipeline().sampler((SamplerSettings) null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SamplerSettings.of(sampler)");
    assertThatThrownBy(() -> Sampler.fromName("euler"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ddpm, ddim, dpm++");
    assertThat(Sampler.fromName("DPM++")).isEqualTo(Sampler.DPM_SOLVER_PP);
  }

  @Test
  void theSamplerTravelsWithTheRequest() {
    Request r = base(Sampler.DDIM).label(3).seed(1).build();
    assertThat(r.sampler()).isEqualTo(Sampler.DDIM);
    assertThat(mnist.pipeline(r).build()).isEqualTo(r);
    assertThat(base(Sampler.DDIM).label(3).toBuilder().build().sampler()).isEqualTo(Sampler.DDIM);
    assertThat(r.toString()).contains("sampler=ddim, steps=10");
    assertThat(r).isNotEqualTo(base(Sampler.DPM_SOLVER_PP).label(3).seed(1).build());
    assertThat(mnist.pipeline().label(3).build().sampler()).isEqualTo(Sampler.DDPM);
  }
}
