package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.image.Mask;
import dev.diffusion4j.image.MnistDigits;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.Margins;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.text.Safetensors;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A soft mask (a small painted mask resized bilinearly, so its edge holds values between 0 and 1)
 * with {@link Inpainting#DIFFUSERS}: diffusers' {@code IFInpaintingPipeline} binarises its mask at
 * 0.5 ({@code preprocess_mask_image}), and so does the loop. Blending the kept clean original with
 * a partial step at every step left a row of speckles along the edge (pixels that never finished
 * denoising); with the binarised mask each pixel is either regenerated or kept.
 */
class SoftMaskTest {

  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);

  static Diffusion mnist;
  static Tensor seven;

  @BeforeAll
  static void open() {
    mnist = Diffusion.mnist(TestData.path("models/mnist/class-epoch20.onnx"), CPU);
    seven =
        MnistDigits.read(
                TestData.path("mnist/heldout-images-idx3-ubyte"),
                TestData.path("mnist/heldout-labels-idx1-ubyte"))
            .ofDigit(7, 1);
  }

  @AfterAll
  static void close() {
    mnist.close();
  }

  /** A 7x7 painting with a white block over the top rows, resized bilinearly to 28x28. */
  static Mask softMask() {
    BufferedImage paint = new BufferedImage(7, 7, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = paint.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(1, 0, 5, 3);
    g.dispose();
    return Mask.fromImage(paint, 28, 28);
  }

  private Tensor run(Mask mask) {
    return mnist
        .pipeline()
        .label(9)
        .image(seven, 0)
        .mask(mask)
        .inpainting(Inpainting.DIFFUSERS)
        .sampler(Sampler.DPM_SOLVER_PP)
        .steps(20)
        .seed(5)
        .generate()
        .images();
  }

  @Test
  void aSoftMaskWithDiffusersInpaintingIsBinarisedAsDiffusersDoes() {
    Mask soft = softMask();
    float[] m = soft.values().data();
    int edge = 0;
    for (float v : m) {
      edge += v > 0 && v < 1 ? 1 : 0;
    }
    assertThat(edge).as("edge pixels of the bilinear mask").isGreaterThan(20);

    Tensor out = run(soft);
    assertThat(out.data()).containsExactly(run(soft.binarized()).data());
    // every pixel below 0.5 is the original, the rest regenerated: no pixel halfway
    float[] o = out.data();
    float[] x = seven.data();
    for (int i = 0; i < m.length; i++) {
      if (m[i] < 0.5f) {
        assertThat(o[i]).as("kept pixel %d (mask %s)", i, m[i]).isEqualTo(x[i]);
      }
    }
  }

  /**
   * diffusers' own {@code IFInpaintingPipeline} on a soft mask, on the tiny IF models ({@code
   * onnx-export/if/reference_if_soft_mask.py}, which also checked that the soft mask and its
   * binarised mask give diffusers the same output): the library's run on the same soft mask and
   * noise matches within the limit of the binary-mask run {@code if_inpaint}, the same run with
   * another mask.
   */
  @Test
  void aSoftMaskMatchesDiffusersIfInpaintingPipeline() {
    Safetensors soft = Safetensors.read(TestData.path("reference/if-soft-mask.safetensors"));
    Safetensors ref = Safetensors.read(TestData.path("reference/if-diffusers.safetensors"));
    List<Tensor> noise = new ArrayList<>();
    for (int i = 0; soft.tensors().containsKey("if_inpaint_soft_noise_" + i); i++) {
      noise.add(soft.get("if_inpaint_soft_noise_" + i));
    }
    Mask mask = Mask.of(soft.get("soft_mask"));
    float[] m = mask.values().data();
    int edge = 0;
    for (float v : m) {
      edge += v > 0 && v < 1 ? 1 : 0;
    }
    assertThat(edge).as("edge pixels of the soft mask").isGreaterThan(100);
    try (Diffusion fp32 =
        Diffusion.deepFloyd(
            TestData.path("models/tiny-if-diffusers"), SessionSettings.on(Device.cpu()))) {
      Tensor out =
          fp32.pipeline()
              .prompt("a high quality photo")
              .guidance(7)
              .timesteps(DiffusersReferenceTest.STAGE_1)
              .image(ref.get("image64"), 0)
              .mask(mask)
              .inpainting(Inpainting.DIFFUSERS)
              .noise(noise)
              .generate()
              .images();
      Tensor expected = soft.get("if_inpaint_soft");
      double diff = 0;
      for (int i = 0; i < out.size(); i++) {
        diff = Math.max(diff, Math.abs(out.data()[i] - expected.data()[i]));
      }
      Margins.report(
          "diffusers if_inpaint_soft float32",
          diff,
          DiffusersReferenceTest.limit("if_inpaint", DiffusersReferenceTest.FLOAT32_MULTIPLE));
    }
  }

  @Test
  void binarisingKeepsValuesFromHalfUpAndDropsTheRest() {
    Mask m = Mask.of(Tensor.wrap(new float[] {0f, 0.49f, 0.5f, 0.51f, 1f}, 1, 5));
    assertThat(m.binarized().values().data()).containsExactly(0f, 0f, 1f, 1f, 1f);
  }
}
