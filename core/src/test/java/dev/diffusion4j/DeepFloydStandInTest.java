package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.image.Mask;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.IFUNet;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.text.Safetensors;
import dev.diffusion4j.view.View;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every part A technique through the IF path, on random-weight stand-ins with IF's exact ONNX
 * contract, replaying the study's loops ({@link Variant#STUDY}) that {@code
 * onnx-export/if/make_tiny_if.py} ran in torch with the same explicit noise. Tolerance: 1e-3
 * (scaled by the magnitude where it exceeds 1).
 */
class DeepFloydStandInTest {

  static final Path DIR = TestData.path("models/tiny-if");
  static final SessionSettings CPU = SessionSettings.on(Device.cpu());
  static final Timesteps TS = Timesteps.of(990, 660, 330, 0);

  static Diffusion diffusion;
  static Safetensors ref;

  @TempDir Path tmp;

  @BeforeAll
  static void open() {
    diffusion = Diffusion.deepFloyd(DIR, CPU);
    ref = Safetensors.read(DIR.resolve("reference.safetensors"));
  }

  @AfterAll
  static void close() {
    diffusion.close();
  }

  static List<Tensor> noise(String name) {
    List<Tensor> list = new ArrayList<>();
    for (int i = 0; ref.tensors().containsKey(name + "_noise_" + i); i++) {
      list.add(ref.get(name + "_noise_" + i));
    }
    return list;
  }

  static void assertMatches(Tensor actual, String name) {
    TestData.assertClose(actual, ref.get(name), 1e-3);
  }

  @Test
  void sdeditWithGuidanceMatchesTorch() {
    Tensor out =
        diffusion
            .pipeline()
            .variant(Variant.STUDY)
            .prompt("a high quality photo")
            .guidance(7)
            .timesteps(TS)
            .image(ref.get("image64"), 1)
            .noise(noise("sdedit"))
            .generate()
            .images();
    assertMatches(out, "sdedit");
  }

  @Test
  void samplingWithGuidanceMatchesTorch() {
    Tensor out =
        diffusion
            .pipeline()
            .variant(Variant.STUDY)
            .prompt("a photo of a dog")
            .guidance(7)
            .timesteps(TS)
            .samples(2)
            .noise(noise("sample"))
            .generate()
            .images();
    assertMatches(out, "sample");
  }

  @Test
  void anagramMatchesTorch() {
    Tensor out =
        diffusion
            .pipeline()
            .variant(Variant.STUDY)
            .prompt("an oil painting of an old man")
            .anagram(Condition.prompt("an oil painting of people around a campfire"), View.FLIP)
            .guidance(7)
            .timesteps(TS)
            .noise(noise("anagram"))
            .generate()
            .images();
    assertMatches(out, "anagram");
  }

  @Test
  void hybridMatchesTorch() {
    Tensor out =
        diffusion
            .pipeline()
            .variant(Variant.STUDY)
            .prompt("a lithograph of a skull")
            .hybrid(Condition.prompt("a lithograph of waterfalls"))
            .guidance(7)
            .timesteps(TS)
            .noise(noise("hybrid"))
            .generate()
            .images();
    assertMatches(out, "hybrid");
  }

  @Test
  void inpaintingMatchesTorch() {
    Tensor out =
        diffusion
            .pipeline()
            .variant(Variant.STUDY)
            .prompt("a high quality photo")
            .guidance(7)
            .timesteps(TS)
            .image(ref.get("image64"), 0)
            .mask(Mask.rectangle(64, 64, 2, 24, 20, 42))
            .noise(noise("inpaint"))
            .generate()
            .images();
    assertMatches(out, "inpaint");
  }

  @Test
  void stageTwoMatchesTorch() {
    Tensor out =
        diffusion
            .upscaler()
            .variant(Variant.STUDY)
            .prompt("a high quality photo")
            .guidance(4)
            .timesteps(Timesteps.of(980, 490, 0))
            .lowResolution(ref.get("image64"))
            .noise(noise("stage2"))
            .generate()
            .images();
    assertThat(out.shape()).containsExactly(1, 3, 256, 256);
    assertMatches(out, "stage2");
  }

  @Test
  void aSeededRunGoesThroughBothStages() {
    Generation small = diffusion.pipeline().prompt("a photo of a man").steps(3).seed(1).generate();
    Generation big =
        diffusion
            .upscaler()
            .prompt("a photo of a man")
            .anagram(Condition.prompt("a man wearing a hat"))
            .timesteps(Timesteps.of(980, 490, 0))
            .lowResolution(small.images())
            .seed(2)
            .generate();
    assertThat(big.images().shape()).containsExactly(1, 3, 256, 256);
    assertThat(Double.isFinite(big.images().mean())).isTrue();
    Generation hybrid =
        diffusion
            .upscaler()
            .prompt("a lithograph of a skull")
            .hybrid(Condition.prompt("a lithograph of waterfalls"))
            .timesteps(Timesteps.of(980, 490, 0))
            .lowResolution(small.images())
            .seed(3)
            .generate();
    assertThat(hybrid.images().shape()).containsExactly(1, 3, 256, 256);
    assertThat(hybrid.request().hybridBlur().kernelSize()).isEqualTo(133);
    assertThat(Double.isFinite(hybrid.images().mean())).isTrue();
  }

  @Test
  void float16ModelAgreesWithFloat32WithinHalfPrecision() {
    DDPMScheduler s = DDPMScheduler.deepFloydIF();
    Tensor x = ref.get("pass_stage1_x");
    Tensor emb =
        Tensor.concatBatch(
            diffusion.encoder().encode(Condition.prompt("a photo of a dog")),
            diffusion.encoder().encode(Condition.prompt("")));
    try (IFUNet fp32 = IFUNet.stageOne(DIR.resolve("stage_I.onnx"), s, CPU);
        IFUNet fp16 = IFUNet.stageOne(DIR.resolve("stage_I.fp16.onnx"), s, CPU)) {
      var a = fp32.predict(x, new int[] {500, 20}, emb);
      var b = fp16.predict(x, new int[] {500, 20}, emb);
      Tensor expected = ref.get("pass_stage1_out");
      TestData.assertClose(Tensor.concatChannels(a.noise(), a.variance()), expected, 1e-4);
      TestData.assertClose(Tensor.concatChannels(b.noise(), b.variance()), expected, 5e-3);
    }
  }

  @Test
  void unknownPromptWithoutEncoderListsThePromptsHeld() throws Exception {
    Path dir = copyWithout("text_encoder.onnx");
    try (Diffusion d = Diffusion.deepFloyd(dir, CPU)) {
      assertThatThrownBy(() -> d.pipeline().prompt("a photo of a cat"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unknown prompt \"a photo of a cat\"")
          .hasMessageContaining("a photo of a dog")
          .hasMessageContaining("a lithograph of a skull");
    }
  }

  @Test
  void modelsFolderMissingAPartIsNamed() throws Exception {
    Path noStage = copyWithout("stage_I.onnx");
    assertThatThrownBy(() -> Diffusion.deepFloyd(noStage, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is missing stage_I.onnx");
    Path noText = copyWithout("text_encoder.onnx", "embeddings.safetensors");
    assertThatThrownBy(() -> Diffusion.deepFloyd(noText, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no way to encode prompts");
    Path noConfig = copyWithout("config.json");
    assertThatThrownBy(() -> Diffusion.deepFloyd(noConfig, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is missing config.json");
  }

  @Test
  void aUNetOfTheWrongContractIsRefusedAtLoad() throws Exception {
    Path dir = copyWithout();
    Files.copy(
        DIR.resolve("text_encoder.onnx"),
        dir.resolve("stage_I.onnx"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> Diffusion.deepFloyd(dir, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stage_I.onnx does not match the expected contract")
        .hasMessageContaining("no input named 'sample'")
        .hasMessageContaining("Found inputs [input_ids int64[B, 77], attention_mask int64[B, 77]]");
    Path stageTwoAsOne = copyWithout();
    Files.copy(
        DIR.resolve("stage_II.onnx"),
        stageTwoAsOne.resolve("stage_I.onnx"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> Diffusion.deepFloyd(stageTwoAsOne, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("input 'sample' has shape [B, 6, 256, 256]");
  }

  @Test
  void upscalerNeedsItsImageAndStageOneTakesNone() {
    assertThatThrownBy(() -> diffusion.upscaler().prompt("a pencil").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call lowResolution(images)");
    assertThatThrownBy(() -> diffusion.pipeline().label(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a prompt for DeepFloyd IF");
  }

  private Path copyWithout(String... skip) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "if");
    List<String> skipped = List.of(skip);
    try (var files = Files.list(DIR)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (!skipped.contains(name) && !name.equals("reference.safetensors")) {
          Files.copy(f, dir.resolve(name));
        }
      }
    }
    return dir;
  }
}
