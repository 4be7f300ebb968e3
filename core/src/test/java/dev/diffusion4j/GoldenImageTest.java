package dev.diffusion4j;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.image.MnistDigits;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistDenoiser;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.Golden;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.view.View;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every technique on the shipped MNIST models (and the IF path on its stand-ins) with fixed seeds
 * and short step lists, compared with the committed goldens in {@code testdata/golden/} (see {@link
 * Golden} for the tolerance and how to re-bless).
 */
class GoldenImageTest {

  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);
  static final ValueRange R = ValueRange.ZERO_TO_ONE;
  static final Timesteps TS = Timesteps.strided(300, 30);

  static Diffusion mnist;
  static MnistDigits heldout;

  @BeforeAll
  static void open() {
    mnist = Diffusion.mnist(TestData.path("models/mnist/class-epoch20.onnx"), CPU);
    heldout =
        MnistDigits.read(
            TestData.path("mnist/heldout-images-idx3-ubyte"),
            TestData.path("mnist/heldout-labels-idx1-ubyte"));
  }

  @AfterAll
  static void close() {
    mnist.close();
  }

  static Tensor digit(int d) {
    return heldout.ofDigit(d, 1);
  }

  static Tensor noised(int t) {
    return mnist.forward(digit(3), t, NoiseSource.seeded(t));
  }

  @Test
  void forwardProcess() {
    Golden.assertMatches("forward", Tensor.concatBatch(noised(75), noised(150), noised(225)), R);
  }

  @Test
  void blurBaseline() {
    GaussianBlur blur = new GaussianBlur(3, 0.875);
    Golden.assertMatches("blur", blur.apply(Tensor.concatBatch(noised(75), noised(150))), R);
  }

  @Test
  void oneStepDenoising() {
    Tensor out =
        Tensor.concatBatch(
            mnist.pipeline().label(3).guidance(1).denoiseOnce(noised(75), 75),
            mnist.pipeline().label(3).guidance(1).denoiseOnce(noised(225), 225));
    Golden.assertMatches("one_step", out, R);
  }

  @Test
  void iterativeDenoising() {
    Generation g =
        mnist
            .pipeline()
            .label(3)
            .guidance(1)
            .timesteps(TS)
            .image(digit(3), 3)
            .captureEvery(3)
            .seed(1)
            .generate();
    Golden.assertMatches(
        "iterative", Tensor.concatBatch(g.intermediates().toArray(new Tensor[0])), R);
  }

  @Test
  void samplingWithAndWithoutGuidance() {
    int[] digits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    Tensor plain =
        mnist.pipeline().labels(digits).guidance(1).timesteps(TS).seed(2).generate().images();
    Tensor cfg =
        mnist.pipeline().labels(digits).guidance(5).timesteps(TS).seed(2).generate().images();
    Golden.assertMatches("sampling_plain", plain, R);
    Golden.assertMatches("sampling_cfg", cfg, R);
  }

  @Test
  void sdeditAndTranslation() {
    Tensor edits =
        Tensor.concatBatch(
            mnist.pipeline().label(5).timesteps(TS).image(digit(5), 1).seed(3).generate().images(),
            mnist.pipeline().label(5).timesteps(TS).image(digit(5), 5).seed(3).generate().images(),
            mnist.pipeline().label(8).timesteps(TS).image(digit(3), 3).seed(3).generate().images());
    Golden.assertMatches("sdedit_translate", edits, R);
  }

  @Test
  void inpainting() {
    Tensor out =
        mnist
            .pipeline()
            .label(9)
            .timesteps(TS)
            .image(digit(7), 0)
            .mask(Mask.rectangle(28, 28, 3, 4, 14, 24))
            .samples(2)
            .seed(4)
            .generate()
            .images();
    Golden.assertMatches("inpaint", out, R);
  }

  @Test
  void anagramsAndHybrids() {
    Tensor anagram =
        mnist
            .pipeline()
            .label(6)
            .anagram(Condition.label(9), View.ROT180)
            .timesteps(TS)
            .samples(2)
            .seed(5)
            .generate()
            .images();
    Tensor hybrid =
        mnist
            .pipeline()
            .label(8)
            .hybrid(Condition.label(1))
            .timesteps(TS)
            .samples(2)
            .seed(6)
            .generate()
            .images();
    Golden.assertMatches("anagram_hybrid", Tensor.concatBatch(anagram, hybrid), R);
  }

  @Test
  void partBDenoiserAndTimeConditionedSamples() {
    Tensor clean = Tensor.concatBatch(digit(0), digit(4), digit(7));
    Tensor noisy = clean.add(NoiseSource.seeded(7).next(clean.shape()).mul(0.5f));
    try (MnistDenoiser d =
        MnistDenoiser.load(TestData.path("models/mnist/denoiser-epoch5.onnx"), CPU)) {
      Golden.assertMatches("denoiser", d.denoise(noisy), R);
    }
    try (Diffusion time = Diffusion.mnist(TestData.path("models/mnist/time-epoch5.onnx"), CPU)) {
      Golden.assertMatches(
          "time_samples", time.pipeline().samples(4).timesteps(TS).seed(8).generate().images(), R);
    }
  }

  @Test
  void deepFloydStandInSample() {
    try (Diffusion d = Diffusion.deepFloyd(TestData.path("models/tiny-if"), CPU)) {
      Tensor x =
          d.pipeline()
              .variant(Variant.STUDY) // the loop this golden image was made with
              .prompt("a photo of a dog")
              .timesteps(Timesteps.of(990, 660, 330, 0))
              .seed(9)
              .generate()
              .images();
      Golden.assertMatches("tiny_if_sample", x.clamp(-1, 1), ValueRange.MINUS_ONE_TO_ONE);
    }
  }
}
