package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.text.Safetensors;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Negative prompts and negative embeddings, replayed against diffusers v0.27.2's {@code IFPipeline}
 * and {@code IFSuperResolutionPipeline} called with {@code negative_prompt_embeds} on the tiny
 * real-architecture IF models ({@code onnx-export/if/reference_if_negative.py} wrote {@code
 * testdata/reference/if-negative.safetensors}, after checking that its rebuilt pipelines reproduce
 * {@code if-diffusers.safetensors} exactly). Max absolute difference of the images.
 */
class NegativePromptTest {

  static final Timesteps STAGE_1 = Timesteps.of(990, 660, 330, 0);
  static final Timesteps STAGE_2 = Timesteps.of(980, 490, 0);
  static final Condition DOG = Condition.prompt("a photo of a dog");

  static Diffusion fp32;
  static Safetensors ref;

  @BeforeAll
  static void open() {
    fp32 =
        Diffusion.deepFloyd(TestData.path("models/tiny-if-diffusers"), DiffusersReferenceTest.CPU);
    ref = Safetensors.read(TestData.path("reference/if-negative.safetensors"));
  }

  @AfterAll
  static void close() {
    fp32.close();
  }

  static List<Tensor> noise(String name) {
    List<Tensor> list = new ArrayList<>();
    for (int i = 0; ref.tensors().containsKey(name + "_noise_" + i); i++) {
      list.add(ref.get(name + "_noise_" + i));
    }
    return list;
  }

  /** Runs a pipeline on a reference's noise and returns its max difference from the reference. */
  static double replay(String name, AbstractPipeline<?> pipeline) {
    Tensor out = pipeline.noise(noise(name)).generate().images();
    double diff = DiffusersReferenceTest.maxAbsDiff(out, ref.get(name));
    System.out.printf("diffusers reference %s float32: max |diff| %.3g%n", name, diff);
    return diff;
  }

  /**
   * The limit of a replay that differs from a {@code DiffusersReferenceTest} run only in its
   * negative embeddings (and, for {@code neg_embeds}, a lower guidance): that run's limit, at least
   * 1e-3.
   */
  static double limitLike(String reference) {
    return Math.max(
        1e-3, DiffusersReferenceTest.limit(reference, DiffusersReferenceTest.FLOAT32_MULTIPLE));
  }

  @Test
  void negativePromptIsDiffusersNegativePromptEmbeds() {
    Pipeline p =
        fp32.pipeline()
            .condition(DOG)
            .negativePrompt("a man wearing a hat")
            .guidance(7)
            .timesteps(STAGE_1)
            .samples(2);
    // the same run as if_cfg but for its negative embeddings: the same amplification, so its limit
    assertThat(replay("neg_cfg", p)).isLessThanOrEqualTo(limitLike("if_cfg"));
    // the default unconditional pass ("") gives another image on the same noise
    Tensor plain = p.toBuilder().negative(null).noise(noise("neg_cfg")).generate().images();
    assertThat(DiffusersReferenceTest.maxAbsDiff(plain, ref.get("neg_cfg"))).isGreaterThan(0.05);
  }

  @Test
  void negativeEmbeddingsAreTakenAsTheyAre() {
    Tensor embeds = ref.get("neg_embeds_input");
    Pipeline p =
        fp32.pipeline()
            .condition(DOG)
            .negative(Condition.embeddings(embeds))
            .guidance(5)
            .timesteps(STAGE_1);
    assertThat(replay("neg_embeds", p)).isLessThanOrEqualTo(limitLike("if_cfg"));
  }

  @Test
  void negativePromptWithDiffusersFast27Preset() {
    Pipeline p =
        fp32.pipeline()
            .condition(DOG)
            .negativePrompt("a lithograph of a skull")
            .guidance(7)
            .timesteps(Timesteps.FAST27);
    assertThat(replay("neg_fast27", p)).isLessThanOrEqualTo(1e-3);
  }

  @Test
  void upscalerTakesANegativePrompt() {
    Upscaler u =
        fp32.upscaler()
            .prompt("a high quality photo")
            .negativePrompt("a lithograph of waterfalls")
            .guidance(4)
            .timesteps(STAGE_2)
            .noiseLevel(250)
            .lowResolution(
                Safetensors.read(TestData.path("reference/if-diffusers.safetensors"))
                    .get("image64"));
    assertThat(replay("neg_sr", u)).isLessThanOrEqualTo(limitLike("sr"));
  }

  @Test
  void emptyNegativePromptIsTheDefault() {
    Pipeline p = fp32.pipeline().condition(DOG).guidance(7).timesteps(STAGE_1).seed(3);
    Tensor plain = p.generate().images();
    Tensor empty = p.toBuilder().negativePrompt("").generate().images();
    assertThat(empty.data()).containsExactly(plain.data());
    assertThat(p.toBuilder().negativePrompt("a man wearing a hat").build().negative())
        .isEqualTo(Condition.prompt("a man wearing a hat"));
  }

  @Test
  void refusesNegativesTheModelCannotTake() {
    assertThatThrownBy(() -> fp32.pipeline().negativePrompt("a cat"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a cat")
        .hasMessageContaining("a photo of a dog");
    assertThatThrownBy(
            () -> fp32.pipeline().negative(Condition.embeddings(Tensor.zeros(1, 77, 16))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("negative embeddings must have shape [1, 77, 32] for ")
        .hasMessageEndingWith(", but have: [1, 77, 16]");
    assertThatThrownBy(() -> Condition.embeddings(Tensor.zeros(77, 32)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("embeddings must be a batch of one, [1, ...], but have shape: [77, 32]");
    assertThatThrownBy(() -> fp32.pipeline().negative(Condition.label(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a prompt");
  }
}
