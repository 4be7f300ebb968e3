package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.IFConfig;
import dev.diffusion4j.model.IFUNet;
import dev.diffusion4j.model.Prediction;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.Margins;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.text.Safetensors;
import dev.diffusion4j.view.View;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Replays, through the default public API, what diffusers v0.27.2's own IF pipelines and
 * visual_anagrams' samplers computed on tiny real-architecture IF models (diffusers' {@code
 * UNet2DConditionModel} with IF's blocks), with the noise they drew: {@code
 * onnx-export/if/reference_if.py} wrote the models (exported by {@code export_if.py} in float32 and
 * float16) and {@code testdata/reference/if-diffusers.safetensors}.
 *
 * <p>Each run's limit rests on what the run amplifies, not on one machine's result: {@code
 * onnx-export/if/sensitivity_if.py} ran diffusers' own pipelines again with the UNet's output
 * multiplied by {@code 1 + 1e-6 * N(0, 1)} and recorded, per run, the largest change of the output
 * ({@code testdata/reference/if-diffusers-sensitivity.json}). A run's limit is {@link
 * #FLOAT32_MULTIPLE} (float32) or {@link #FLOAT16_MULTIPLE} (float16) times that sensitivity. The
 * UNets themselves, where nothing amplifies, are compared on their own ({@link #unetsMatchTorch}).
 * The limits still fail for real bugs: {@link #swappedNoiseIsCaught} and {@link
 * #droppedThresholdingIsCaught} run the same comparisons with a deliberate bug each.
 */
class DiffusersReferenceTest {

  static final SessionSettings CPU = SessionSettings.on(Device.cpu());
  static final Timesteps STAGE_1 = Timesteps.of(990, 660, 330, 0);
  static final Timesteps STAGE_2 = Timesteps.of(980, 490, 0);
  static final Condition OLD_MAN = Condition.prompt("an oil painting of an old man");
  static final Condition CAMPFIRE = Condition.prompt("an oil painting of people around a campfire");
  static final Condition DOG = Condition.prompt("a photo of a dog");
  static final Condition HAT = Condition.prompt("a man wearing a hat");

  /**
   * A float32 run's limit, in multiples of its sensitivity (the change of its output when every
   * UNet output element moves by a relative 1e-6 in diffusers' own run).
   */
  static final double FLOAT32_MULTIPLE = 10;

  /** A float16 run's limit, in multiples of its sensitivity. */
  static final double FLOAT16_MULTIPLE = 5;

  /** The UNets' own limit: max |diff| over max |torch output|, one pass, nothing amplified. */
  static final double UNET_RELATIVE = 1e-4;

  static Diffusion fp32;
  static Diffusion fp16;
  static Safetensors ref;
  private static JsonObject sensitivity;

  @BeforeAll
  static void open() {
    fp32 = Diffusion.deepFloyd(TestData.path("models/tiny-if-diffusers"), CPU);
    fp16 = Diffusion.deepFloyd(TestData.path("models/tiny-if-diffusers-fp16"), CPU);
    ref = Safetensors.read(TestData.path("reference/if-diffusers.safetensors"));
  }

  @AfterAll
  static void close() {
    fp32.close();
    fp16.close();
  }

  static List<Tensor> noise(String name) {
    List<Tensor> list = new ArrayList<>();
    for (int i = 0; ref.tensors().containsKey(name + "_noise_" + i); i++) {
      list.add(ref.get(name + "_noise_" + i));
    }
    return list;
  }

  /** The runs, by the name of their reference: what the Python run did, in the library's API. */
  static Function<Diffusion, AbstractPipeline<?>> run(String name) {
    Tensor image64 = ref.get("image64");
    return switch (name) {
      case "if_cfg" -> d -> d.pipeline().condition(DOG).guidance(7).timesteps(STAGE_1).samples(2);
      case "if_g1" -> d -> d.pipeline().condition(DOG).guidance(1).timesteps(STAGE_1);
      case "if_sdedit" ->
          d ->
              d.pipeline()
                  .prompt("a high quality photo")
                  .guidance(7)
                  .timesteps(STAGE_1)
                  .image(image64, 1); // strength 0.75 of 4 timesteps: from 660
      case "if_inpaint" ->
          d ->
              d.pipeline()
                  .prompt("a high quality photo")
                  .guidance(7)
                  .timesteps(STAGE_1)
                  .image(image64, 0)
                  .mask(Mask.rectangle(64, 64, 2, 24, 20, 42))
                  .inpainting(Inpainting.DIFFUSERS); // IFInpaintingPipeline, strength 1
      case "va_flip" ->
          d ->
              d.pipeline()
                  .condition(OLD_MAN)
                  .anagram(CAMPFIRE, View.FLIP)
                  .timesteps(Timesteps.leading(1000, 3)); // num_inference_steps = 3
      case "va_rot180" ->
          d ->
              d.pipeline()
                  .condition(DOG)
                  .anagram(HAT, View.ROT180)
                  .timesteps(Timesteps.leading(1000, 3));
      case "va_three" ->
          d ->
              d.pipeline()
                  .condition(OLD_MAN)
                  .anagram(DOG, View.ROT270) // visual_anagrams' rotate_cw
                  .anagram(HAT, View.ROT90) // rotate_ccw
                  .timesteps(Timesteps.leading(1000, 3));
      case "va_hybrid" ->
          d ->
              d.pipeline()
                  .prompt("a lithograph of a skull")
                  .hybrid(Condition.prompt("a lithograph of waterfalls"))
                  .timesteps(Timesteps.leading(1000, 3));
      case "sr" ->
          d ->
              d.upscaler()
                  .prompt("a high quality photo")
                  .guidance(4)
                  .timesteps(STAGE_2)
                  .noiseLevel(250)
                  .lowResolution(image64);
      case "va2_flip" ->
          d ->
              d.upscaler()
                  .condition(OLD_MAN)
                  .anagram(CAMPFIRE, View.FLIP)
                  .guidance(4)
                  .timesteps(Timesteps.leading(1000, 2)) // num_inference_steps = 2
                  .noiseLevel(50)
                  .lowResolution(image64);
      default -> throw new IllegalArgumentException(name);
    };
  }

  static double maxAbsDiff(Tensor a, Tensor b) {
    assertThat(a.shape()).isEqualTo(b.shape());
    double worst = 0;
    for (int i = 0; i < a.size(); i++) {
      worst = Math.max(worst, Math.abs(a.data()[i] - b.data()[i]));
    }
    return worst;
  }

  /** The runs' sensitivities, read once. */
  static synchronized JsonObject sensitivity() {
    if (sensitivity == null) {
      try {
        sensitivity =
            JsonParser.parseString(
                    Files.readString(
                        TestData.path("reference/if-diffusers-sensitivity.json"),
                        StandardCharsets.UTF_8))
                .getAsJsonObject()
                .getAsJsonObject("runs");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return sensitivity;
  }

  /** The limit of a reference run: the multiple times its recorded sensitivity. */
  static double limit(String reference, double multiple) {
    double s = sensitivity().getAsJsonObject(reference).get("sensitivity").getAsDouble();
    assertThat(s).as("sensitivity of " + reference).isPositive();
    return multiple * s;
  }

  /** The float32 runs, each within {@link #FLOAT32_MULTIPLE} times its sensitivity. */
  @ParameterizedTest(name = "{0} float32")
  @CsvSource({
    "if_cfg",
    "if_g1",
    "if_sdedit",
    "if_inpaint",
    "va_flip",
    "va_rot180",
    "va_three",
    "va_hybrid",
    "sr",
    "va2_flip"
  })
  void float32ExportMatchesDiffusers(String name) {
    Tensor out = run(name).apply(fp32).noise(noise(name)).generate().images();
    double diff = maxAbsDiff(out, ref.get(name));
    Margins.report("diffusers " + name + " float32", diff, limit(name, FLOAT32_MULTIPLE));
  }

  /**
   * The float16 runs (whose reference ran on the same float16-rounded weights, inputs and outputs,
   * in float32), each within {@link #FLOAT16_MULTIPLE} times its sensitivity. There a relative
   * change of 1e-6 moves an output element to a neighbouring float16 value only where it lies next
   * to a rounding boundary, as the difference between two kernels does.
   */
  @ParameterizedTest(name = "{0} float16")
  @CsvSource({"if_cfg", "if_sdedit", "if_inpaint", "va_flip", "va_three", "va_hybrid", "sr"})
  void float16ExportMatchesDiffusers(String name) {
    Tensor out = run(name).apply(fp16).noise(noise("fp16_" + name)).generate().images();
    double diff = maxAbsDiff(out, ref.get("fp16_" + name));
    Margins.report("diffusers " + name + " float16", diff, limit("fp16_" + name, FLOAT16_MULTIPLE));
  }

  /**
   * The UNets alone: one pass of each stage on fixed inputs against torch's output for the same
   * weights ({@code testdata/reference/if-diffusers-unet.safetensors}), noise estimate and variance
   * values alike.
   */
  @Test
  void unetsMatchTorch() {
    Safetensors unet = Safetensors.read(TestData.path("reference/if-diffusers-unet.safetensors"));
    IFConfig config = IFConfig.read(TestData.path("models/tiny-if-diffusers"));
    try (IFUNet one = IFUNet.stageOne(config.stageOne(), config.stageOneScheduler(), CPU);
        IFUNet two = IFUNet.stageTwo(config.stageTwo(), config.stageTwoScheduler(), CPU)) {
      Prediction p1 =
          one.predict(
              unet.get("unet1_sample"),
              ints(unet.get("unet1_timestep")),
              unet.get("unet1_embeddings"));
      compareUnet("stage I", p1, unet.get("unet1_output"));
      Prediction p2 =
          two.predict(
              unet.get("unet2_sample"),
              ints(unet.get("unet2_timestep")),
              unet.get("unet2_embeddings"),
              (int) unet.get("unet2_noise_level").data()[0]);
      compareUnet("stage II", p2, unet.get("unet2_output"));
    }
  }

  static int[] ints(Tensor t) {
    int[] out = new int[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.round(t.data()[i]);
    }
    return out;
  }

  static void compareUnet(String stage, Prediction actual, Tensor expected) {
    Tensor both = Tensor.concatChannels(actual.noise(), actual.variance());
    double scale = 0;
    for (float v : expected.data()) {
      scale = Math.max(scale, Math.abs(v));
    }
    double relative = maxAbsDiff(both, expected) / scale;
    Margins.report("diffusers UNet " + stage + " relative", relative, UNET_RELATIVE);
  }

  /**
   * The float32 limits catch a swapped noise order: the same runs with the last two step-noise
   * draws exchanged must differ from diffusers by more than twice their limit.
   */
  @ParameterizedTest(name = "{0} float32, noise swapped")
  @CsvSource({
    "if_cfg",
    "if_g1",
    "if_sdedit",
    "if_inpaint",
    "va_flip",
    "va_three",
    "va_hybrid",
    "sr",
    "va2_flip"
  })
  void swappedNoiseIsCaught(String name) {
    List<Tensor> noise = new ArrayList<>(noise(name));
    int n = noise.size();
    assertThat(noise.get(n - 1).shape()).as(name).isEqualTo(noise.get(n - 2).shape());
    Collections.swap(noise, n - 1, n - 2);
    Tensor out = run(name).apply(fp32).noise(noise).generate().images();
    double diff = maxAbsDiff(out, ref.get(name));
    double limit = limit(name, FLOAT32_MULTIPLE);
    System.out.printf(
        "swapped noise %s: max |diff| %.3g, %.0fx its limit%n", name, diff, diff / limit);
    assertThat(diff).as(name + " with swapped noise").isGreaterThan(2 * limit);
  }

  /**
   * The float32 limits catch a dropped thresholding: stage I's models opened with {@code
   * thresholding} off (clip_sample then clips to [-1, 1], as diffusers does) must differ by more
   * than twice the limit. Stage II's runs are not listed: its {@code sample_max_value} of 1 makes
   * dynamic thresholding the same as clipping.
   */
  @ParameterizedTest(name = "{0} float32, thresholding dropped")
  @CsvSource({"if_cfg", "if_g1", "if_sdedit", "if_inpaint", "va_flip", "va_three", "va_hybrid"})
  void droppedThresholdingIsCaught(String name, @TempDir Path dir) throws IOException {
    Path from = TestData.path("models/tiny-if-diffusers");
    for (String file : List.of("stage_I.onnx", "stage_II.onnx", "embeddings.safetensors")) {
      Files.copy(from.resolve(file), dir.resolve(file));
    }
    JsonObject config =
        JsonParser.parseString(Files.readString(from.resolve("config.json"))).getAsJsonObject();
    config
        .getAsJsonObject("stage_I")
        .getAsJsonObject("scheduler")
        .addProperty("thresholding", false);
    config.remove("text_encoder");
    Files.writeString(dir.resolve("config.json"), config.toString());
    try (Diffusion unthresholded = Diffusion.deepFloyd(dir, CPU)) {
      Tensor out = run(name).apply(unthresholded).noise(noise(name)).generate().images();
      double diff = maxAbsDiff(out, ref.get(name));
      double limit = limit(name, FLOAT32_MULTIPLE);
      System.out.printf(
          "dropped thresholding %s: max |diff| %.3g, %.0fx its limit%n", name, diff, diff / limit);
      assertThat(diff).as(name + " without thresholding").isGreaterThan(2 * limit);
    }
  }
}
