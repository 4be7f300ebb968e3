package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.view.Component;
import dev.diffusion4j.view.Factorization;
import dev.diffusion4j.view.View;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The illusions in the loop on the MNIST contract model: every view and component is checked
 * against the model's shape before sampling, every factorization runs as a hybrid, and the
 * reductions combine what they should (their values against visual_anagrams' own samplers are in
 * {@link IllusionReferenceTest}).
 */
class IllusionTest {

  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);
  static Diffusion diffusion;

  @BeforeAll
  static void open() {
    diffusion = Diffusion.mnist(TestData.path("models/contract/class-d4.onnx"), CPU);
  }

  @AfterAll
  static void close() {
    diffusion.close();
  }

  private static Pipeline base(List<Progress> steps) {
    return diffusion.pipeline().label(6).steps(2).seed(4).progress(steps::add);
  }

  @Test
  void aViewThatCannotWorkFailsBeforeSamplingNamingWhatItNeeds() {
    List<Progress> steps = new ArrayList<>();
    assertThatThrownBy(
            () ->
                base(steps).anagram(Condition.label(9), View.named("patch_permute:32")).generate())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("patch_permute(num_patches=32")
        .hasMessageContaining("at least 32 px")
        .hasMessageContaining("28");
    assertThatThrownBy(
            () -> base(steps).hybrid(Factorization.colorHybrid(), Condition.label(1)).generate())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grayscale")
        .hasMessageContaining("3 colour channels")
        .hasMessageContaining("1 channel");
    assertThatThrownBy(
            () ->
                base(steps)
                    .hybrid(Condition.label(1), new GaussianBlur(61, 2))
                    .generate()) // radius 30 > 28 px
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("low_pass")
        .hasMessageContaining("28x28");
    assertThat(steps).as("no step ran").isEmpty();
  }

  @Test
  void theLoopChecksARequestAgainstItsModel() {
    // a user's own view, checked by the loop on every path (denoiseOnce included)
    View needs64 =
        new View() {
          @Override
          public Tensor apply(Tensor x) {
            return x;
          }

          @Override
          public Tensor inverse(Tensor x) {
            return x;
          }

          @Override
          public String name() {
            return "needs64";
          }

          @Override
          public void check(int channels, int height, int width) {
            if (height != 64) {
              throw new IllegalArgumentException("needs64 needs 64 px, but the size is " + height);
            }
          }
        };
    Tensor noisy = NoiseSource.seeded(1).next(1, 1, 28, 28);
    assertThatThrownBy(
            () ->
                diffusion
                    .pipeline()
                    .label(6)
                    .anagram(Condition.label(9), needs64)
                    .denoiseOnce(noisy, 500))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("needs64 needs 64 px, but the size is 28");
  }

  @Test
  void everyFactorizationRunsAsAHybrid() {
    // scales 0.5 + 0.5 of one label's estimate are that estimate: the plain run, to rounding
    Tensor plain = base(new ArrayList<>()).generate().images();
    Tensor halves =
        base(new ArrayList<>())
            .hybrid(Factorization.scales(0.5, 0.5), Condition.label(6))
            .generate()
            .images();
    assertThat(maxAbsDiff(halves, plain)).isLessThan(1e-5);
    // the mean of scales 1 and 1 too
    Tensor mean =
        base(new ArrayList<>())
            .hybrid(Factorization.scales(1, 1), Condition.label(6))
            .reduction(Technique.Reduction.MEAN)
            .generate()
            .images();
    assertThat(maxAbsDiff(mean, plain)).isLessThan(1e-5);
    // and the sum of scales 1 and 1 is not (twice the noise estimate)
    Tensor twice =
        base(new ArrayList<>())
            .hybrid(Factorization.scales(1, 1), Condition.label(6))
            .generate()
            .images();
    assertThat(maxAbsDiff(twice, plain)).isGreaterThan(1e-2);
    // a spec-named factorization of three components takes two more conditions
    Request triple =
        base(new ArrayList<>())
            .hybrid(
                Factorization.parse("triple_low_pass", "triple_medium_pass", "triple_high_pass"),
                Condition.label(1),
                Condition.label(8))
            .build();
    assertThat(triple.technique().kind()).isEqualTo(Technique.Kind.HYBRID);
    assertThat(triple.technique().hybridConditions())
        .containsExactly(Condition.label(1), Condition.label(8));
    assertThat(triple.technique().reduction()).isEqualTo(Technique.Reduction.SUM);
    assertThatThrownBy(
            () -> base(new ArrayList<>()).hybrid(Factorization.hybrid(2), new Condition[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one condition per component after the first (1");
  }

  @Test
  void alternateTakesOneViewPerStep() {
    // step 0 takes view 0 (label 6 upright) alone: one step of the alternate anagram is the plain
    // step; the second step takes the flipped 9 alone
    Tensor plain1 = diffusion.pipeline().label(6).steps(1).seed(4).generate().images();
    Tensor alt1 =
        diffusion
            .pipeline()
            .label(6)
            .steps(1)
            .seed(4)
            .anagram(Condition.label(9), View.FLIP)
            .reduction(Technique.Reduction.ALTERNATE)
            .generate()
            .images();
    assertThat(maxAbsDiff(alt1, plain1)).isZero();
    Tensor plain2 = base(new ArrayList<>()).generate().images();
    Tensor alt2 =
        base(new ArrayList<>())
            .anagram(Condition.label(9), View.FLIP)
            .reduction(Technique.Reduction.ALTERNATE)
            .generate()
            .images();
    Tensor mean2 =
        base(new ArrayList<>()).anagram(Condition.label(9), View.FLIP).generate().images();
    assertThat(maxAbsDiff(alt2, plain2)).isGreaterThan(1e-3);
    assertThat(maxAbsDiff(alt2, mean2)).isGreaterThan(1e-3);
    // a hybrid's alternate step 0 is the low-pass of the primary estimate alone: the same as the
    // hybrid of the low-pass and a zero scale for step 0
    Factorization lowAndNothing = Factorization.of(Component.lowPass(2, 33), Component.scale(0));
    Tensor altHybrid =
        diffusion
            .pipeline()
            .label(6)
            .steps(1)
            .seed(4)
            .hybrid(Factorization.hybrid(2), Condition.label(1))
            .reduction(Technique.Reduction.ALTERNATE)
            .generate()
            .images();
    Tensor lowOnly =
        diffusion
            .pipeline()
            .label(6)
            .steps(1)
            .seed(4)
            .hybrid(lowAndNothing, Condition.label(1))
            .generate()
            .images();
    assertThat(maxAbsDiff(altHybrid, lowOnly)).isLessThan(1e-6);
  }

  @Test
  void reductionsAndReferencesAreCheckedWithTheirTechnique() {
    assertThatThrownBy(() -> base(new ArrayList<>()).reduction(Technique.Reduction.SUM).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reduction is for an anagram or a hybrid");
    assertThatThrownBy(
            () ->
                base(new ArrayList<>())
                    .anagram(Condition.label(9), View.FLIP)
                    .anagramWeights(0.6, 0.4)
                    .reduction(Technique.Reduction.ALTERNATE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be combined with reduction ALTERNATE");
    Tensor seven = NoiseSource.seeded(1).next(1, 1, 28, 28);
    assertThatThrownBy(() -> base(new ArrayList<>()).referenceImage(seven))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("call hybrid(..) first");
    assertThatThrownBy(
            () ->
                base(new ArrayList<>())
                    .hybrid(Condition.label(1))
                    .referenceImage(NoiseSource.seeded(1).next(1, 3, 28, 28))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 channel(s)");
    Request r = base(new ArrayList<>()).hybrid(Condition.label(1)).referenceImage(seven).build();
    assertThat(r.technique().reference()).isSameAs(seven);
    assertThat(r.toString()).contains("referenceImage").contains("reduction=SUM");
  }

  @Test
  void aReferenceFixesTheFirstComponent() {
    // with the components (scale 1, scale 0) the reference replaces x_t before every step: the
    // last step starts from the reference noised to its t with the fourth draw, as SDEdit from
    // that step does with its first
    Tensor seven = NoiseSource.seeded(1).next(1, 1, 28, 28).clamp(0f, 1f);
    NoiseSource source = NoiseSource.seeded(9);
    List<Tensor> z = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      z.add(source.next(1, 1, 28, 28));
    }
    Timesteps ts = Timesteps.of(240, 120);
    Factorization all = Factorization.of(Component.scale(1), Component.scale(0));
    Tensor referenced =
        diffusion
            .pipeline()
            .label(6)
            .timesteps(ts)
            .hybrid(all, Condition.label(1))
            .referenceImage(seven)
            .noise(z)
            .generate()
            .images();
    Tensor sdedit =
        diffusion
            .pipeline()
            .label(6)
            .timesteps(ts)
            .image(seven, 1)
            .noise(z.subList(3, 5))
            .generate()
            .images();
    assertThat(maxAbsDiff(referenced, sdedit)).isLessThan(1e-6);
  }

  @Test
  void aGenerationAnimatesItsIllusion() {
    Generation anagram =
        diffusion
            .pipeline()
            .label(6)
            .steps(2)
            .seed(4)
            .anagram(Condition.label(9), View.ROT180)
            .anagram(Condition.label(2), View.named("patch_permute:4"))
            .samples(2)
            .generate();
    dev.diffusion4j.view.Animation a = anagram.animation(1);
    // one clip per view, each of 2 holds, 2 fades and the transition, there and back
    int clip =
        2
            * (2
                + 2 * dev.diffusion4j.view.Animation.FADE_FRAMES
                + dev.diffusion4j.view.Animation.TRANSITION_FRAMES);
    assertThat(a.frames()).hasSize(2 * clip);
    assertThat(a.frames().get(0).getWidth()).isEqualTo(210); // 28 px x 5, on a frame 1.5 x that
    Generation hybrid =
        diffusion.pipeline().label(8).steps(2).seed(4).hybrid(Condition.label(1)).generate();
    assertThat(hybrid.animation(0).frames()).hasSize(clip);
    Generation plain = diffusion.pipeline().label(8).steps(2).seed(4).generate();
    assertThatThrownBy(() -> plain.animation(0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("anagram or a hybrid");
    assertThatThrownBy(() -> anagram.animation(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[0, 2)");
  }

  static double maxAbsDiff(Tensor a, Tensor b) {
    assertThat(a.shape()).isEqualTo(b.shape());
    double worst = 0;
    for (int i = 0; i < a.size(); i++) {
      worst = Math.max(worst, Math.abs(a.data()[i] - b.data()[i]));
    }
    return worst;
  }
}
