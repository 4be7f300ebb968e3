package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.Prediction;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.view.View;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The loop's mechanics on small random-weight UNets with the MNIST contract. */
class PipelineTest {

  static final Path CLASS = TestData.path("models/contract/class-d4.onnx");
  static final Path TIME = TestData.path("models/contract/time-d4.onnx");
  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);

  static Diffusion diffusion;
  static Diffusion unconditional;

  @BeforeAll
  static void open() {
    diffusion = Diffusion.mnist(CLASS, CPU);
    unconditional = Diffusion.mnist(TIME, CPU);
  }

  @AfterAll
  static void close() {
    diffusion.close();
    unconditional.close();
  }

  /** The study's loop written out by hand: CFG as two separate model calls, then the step. */
  private static Tensor manualCfgLoop(
      MnistUNet unet, int digit, double g, Timesteps ts, long seed) {
    DDPMScheduler s = DDPMScheduler.mnist();
    NoiseSource noise = NoiseSource.seeded(seed);
    Tensor x = noise.next(2, 1, 28, 28);
    Tensor c = MnistUNet.oneHot(digit).repeatBatch(2);
    Tensor u = Tensor.zeros(2, 10);
    for (int i = 0; i < ts.steps(); i++) {
      int t = ts.get(i);
      int prev = ts.get(i + 1);
      Tensor epsC = unet.predict(x, new int[] {t, t}, c).noise();
      Tensor epsU = unet.predict(x, new int[] {t, t}, u).noise();
      Tensor eps = Guidance.classifierFree(epsC, epsU, g);
      Tensor z = prev > 0 ? noise.next(2, 1, 28, 28) : null;
      x = s.step(eps, null, t, prev, x, z).prevSample();
    }
    return x;
  }

  @Test
  void guidedSamplingEqualsTheHandWrittenLoop() {
    Timesteps ts = Timesteps.evenly(300, 6);
    Tensor expected = manualCfgLoop((MnistUNet) diffusion.denoiser(), 3, 5, ts, 11);
    Tensor actual =
        diffusion
            .pipeline()
            .label(3)
            .guidance(5)
            .timesteps(ts)
            .samples(2)
            .seed(11)
            .generate()
            .images();
    assertThat(actual.maxAbsDiff(expected)).isLessThan(1e-5);
  }

  /**
   * A two-view anagram loop written out by hand: CFG per view, the second read through {@code view}
   * and turned back, the two estimates combined by {@code combine}, then the step.
   */
  private static Tensor manualAnagramLoop(
      int upright, int other, View view, java.util.function.BinaryOperator<Tensor> combine) {
    MnistUNet unet = (MnistUNet) diffusion.denoiser();
    DDPMScheduler s = DDPMScheduler.mnist();
    Timesteps ts = Timesteps.evenly(300, 3);
    NoiseSource noise = NoiseSource.seeded(5);
    Tensor x = noise.next(1, 1, 28, 28);
    for (int i = 0; i < ts.steps(); i++) {
      int t = ts.get(i);
      Tensor e1 =
          Guidance.classifierFree(
              unet.predict(x, new int[] {t}, MnistUNet.oneHot(upright)).noise(),
              unet.predict(x, new int[] {t}, Tensor.zeros(1, 10)).noise(),
              5);
      Tensor seen = view.apply(x);
      Tensor e2 =
          view.inverse(
              Guidance.classifierFree(
                  unet.predict(seen, new int[] {t}, MnistUNet.oneHot(other)).noise(),
                  unet.predict(seen, new int[] {t}, Tensor.zeros(1, 10)).noise(),
                  5));
      Tensor eps = combine.apply(e1, e2);
      Tensor z = ts.get(i + 1) > 0 ? noise.next(1, 1, 28, 28) : null;
      x = s.step(eps, null, t, ts.get(i + 1), x, z).prevSample();
    }
    return x;
  }

  @Test
  void anagramAveragesTheInverseViewsOfBothEstimates() {
    Tensor x = manualAnagramLoop(6, 9, View.ROT180, (e1, e2) -> e1.add(e2).mul(0.5f));
    Tensor actual =
        diffusion
            .pipeline()
            .label(6)
            .anagram(Condition.label(9), View.ROT180)
            .timesteps(Timesteps.evenly(300, 3))
            .seed(5)
            .generate()
            .images();
    assertThat(actual.maxAbsDiff(x)).isLessThan(1e-5);
  }

  @Test
  void anagramWeightsWeighTheInverseViews() {
    Timesteps ts = Timesteps.evenly(300, 3);
    Tensor x = manualAnagramLoop(7, 1, View.FLIP, (e1, e2) -> e1.mul(0.75f).add(e2.mul(0.25f)));
    Tensor actual =
        diffusion
            .pipeline()
            .label(7)
            .anagram(Condition.label(1), View.FLIP)
            .anagramWeights(3, 1)
            .timesteps(ts)
            .seed(5)
            .generate()
            .images();
    assertThat(actual.maxAbsDiff(x)).isLessThan(1e-5);
    Tensor mean =
        diffusion
            .pipeline()
            .label(7)
            .anagram(Condition.label(1), View.FLIP)
            .timesteps(ts)
            .seed(5)
            .generate()
            .images();
    assertThat(mean.maxAbsDiff(x)).isGreaterThan(1e-3); // the weights change the image
  }

  @Test
  void anagramWeightsAreChecked() {
    Pipeline p = diffusion.pipeline().label(7).anagram(Condition.label(1), View.FLIP);
    assertThatThrownBy(() -> p.anagramWeights(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("anagramWeights must hold one weight per view")
        .hasMessageContaining("[1.0]");
    assertThatThrownBy(() -> p.anagramWeights(1, -0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("anagramWeights[1] must be finite and >= 0, but is: -0.5");
    assertThatThrownBy(() -> p.anagramWeights(Double.NaN, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("anagramWeights[0]")
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> p.anagramWeights(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not all be zero");
    assertThatThrownBy(() -> p.anagramWeights(1e308, 1e308))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must have a finite sum")
        .hasMessageContaining("1.0E308");
    assertThatThrownBy(() -> p.toBuilder().anagramWeights(1, 1, 1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "one weight per view (2: the primary condition and 1 anagram view(s))")
        .hasMessageContaining("holds 3");
    assertThat(p.toBuilder().anagramWeights(2, 1).build().viewWeights()).containsExactly(2.0, 1.0);
  }

  @Test
  void hybridAddsLowPassOfOneToHighPassOfTheOther() {
    MnistUNet unet = (MnistUNet) diffusion.denoiser();
    DDPMScheduler s = DDPMScheduler.mnist();
    GaussianBlur blur = GaussianBlur.forHybrid(28);
    Timesteps ts = Timesteps.evenly(300, 2);
    NoiseSource noise = NoiseSource.seeded(8);
    Tensor x = noise.next(1, 1, 28, 28);
    for (int i = 0; i < ts.steps(); i++) {
      int t = ts.get(i);
      Tensor e1 = unet.predict(x, new int[] {t}, MnistUNet.oneHot(1)).noise();
      Tensor e2 = unet.predict(x, new int[] {t}, MnistUNet.oneHot(0)).noise();
      Tensor eps = blur.lowPass(e1).add(blur.highPass(e2));
      Tensor z = ts.get(i + 1) > 0 ? noise.next(1, 1, 28, 28) : null;
      x = s.step(eps, null, t, ts.get(i + 1), x, z).prevSample();
    }
    Tensor actual =
        diffusion
            .pipeline()
            .label(1)
            .hybrid(Condition.label(0))
            .guidance(1)
            .timesteps(ts)
            .seed(8)
            .generate()
            .images();
    assertThat(actual.maxAbsDiff(x)).isLessThan(1e-5);
  }

  @Test
  void inpaintingKeepsTheUnmaskedRegionExactlyAtTheEnd() {
    Tensor original = NoiseSource.seeded(2).next(1, 1, 28, 28).clamp(0, 1);
    Mask mask = Mask.rectangle(28, 28, 8, 8, 20, 20);
    Tensor out =
        diffusion
            .pipeline()
            .label(2)
            .image(original, 0)
            .mask(mask)
            .steps(5)
            .seed(3)
            .generate()
            .images();
    // part B's last step lands on t = 0 where abar = 1: the kept region is the original itself
    assertThat(out.get(0, 0, 2, 2)).isEqualTo(original.get(0, 0, 2, 2));
    assertThat(out.get(0, 0, 27, 27)).isEqualTo(original.get(0, 0, 27, 27));
    assertThat(out.get(0, 0, 14, 14)).isNotEqualTo(original.get(0, 0, 14, 14));
  }

  @Test
  void sameSeedSameImageDifferentSeedDifferentImage() {
    Tensor a = diffusion.pipeline().label(4).steps(4).seed(1).generate().images();
    Tensor b = diffusion.pipeline().label(4).steps(4).seed(1).generate().images();
    Tensor c = diffusion.pipeline().label(4).steps(4).seed(2).generate().images();
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void explicitNoiseReproducesTheSeededRun() {
    NoiseSource seeded = NoiseSource.seeded(77);
    List<Tensor> noise = new ArrayList<>();
    for (int i = 0; i < 4; i++) { // start + 3 steps that add noise (the last one does not)
      noise.add(seeded.next(1, 1, 28, 28));
    }
    Tensor fromSeed = diffusion.pipeline().label(7).steps(4).seed(77).generate().images();
    Tensor fromList = diffusion.pipeline().label(7).steps(4).noise(noise).generate().images();
    assertThat(fromList).isEqualTo(fromSeed);
  }

  @Test
  void eightThreadsGiveExactlyTheSequentialResults() throws Exception {
    List<Tensor> sequential = new ArrayList<>();
    for (int seed = 0; seed < 8; seed++) {
      sequential.add(
          diffusion.pipeline().label(seed).steps(5).samples(2).seed(seed).generate().images());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Tensor>> futures = new ArrayList<>();
      for (int seed = 0; seed < 8; seed++) {
        int s = seed;
        futures.add(
            pool.submit(
                () ->
                    diffusion.pipeline().label(s).steps(5).samples(2).seed(s).generate().images()));
      }
      for (int seed = 0; seed < 8; seed++) {
        assertThat(futures.get(seed).get()).as("seed %d", seed).isEqualTo(sequential.get(seed));
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void captureEveryKeepsTheStartEveryNthStepAndTheEnd() {
    List<Progress> seen = new ArrayList<>();
    Generation g =
        diffusion
            .pipeline()
            .label(1)
            .steps(5)
            .captureEvery(2)
            .progress(seen::add)
            .seed(0)
            .generate();
    assertThat(g.capturedTimesteps()).containsExactly(300, 180, 60, 0);
    assertThat(g.intermediates().get(3)).isEqualTo(g.images());
    assertThat(seen).hasSize(5);
    Progress last = seen.get(4);
    assertThat(new Progress(last.step(), last.totalSteps(), last.timestep()))
        .isEqualTo(new Progress(5, 5, 0));
    assertThat(last.sample()).isSameAs(g.images());
  }

  @Test
  void denoiseOnceInvertsTheForwardProcessWithThePredictedNoise() {
    Tensor x0 = NoiseSource.seeded(4).next(2, 1, 28, 28).clamp(0, 1);
    Tensor xt = diffusion.forward(x0, 100, NoiseSource.seeded(5));
    Tensor est = diffusion.pipeline().label(3).guidance(1).denoiseOnce(xt, 100);
    Tensor eps =
        diffusion
            .denoiser()
            .predict(xt, new int[] {100, 100}, MnistUNet.oneHot(3).repeatBatch(2))
            .noise();
    Tensor expected = DDPMScheduler.mnist().predOriginalSample(xt, eps, 100);
    assertThat(est.maxAbsDiff(expected)).isLessThan(1e-6);
  }

  @Test
  void toBuilderCopiesEverySetting() {
    Pipeline p = diffusion.pipeline().label(5).guidance(3).steps(7).seed(9).samples(3);
    Request r = p.build();
    Request copy = p.toBuilder().build();
    assertThat(copy).isEqualTo(r);
    assertThat(p.toBuilder().seed(10).build().seed()).isEqualTo(10);
  }

  @Test
  void aRequestTurnsBackIntoABuilderOfItsStage() {
    Request r = diffusion.pipeline().label(5).guidance(3).steps(7).seed(9).build();
    assertThat(diffusion.pipeline(r).build()).isEqualTo(r);
    assertThat(diffusion.pipeline(r).seed(10).build().seed()).isEqualTo(10);
    assertThatThrownBy(() -> diffusion.upscaler(r))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("use pipeline(request)");
  }

  @Test
  void anInterruptedThreadCancelsTheRunBeforeTheNextStep() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> diffusion.pipeline().label(1).steps(5).seed(0).generate())
          .isInstanceOf(java.util.concurrent.CancellationException.class)
          .hasMessage("the run was cancelled before step 1 of 5");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(diffusion.pipeline().label(1).steps(2).seed(0).generate().count()).isEqualTo(1);
  }

  @Test
  void aThrowingProgressCallbackEndsTheRunWithItsException() {
    List<Progress> seen = new ArrayList<>();
    IllegalStateException stop = new IllegalStateException("enough");
    assertThatThrownBy(
            () ->
                diffusion
                    .pipeline()
                    .label(1)
                    .steps(5)
                    .progress(
                        p -> {
                          seen.add(p);
                          if (p.step() == 2) {
                            throw stop;
                          }
                        })
                    .generate())
        .isSameAs(stop);
    assertThat(seen).hasSize(2);
  }

  @Test
  void consoleProgressPrintsATenthAtATimeWhenNotRedrawing() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.PrintStream out = new java.io.PrintStream(bytes, true);
    diffusion
        .pipeline()
        .label(1)
        .steps(20)
        .seed(0)
        .progress(ConsoleProgress.to(out, false).labelled("ones"))
        .generate();
    List<String> lines = bytes.toString().lines().toList();
    assertThat(lines).hasSize(11);
    assertThat(lines.get(0)).startsWith("ones: step 1/20 (t = 285)   5%");
    assertThat(lines.get(10)).startsWith("ones: step 20/20 (t = 0) 100%");
  }

  @Test
  void badInputIsRejectedBeforeAnyModelRuns() {
    assertThatThrownBy(() -> diffusion.pipeline().guidance(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("guidance must be >= 0 and finite, but is: -1.0");
    assertThatThrownBy(() -> diffusion.pipeline().label(12))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("digit must be in [0, 9], but is: 12");
    assertThatThrownBy(() -> diffusion.pipeline().mask(Mask.rectangle(64, 64, 0, 0, 8, 8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mask must be 28x28 for this model, but is: 64x64");
    assertThatThrownBy(
            () ->
                diffusion
                    .pipeline()
                    .label(1)
                    .image(Tensor.zeros(1, 1, 28, 28), 30)
                    .steps(30)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("startIndex must be in [0, 29]")
        .hasMessageContaining("but is: 30");
    assertThatThrownBy(() -> diffusion.pipeline().image(Tensor.zeros(1, 3, 28, 28), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "image must have shape [1, 1, 28, 28], but has shape: [1, 3, 28, 28]; an image of"
                + " another size");
    assertThatThrownBy(() -> unconditional.pipeline().anagram(Condition.label(1), View.FLIP))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("anagram needs a model with conditions");
    assertThatThrownBy(() -> unconditional.pipeline().hybrid(Condition.label(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hybrid needs a model with conditions");
    assertThatThrownBy(() -> diffusion.pipeline().prompts(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("prompts must hold at least one prompt, but is empty");
    assertThatThrownBy(() -> diffusion.pipeline().prompt("a photo of a dog"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a digit label")
        .hasMessageContaining("a photo of a dog");
    assertThatThrownBy(() -> diffusion.pipeline().steps(301))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("steps must be in [1, 300], but is: 301");
    assertThatThrownBy(() -> diffusion.pipeline().samples(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("samples must be >= 1, but is: 0");
    assertThatThrownBy(() -> diffusion.pipeline().generate())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("a condition is required");
    assertThatThrownBy(
            () -> diffusion.pipeline().label(1).mask(Mask.rectangle(28, 28, 0, 0, 4, 4)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mask needs the original image");
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseFailsClearly() {
    Diffusion d = Diffusion.mnist(CLASS, CPU);
    Pipeline p = d.pipeline().label(1).steps(2);
    d.close();
    d.close();
    assertThatThrownBy(d::pipeline)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("this Diffusion is closed");
    assertThatThrownBy(p::generate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("this Diffusion is closed");
  }

  @Test
  void predictionsBatchTheConditionalAndUnconditionalPassesTogether() {
    int[] batchSizes = new int[1];
    MnistUNet inner = (MnistUNet) diffusion.denoiser();
    dev.diffusion4j.model.Denoiser counting =
        new dev.diffusion4j.model.Denoiser() {
          @Override
          public int[] sampleShape() {
            return inner.sampleShape();
          }

          @Override
          public int[] conditionShape() {
            return inner.conditionShape();
          }

          @Override
          public DDPMScheduler scheduler() {
            return inner.scheduler();
          }

          @Override
          public dev.diffusion4j.image.ValueRange valueRange() {
            return inner.valueRange();
          }

          @Override
          public Prediction predict(Tensor sample, int[] timesteps, Tensor condition) {
            batchSizes[0] = Math.max(batchSizes[0], sample.dim(0));
            return inner.predict(sample, timesteps, condition);
          }

          @Override
          public void close() {}
        };
    try (Diffusion d = Diffusion.of(counting, ConditionEncoder.digits())) {
      d.pipeline()
          .label(6)
          .anagram(Condition.label(9), View.ROT180)
          .samples(3)
          .steps(1)
          .seed(0)
          .generate();
    }
    assertThat(batchSizes[0]).isEqualTo(3 * 2 * 2); // samples x (cond + uncond) x views
  }
}
