package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.view.View;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of a request: the technique is one frozen value, set at once or one setting at a time
 * with the same result; the settings of a start image and of the upscaler's input travel together.
 */
class TechniqueTest {

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

  private static Pipeline base() {
    return diffusion.pipeline().label(6).steps(3).seed(4);
  }

  @Test
  void anAnagramSetAtOnceIsTheOneSetStepByStep() {
    Request.ViewTerm nine = new Request.ViewTerm(Condition.label(9), View.ROT180);
    Request stepwise =
        base().anagram(Condition.label(9), View.ROT180).anagramWeights(0.6, 0.4).build();
    Request atOnce = base().technique(Technique.anagram(List.of(nine), 0.6, 0.4)).build();
    assertThat(atOnce).isEqualTo(stepwise);
    assertThat(atOnce.technique().kind()).isEqualTo(Technique.Kind.ANAGRAM);
    assertThat(atOnce.technique().weights()).containsExactly(0.6, 0.4);
    assertThat(atOnce.views()).containsExactly(nine);
    Tensor a = diffusion.pipeline(stepwise).generate().images();
    Tensor b = diffusion.pipeline(atOnce).generate().images();
    assertThat(a.data()).containsExactly(b.data());
    // the weights change the image: the technique is what the loop combines with
    Tensor mean = base().technique(Technique.anagram(List.of(nine))).generate().images();
    assertThat(mean.maxAbsDiff(a)).isGreaterThan(1e-4);
  }

  @Test
  void aHybridSetAtOnceIsTheOneSetByHybrid() {
    GaussianBlur blur = GaussianBlur.forHybrid(28);
    Request a = base().hybrid(Condition.label(1), blur).build();
    Request b = base().technique(Technique.hybrid(Condition.label(1), blur)).build();
    assertThat(b).isEqualTo(a);
    assertThat(b.technique().kind()).isEqualTo(Technique.Kind.HYBRID);
    assertThat(b.hybridBlur()).isSameAs(blur);
    assertThat(diffusion.pipeline(b).generate().images().data())
        .containsExactly(diffusion.pipeline(a).generate().images().data());
    assertThat(base().build().technique()).isEqualTo(Technique.plain());
  }

  @Test
  void aTechniqueIsCheckedWhereItIsMade() {
    Request.ViewTerm nine = new Request.ViewTerm(Condition.label(9), View.FLIP);
    assertThatThrownBy(() -> Technique.anagram(List.of(nine), 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "one weight per view (2: the primary condition and 1 anagram view(s))");
    assertThatThrownBy(() -> Technique.anagram(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one view");
    assertThatThrownBy(() -> Technique.hybrid(Condition.label(1), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blur must not be null");
    assertThatThrownBy(() -> base().hybrid(Condition.label(1)).anagram(Condition.label(9)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("anagram and hybrid cannot be combined");
    assertThatThrownBy(() -> base().anagram(Condition.label(9)).hybrid(Condition.label(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("anagram and hybrid cannot be combined");
    assertThatThrownBy(
            () ->
                base()
                    .technique(
                        Technique.anagram(
                            List.of(new Request.ViewTerm(Condition.label(12), View.FLIP)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("12");
  }

  @Test
  void theStartImageSettingsTravelTogether() {
    Tensor seven = NoiseSource.seeded(1).next(1, 1, 28, 28).clamp(0f, 1f);
    Mask mask = Mask.rectangle(28, 28, 3, 4, 14, 24);
    Request r = base().image(seven, 1).mask(mask).inpainting(Inpainting.DIFFUSERS).build();
    StartImage start = r.startImage();
    assertThat(start.image()).isSameAs(seven);
    assertThat(start.startIndex()).isEqualTo(1);
    assertThat(start.mask()).isSameAs(mask);
    assertThat(start.inpainting()).isEqualTo(Inpainting.DIFFUSERS);
    assertThat(diffusion.pipeline(r).build()).isEqualTo(r);
    assertThat(base().build().startImage()).isNull();
    assertThat(base().build().upscalerInput()).isNull();
    assertThat(base().build().startIndex()).isZero();
  }
}
