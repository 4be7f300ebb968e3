package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.IFConfig;
import dev.diffusion4j.model.IFUNet;
import dev.diffusion4j.model.Prediction;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.Scheduler;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one loop with every sampler: {@code steps(n)} is n UNet passes whatever the sampler and the
 * variant, the upscaler (stage II) is the sampler's scheduler driven by hand, and {@code
 * denoiseOnce} is the schedule's clean estimate whatever the sampler. On the random-weight IF
 * stand-ins, which have IF's contract (cosine schedule, learned variance, stage II's image input).
 */
class EverySamplerTest {

  static final Path DIR = TestData.path("models/tiny-if");
  static final SessionSettings CPU = SessionSettings.on(Device.cpu());
  static final String PROMPT = "a high quality photo";

  static Diffusion deepFloyd;
  static IFUNet stageTwo;
  static IFConfig config;

  @BeforeAll
  static void open() {
    deepFloyd = Diffusion.deepFloyd(DIR, CPU);
    config = IFConfig.read(DIR);
    stageTwo = IFUNet.stageTwo(config.stageTwo(), config.stageTwoScheduler(), CPU);
  }

  @AfterAll
  static void close() {
    deepFloyd.close();
    stageTwo.close();
  }

  /** Counts the UNet passes of a run: one batch per step, whatever the guidance and views. */
  private static int passes(AbstractPipeline<?> p) {
    List<Progress> seen = new ArrayList<>();
    p.progress(seen::add).generate();
    assertThat(seen.get(seen.size() - 1).totalSteps()).isEqualTo(seen.size());
    return seen.size();
  }

  @ParameterizedTest
  @EnumSource(Sampler.class)
  void stepsIsTheNumberOfUNetPassesForEverySamplerAndVariant(Sampler sampler) {
    for (Variant variant : Variant.values()) {
      Pipeline p =
          deepFloyd.pipeline().prompt(PROMPT).guidance(2).sampler(sampler).variant(variant);
      assertThat(passes(p.toBuilder().steps(3).seed(1))).as("%s %s", sampler, variant).isEqualTo(3);
      assertThat(passes(p.toBuilder().steps(1).seed(1))).as("%s %s", sampler, variant).isEqualTo(1);
    }
    Tensor low = NoiseSource.seeded(4).next(1, 3, 64, 64).clamp(-1f, 1f);
    Upscaler up = deepFloyd.upscaler().prompt(PROMPT).lowResolution(low).sampler(sampler);
    assertThat(passes(up.steps(2).seed(2))).isEqualTo(2);
  }

  /** diffusers' {@code IFSuperResolutionPipeline} loop written by hand over the sampler. */
  private static Tensor upscaleByHand(Sampler sampler, Tensor low, int steps, long seed) {
    double guidance = 4.0;
    int level = Upscaler.DEFAULT_NOISE_LEVEL;
    NoiseSource noise = NoiseSource.seeded(seed);
    Scheduler scheduler = sampler.scheduler(stageTwo.scheduler());
    Scheduler.Run run = scheduler.setTimesteps(steps);
    // the starting noise, then the noise of the upscaled image (diffusers' order)
    Tensor x = noise.next(1, 3, 256, 256).mul((float) run.initNoiseSigma());
    Tensor up = low.resizeBilinear(256, 256);
    Tensor image = stageTwo.scheduler().addNoise(up, noise.next(up.shape()), level);
    Tensor cond = deepFloyd.encoder().encode(Condition.prompt(PROMPT));
    Tensor uncond = deepFloyd.encoder().unconditional();
    Tensor conditions = Tensor.concatBatch(cond, uncond);
    for (int t : run.timesteps()) {
      // as IFSuperResolutionPipeline: scale_model_input of the concatenated input
      Tensor in = Tensor.concatChannels(run.scaleModelInput(x, t), run.scaleModelInput(image, t));
      int[] times = {t, t};
      Prediction p = stageTwo.predict(Tensor.concatBatch(in, in), times, conditions, level);
      Prediction c = p.slice(0, 1);
      Tensor eps = Guidance.classifierFree(c.noise(), p.noise().slice(1, 2), guidance);
      x = run.step(Tensor.concatChannels(eps, c.variance()), t, x, noise).prevSample();
    }
    return x;
  }

  @ParameterizedTest
  @EnumSource(Sampler.class)
  void theUpscalerIsTheSamplerDrivenByHand(Sampler sampler) {
    Tensor low = NoiseSource.seeded(7).next(1, 3, 64, 64).clamp(-1f, 1f);
    Tensor loop =
        deepFloyd
            .upscaler()
            .prompt(PROMPT)
            .lowResolution(low)
            .sampler(sampler)
            .steps(3)
            .seed(5)
            .generate()
            .images();
    Tensor hand = upscaleByHand(sampler, low, 3, 5);
    assertThat(loop.shape()).isEqualTo(hand.shape());
    float[] a = loop.data();
    float[] b = hand.data();
    for (int i = 0; i < a.length; i++) {
      assertThat(a[i]).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-6f));
    }
  }

  @ParameterizedTest
  @EnumSource(Sampler.class)
  void denoiseOnceIsTheSchedulesCleanEstimateWhateverTheSampler(Sampler sampler) {
    Tensor noisy = NoiseSource.seeded(3).next(2, 3, 64, 64);
    Tensor expected = deepFloyd.pipeline().prompt(PROMPT).guidance(3).denoiseOnce(noisy, 500);
    Tensor actual =
        deepFloyd.pipeline().prompt(PROMPT).guidance(3).sampler(sampler).denoiseOnce(noisy, 500);
    assertThat(actual.data()).containsExactly(expected.data());
  }
}
