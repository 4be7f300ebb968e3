package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.Margins;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.text.Safetensors;
import dev.diffusion4j.view.Factorization;
import dev.diffusion4j.view.View;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Replays what visual_anagrams' own {@code sample_stage_1} computed on the tiny IF models with the
 * reductions and the inverse problem ({@code reduction="alternate"}, {@code ref_im}), the triple
 * hybrid and a permutation view, with the noise it drew ({@code
 * onnx-export/if/reference_if_illusions.py}, {@code testdata/reference/if-illusions.safetensors}).
 * Each run's limit is {@link DiffusersReferenceTest#FLOAT32_MULTIPLE} times its recorded
 * sensitivity, as in {@link DiffusersReferenceTest}; a run with its technique's setting left out
 * must miss by more than twice that.
 */
class IllusionReferenceTest {

  static final Condition SKULL = Condition.prompt("a lithograph of a skull");
  static final Condition WATERFALLS = Condition.prompt("a lithograph of waterfalls");
  static final Timesteps THREE = Timesteps.leading(1000, 3); // num_inference_steps = 3

  static Diffusion fp32;
  static Safetensors ref;
  static Tensor image64;

  @BeforeAll
  static void open() {
    fp32 =
        Diffusion.deepFloyd(TestData.path("models/tiny-if-diffusers"), DiffusersReferenceTest.CPU);
    ref = Safetensors.read(TestData.path("reference/if-illusions.safetensors"));
    image64 = Safetensors.read(TestData.path("reference/if-diffusers.safetensors")).get("image64");
  }

  @AfterAll
  static void close() {
    fp32.close();
  }

  /** The runs, by the name of their reference; {@code faithful} false leaves the setting out. */
  static Function<Diffusion, Pipeline> run(String name, boolean faithful) {
    Technique.Reduction alternate =
        faithful ? Technique.Reduction.ALTERNATE : Technique.Reduction.MEAN;
    return switch (name) {
      case "ill_alternate" ->
          d ->
              d.pipeline()
                  .condition(DiffusersReferenceTest.OLD_MAN)
                  .anagram(DiffusersReferenceTest.CAMPFIRE, View.FLIP)
                  .reduction(alternate)
                  .timesteps(THREE);
      case "ill_hybrid_alternate" ->
          d ->
              d.pipeline()
                  .condition(SKULL)
                  .hybrid(Factorization.parse("low_pass", "high_pass"), WATERFALLS)
                  .reduction(faithful ? Technique.Reduction.ALTERNATE : Technique.Reduction.SUM)
                  .timesteps(THREE);
      case "ill_ref_im" ->
          d -> {
            Pipeline p =
                d.pipeline()
                    .condition(SKULL)
                    .hybrid(Factorization.hybrid(2), WATERFALLS)
                    .timesteps(THREE);
            return faithful ? p.referenceImage(image64) : p;
          };
      case "ill_color_ref_im" ->
          d -> {
            Pipeline p =
                d.pipeline()
                    .prompt("a high quality photo")
                    .hybrid(Factorization.colorHybrid(), DiffusersReferenceTest.OLD_MAN)
                    .timesteps(THREE);
            return faithful ? p.referenceImage(image64) : p;
          };
      case "ill_triple" ->
          d ->
              d.pipeline()
                  .condition(DiffusersReferenceTest.DOG)
                  .hybrid(
                      faithful
                          ? Factorization.tripleHybrid(1, 2)
                          : Factorization.parse("low_pass", "high_pass", "scale:0"),
                      DiffusersReferenceTest.HAT,
                      WATERFALLS)
                  .timesteps(THREE);
      case "ill_patch_permute" ->
          d ->
              d.pipeline()
                  .condition(DiffusersReferenceTest.DOG)
                  .anagram(SKULL, View.named(faithful ? "patch_permute:8,0" : "patch_permute:8,1"))
                  .timesteps(THREE);
      default -> throw new IllegalArgumentException(name);
    };
  }

  static List<Tensor> noise(String name, boolean faithful) {
    List<Tensor> list = new ArrayList<>();
    for (int i = 0; ref.tensors().containsKey(name + "_noise_" + i); i++) {
      Tensor z = ref.get(name + "_noise_" + i);
      // ref_im's torch.randn_like(ref_im) draws [3, 64, 64]: one sample's worth
      list.add(z.rank() == 3 ? z.reshape(1, z.dim(0), z.dim(1), z.dim(2)) : z);
    }
    if (!faithful && name.contains("ref_im")) {
      // without the reference the run draws no reference noise: the initial and the step draws
      return List.of(list.get(0), list.get(2), list.get(4));
    }
    return list;
  }

  static double limit(String name) {
    double s = ref.get(name + "_sensitivity").data()[0];
    assertThat(s).as("sensitivity of " + name).isPositive();
    return DiffusersReferenceTest.FLOAT32_MULTIPLE * s;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "ill_alternate",
    "ill_hybrid_alternate",
    "ill_ref_im",
    "ill_color_ref_im",
    "ill_triple",
    "ill_patch_permute"
  })
  void matchesVisualAnagramsSamplers(String name) {
    Tensor out = run(name, true).apply(fp32).noise(noise(name, true)).generate().images();
    double diff = DiffusersReferenceTest.maxAbsDiff(out, ref.get(name));
    Margins.report("visual_anagrams " + name + " float32", diff, limit(name));
  }

  @ParameterizedTest(name = "{0} without its setting")
  @CsvSource({
    "ill_alternate",
    "ill_hybrid_alternate",
    "ill_ref_im",
    "ill_color_ref_im",
    "ill_triple",
    "ill_patch_permute"
  })
  void leavingTheSettingOutIsCaught(String name) {
    Tensor out = run(name, false).apply(fp32).noise(noise(name, false)).generate().images();
    double diff = DiffusersReferenceTest.maxAbsDiff(out, ref.get(name));
    System.out.printf(
        "%s without its setting: max |diff| %.3g, %.0fx its limit%n",
        name, diff, diff / limit(name));
    assertThat(diff).as(name + " without its setting").isGreaterThan(2 * limit(name));
  }
}
