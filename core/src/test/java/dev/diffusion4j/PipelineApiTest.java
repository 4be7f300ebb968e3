package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.OnnxWriter;
import dev.diffusion4j.testing.TestData;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's settings for users: the step callback's images, per-sample seeds, several samples
 * per condition, diffusers' strength, images as a user has them, and a run's timeout.
 */
class PipelineApiTest {

  static final Path CLASS = TestData.path("models/contract/class-d4.onnx");
  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);

  static Diffusion diffusion;

  @TempDir Path dir;

  @BeforeAll
  static void open() {
    diffusion = Diffusion.mnist(CLASS, CPU);
  }

  @AfterAll
  static void close() {
    diffusion.close();
  }

  private static Tensor sample(Generation g, int i) {
    return g.images().slice(i, i + 1);
  }

  // ------------------------------------------------------------------ step callback

  @Test
  void theStepCallbackSeesEachStepsSampleAndCleanEstimate() {
    for (Sampler sampler : List.of(Sampler.DDPM, Sampler.DDIM, Sampler.DPM_SOLVER_PP)) {
      List<Progress> seen = new ArrayList<>();
      Generation g =
          diffusion
              .pipeline()
              .label(4)
              .sampler(sampler)
              .steps(5)
              .samples(2)
              .seed(3)
              .captureEvery(1)
              .progress(seen::add)
              .generate();
      assertThat(seen).hasSize(5);
      for (int k = 0; k < 5; k++) {
        Progress p = seen.get(k);
        // x_t after step k + 1 is the sample captured after that step
        assertThat(p.sample()).isEqualTo(g.intermediates().get(k + 1));
        assertThat(p.sample().shape()).containsExactly(2, 1, 28, 28);
        assertThat(p.timestep()).isEqualTo(g.capturedTimesteps().get(k + 1));
        // the clean estimate is the model's x0_hat of the sample the step started from
        int t = g.capturedTimesteps().get(k);
        Tensor x0 = diffusion.pipeline().label(4).denoiseOnce(g.intermediates().get(k), t);
        TestData.assertClose(p.cleanEstimate(), clipped(x0), 1e-4);
      }
      assertThat(seen.get(4).sample()).isSameAs(g.images());
    }
  }

  /** The MNIST scheduler's clipping of the clean estimate, when its config asks for it. */
  private static Tensor clipped(Tensor x0) {
    var s = diffusion.denoiser().scheduler();
    float c = (float) s.clipSampleRange();
    return s.clipSample() ? x0.clamp(-c, c) : x0;
  }

  // ------------------------------------------------------------------ seeds

  @Test
  void sampleIOfSeveralSeedsEqualsThatSeedAlone() {
    for (Sampler sampler : List.of(Sampler.DDPM, Sampler.DDIM)) {
      Pipeline p = diffusion.pipeline().label(7).sampler(sampler).steps(4);
      Generation three = p.toBuilder().seeds(101, 202, 303).generate();
      Generation alone = p.toBuilder().seeds(202).generate();
      Generation seeded = p.toBuilder().seed(202).samples(1).generate();
      assertThat(three.images().dim(0)).isEqualTo(3);
      TestData.assertClose(sample(three, 1), alone.images(), 1e-5);
      TestData.assertClose(alone.images(), seeded.images(), 0);
      // and the other samples are not the same image
      assertThat(sample(three, 0).maxAbsDiff(sample(three, 1))).isGreaterThan(0.05);
    }
  }

  @Test
  void seedsKeepASampleAloneWithAMaskAndPerSampleLabels() {
    Tensor original = NoiseSource.seeded(9).next(1, 1, 28, 28).clamp(0f, 1f);
    Mask top = Mask.rectangle(28, 28, 0, 0, 14, 28);
    Generation two =
        diffusion
            .pipeline()
            .labels(1, 2)
            .image(original, 0)
            .mask(top)
            .steps(4)
            .seeds(5, 6)
            .generate();
    Generation alone =
        diffusion.pipeline().label(2).image(original, 0).mask(top).steps(4).seeds(6).generate();
    TestData.assertClose(sample(two, 1), alone.images(), 1e-5);
  }

  @Test
  void seedsKeepAnUpscaledSampleAloneOnIfStandIns() {
    try (Diffusion d = Diffusion.deepFloyd(TestData.path("models/tiny-if"), CPU)) {
      Tensor low = NoiseSource.seeded(4).next(2, 3, 64, 64).clamp(-1f, 1f);
      Generation two =
          d.upscaler()
              .prompt("a high quality photo")
              .lowResolution(low)
              .steps(2)
              .seeds(5, 6)
              .generate();
      Generation alone =
          d.upscaler()
              .prompt("a high quality photo")
              .lowResolution(low.slice(1, 2))
              .steps(2)
              .seeds(6)
              .generate();
      TestData.assertClose(sample(two, 1), alone.images(), 1e-5);
      Generation base = d.pipeline().prompt("a high quality photo").steps(2).seeds(7, 8).generate();
      Generation baseAlone =
          d.pipeline().prompt("a high quality photo").steps(2).seed(8).generate();
      TestData.assertClose(sample(base, 1), baseAlone.images(), 1e-5);
    }
  }

  @Test
  void seedsMustMatchTheSampleCount() {
    assertThatThrownBy(() -> diffusion.pipeline().label(1).seeds(1, 2).samples(3).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seeds must hold one seed per sample (3), but holds: 2");
    assertThatThrownBy(() -> diffusion.pipeline().label(1).seeds())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seeds must hold at least one seed, but is empty");
    Request r = diffusion.pipeline().label(1).seeds(4, 5).build();
    assertThat(r.samples()).isEqualTo(2);
    assertThat(r.seeds()).containsExactly(4L, 5L);
    assertThat(diffusion.pipeline(r).build()).isEqualTo(r);
    assertThat(diffusion.pipeline(r).seed(1).build().seeds()).isEmpty();
  }

  @Test
  void perSampleNoiseTakesEachRowFromItsOwnSeed() {
    Tensor both = NoiseSource.perSample(8, 9).next(2, 1, 2, 3);
    Tensor nine = NoiseSource.seeded(9).next(1, 1, 2, 3);
    assertThat(both.slice(1, 2)).isEqualTo(nine);
    assertThat(both.slice(0, 1)).isEqualTo(NoiseSource.seeded(8).next(1, 1, 2, 3));
    assertThatThrownBy(() -> NoiseSource.perSample(8, 9).next(3, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a draw from 2 per-sample seeds must have shape [2, ...], but has shape: [3, 1]");
  }

  // ------------------------------------------------------------------ several per condition

  @Test
  void samplesPerConditionRepeatsEachLabelInOrder() {
    Request r = diffusion.pipeline().labels(1, 2).samplesPerCondition(4).build();
    assertThat(r.samples()).isEqualTo(8);
    assertThat(r.conditions())
        .containsExactly(
            Condition.label(1),
            Condition.label(1),
            Condition.label(1),
            Condition.label(1),
            Condition.label(2),
            Condition.label(2),
            Condition.label(2),
            Condition.label(2));
    Generation repeated =
        diffusion
            .pipeline()
            .labels(1, 2)
            .samplesPerCondition(2)
            .steps(3)
            .seeds(1, 2, 3, 4)
            .generate();
    Generation listed =
        diffusion.pipeline().labels(1, 1, 2, 2).steps(3).seeds(1, 2, 3, 4).generate();
    TestData.assertClose(repeated.images(), listed.images(), 0);
    assertThatThrownBy(() -> diffusion.pipeline().labels(1, 2).samples(4).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "samples must equal the number of per-sample conditions (2), but is: 4; for several"
                + " samples of each condition use samplesPerCondition(count)");
    assertThatThrownBy(() -> diffusion.pipeline().samplesPerCondition(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call labels(..), prompts(..) or conditions(..) before it");
    assertThatThrownBy(() -> diffusion.pipeline().labels(1, 2).samplesPerCondition(600))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "samplesPerCondition(600) with 2 conditions makes 1200 samples, but at most 1024"
                + " (Pipeline.MAX_SAMPLES) are allowed");
  }

  // ------------------------------------------------------------------ strength

  @Test
  void strengthStartsWhereDiffusersImg2ImgStarts() {
    // init_timestep = min(int(n * strength), n); t_start = max(n - init_timestep, 0), by hand
    assertThat(Pipeline.startIndexForStrength(10, 0.3)).isEqualTo(7); // int(3.0000000000000004)
    assertThat(Pipeline.startIndexForStrength(100, 0.29)).isEqualTo(72); // int(28.999999999999996)
    assertThat(Pipeline.startIndexForStrength(50, 0.8)).isEqualTo(10);
    assertThat(Pipeline.startIndexForStrength(50, 1.0)).isEqualTo(0);
    assertThat(Pipeline.startIndexForStrength(7, 0.5)).isEqualTo(4); // int(3.5) = 3
    assertThat(Pipeline.startIndexForStrength(50, 0.0)).isEqualTo(50);

    Tensor img = NoiseSource.seeded(2).next(1, 1, 28, 28).clamp(0f, 1f);
    Request r = diffusion.pipeline().label(3).image(img).strength(0.3).steps(10).build();
    assertThat(r.startIndex()).isEqualTo(7);
    assertThat(r.startImage().strength()).hasValue(0.3);
    assertThat(diffusion.pipeline(r).build()).isEqualTo(r);
    // the run: the same as the start index it stands for; steps(10) on part B's schedule is
    // 300, 270, ..., 30 (every 30th), so the run denoises from timesteps[7] = 90
    Generation byStrength = diffusion.pipeline(r).seed(4).captureEvery(1).generate();
    Generation byIndex =
        diffusion.pipeline().label(3).image(img, 7).steps(10).seed(4).captureEvery(1).generate();
    assertThat(byStrength.capturedTimesteps()).containsExactly(90, 60, 30, 0);
    TestData.assertClose(byStrength.images(), byIndex.images(), 0);
    // image(img, index) replaces the strength, and strength replaces the index
    assertThat(
            diffusion
                .pipeline()
                .label(3)
                .strength(0.5)
                .image(img, 2)
                .steps(10)
                .build()
                .startIndex())
        .isEqualTo(2);
    assertThat(
            diffusion
                .pipeline()
                .label(3)
                .image(img, 2)
                .strength(0.5)
                .steps(10)
                .build()
                .startIndex())
        .isEqualTo(5);
  }

  @Test
  void strengthOutsideZeroToOneOrWithoutImageIsRefused() {
    for (double s : new double[] {-0.1, 1.5, Double.NaN}) {
      assertThatThrownBy(() -> diffusion.pipeline().strength(s))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("strength must be in [0, 1], but is: " + s);
    }
    Tensor img = Tensor.zeros(1, 1, 28, 28);
    assertThatThrownBy(
            () -> diffusion.pipeline().label(1).image(img).strength(0.05).steps(10).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "strength 0.05 leaves none of the 10 steps to run (init_timestep = int(n * strength)"
                + " = 0); use a larger strength");
    assertThatThrownBy(() -> diffusion.pipeline().label(1).strength(0.5).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("strength needs a start image: call image(..) as well, but got strength=0.5");
  }

  // ------------------------------------------------------------------ images as users have them

  /** A white square on black (or the reverse), {@code size x size}. */
  private static BufferedImage square(int size, boolean inverted) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    g.setColor(inverted ? Color.WHITE : Color.BLACK);
    g.fillRect(0, 0, size, size);
    g.setColor(inverted ? Color.BLACK : Color.WHITE);
    g.fillRect(size / 4, size / 4, size / 2, size / 2);
    g.dispose();
    return img;
  }

  @Test
  void anImageOfAnySizeIsConvertedToTheModelsShapeAndRange() {
    // 112 = 4 * 28: whole 4x4 blocks averaged; the square covers rows and columns 28..83, i.e.
    // output pixels 7..20
    Request r = diffusion.pipeline().label(3).image(square(112, false)).build();
    Tensor t = r.image();
    assertThat(t.shape()).containsExactly(1, 1, 28, 28);
    assertThat(t.get(0, 0, 6, 10)).isEqualTo(0f);
    assertThat(t.get(0, 0, 7, 10)).isEqualTo(1f);
    assertThat(t.get(0, 0, 20, 20)).isEqualTo(1f);
    assertThat(t.get(0, 0, 21, 20)).isEqualTo(0f);
    // the reverse, inverted, is the same image
    Tensor inverted = diffusion.pipeline().label(3).image(square(112, true), true).build().image();
    TestData.assertClose(inverted, t, 1e-6);
    // on [-1, 1] and three channels
    Tensor rgb = Images.forModel(square(112, false), 3, 28, 28, ValueRange.MINUS_ONE_TO_ONE, false);
    assertThat(rgb.shape()).containsExactly(1, 3, 28, 28);
    assertThat(rgb.get(0, 2, 0, 0)).isEqualTo(-1f);
    assertThat(rgb.get(0, 1, 10, 10)).isEqualTo(1f);
  }

  @Test
  void blackStrokesOnWhiteAreRefusedOnMnistWithTheWayOut() {
    assertThatThrownBy(() -> diffusion.pipeline().label(3).image(square(200, true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "image must show light strokes on a dark background, as the MNIST digits do, but its"
                + " border averages 1.000 of the range [0.0, 1.0] (dark strokes on white?): pass"
                + " invert = true, e.g. image(img, true)");
  }

  @Test
  void anImageFileIsReadAndConverted() throws Exception {
    Path file = dir.resolve("square.png");
    javax.imageio.ImageIO.write(square(56, false), "png", file.toFile());
    Tensor t = diffusion.pipeline().label(3).image(file, false).build().image();
    Tensor direct = Images.forModel(square(56, false), 1, 28, 28, ValueRange.ZERO_TO_ONE, false);
    assertThat(t).isEqualTo(direct);
    assertThat(t.get(0, 0, 7, 7)).isEqualTo(1f);
    assertThat(t.get(0, 0, 6, 7)).isEqualTo(0f);
  }

  @Test
  void resizingAveragesWholeBlocksThenResizesBilinearly() {
    Tensor x =
        Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 1, 4, 4);
    Tensor half = Images.resizeForModel(x, 2, 2);
    assertThat(half.data()).containsExactly(3.5f, 5.5f, 11.5f, 13.5f);
    assertThat(Images.resizeForModel(x, 4, 4)).isSameAs(x);
  }

  @Test
  void aMaskImageIsResizedAsTheStartImageIs() {
    BufferedImage img = new BufferedImage(56, 56, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(28, 0, 28, 56); // the right half
    g.dispose();
    Mask m = Mask.fromImage(img, 28, 28);
    assertThat(m.height()).isEqualTo(28);
    assertThat(m.values().get(0, 0, 5, 13)).isEqualTo(0f);
    assertThat(m.values().get(0, 0, 5, 14)).isEqualTo(1f);
    diffusion.pipeline().label(1).image(Tensor.zeros(1, 1, 28, 28), 0).mask(m).build();
  }

  // ------------------------------------------------------------------ timeout

  /** An MNIST time model whose Loop runs 2^62 times: it never returns on its own. */
  private Path endlessLoop() {
    OnnxWriter body =
        new OnnxWriter()
            .value("i", false, 7)
            .value("c_in", false, 9)
            .value("x_in", false, 1, -1, 1, 28, 28)
            .value("c_out", true, 9)
            .value("x_out", true, 1, -1, 1, 28, 28)
            .node("Identity", List.of("c_in"), List.of("c_out"))
            .node("Neg", List.of("x_in"), List.of("x_out"));
    byte[] trips =
        java.nio.ByteBuffer.allocate(8)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putLong(1L << 62)
            .array();
    return new OnnxWriter()
        .value("x", false, 1, -1, 1, 28, 28)
        .value("t", false, 1, -1)
        .value("eps", true, 1, -1, 1, 28, 28)
        .initializerRaw("M", 7, trips)
        .initializerRaw("cond", 9, new byte[] {1})
        .node("Loop", List.of("M", "cond", "x"), List.of("eps"), "body", body)
        .write(dir.resolve("loop.onnx"));
  }

  @Test
  void aRunPastItsTimeoutStopsNamingTheTimeout() throws Exception {
    try (Diffusion d = Diffusion.mnist(endlessLoop(), CPU)) {
      CompletableFuture<Generation> run =
          CompletableFuture.supplyAsync(
              () -> d.pipeline().steps(1).seed(1).timeout(Duration.ofSeconds(1)).generate());
      // the model never ends on its own: only the timeout can end the run (a hang guard, not a
      // measurement)
      assertThatThrownBy(() -> run.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(DiffusionException.class)
          .hasMessage(
              "the run exceeded its timeout of 1 s (timeout(..)) and was stopped during a model"
                  + " pass")
          .cause()
          .hasMessageContaining("running loop.onnx was cancelled");
      // the Diffusion stays usable: a request without a timeout is built and checked as before
      assertThat(d.pipeline().steps(1).timeout(Duration.ofMillis(1500)).build().timeout())
          .isEqualTo(Duration.ofMillis(1500));
    }
  }

  @Test
  void aTimeoutStopsOnlyItsOwnRunsPass() throws Exception {
    try (Diffusion d = Diffusion.mnist(endlessLoop(), CPU)) {
      CompletableFuture<Generation> other =
          CompletableFuture.supplyAsync(() -> d.pipeline().steps(1).seed(2).generate());
      CompletableFuture<Generation> timed =
          CompletableFuture.supplyAsync(
              () -> d.pipeline().steps(1).seed(1).timeout(Duration.ofSeconds(1)).generate());
      assertThatThrownBy(() -> timed.get(60, TimeUnit.SECONDS))
          .cause()
          .hasMessageStartingWith("the run exceeded its timeout of 1 s");
      Thread.sleep(300);
      // the run without a timeout goes on until the caller cancels every pass
      assertThat(other).isNotDone();
      d.cancel();
      assertThatThrownBy(() -> other.get(60, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(DiffusionException.class)
          .hasMessage("running loop.onnx was cancelled");
    }
  }

  @Test
  void aTimeoutPassedBetweenStepsStopsBeforeTheNextStep() {
    // the callback sleeps past the deadline after step 1, so the check before step 2 stops the run
    assertThatThrownBy(
            () ->
                diffusion
                    .pipeline()
                    .label(5)
                    .steps(3)
                    .seed(1)
                    .timeout(Duration.ofMillis(200))
                    .progress(
                        p -> {
                          try {
                            Thread.sleep(300);
                          } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                          }
                        })
                    .generate())
        .isInstanceOf(DiffusionException.class)
        .hasMessage(
            "the run exceeded its timeout of 200 ms (timeout(..)) and was stopped before step 2 of"
                + " 3");
  }

  @Test
  void aTimeoutMustBePositive() {
    assertThatThrownBy(() -> diffusion.pipeline().timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must be positive, but is: PT0S");
    assertThat(diffusion.pipeline().label(1).timeout(null).build().timeout()).isNull();
  }

  @Test
  void aRunWithinItsTimeoutIsUnchanged() {
    Generation timed =
        diffusion.pipeline().label(2).steps(3).seed(8).timeout(Duration.ofMinutes(5)).generate();
    Generation plain = diffusion.pipeline().label(2).steps(3).seed(8).generate();
    assertThat(timed.images()).isEqualTo(plain.images());
    Generation forever =
        diffusion
            .pipeline()
            .label(2)
            .steps(3)
            .seed(8)
            .timeout(java.time.temporal.ChronoUnit.FOREVER.getDuration())
            .generate();
    assertThat(forever.images()).isEqualTo(plain.images());
  }
}
