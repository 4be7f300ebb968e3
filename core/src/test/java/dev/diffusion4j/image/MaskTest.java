package dev.diffusion4j.image;

import static dev.diffusion4j.testing.TestData.assertClose;
import static dev.diffusion4j.testing.TestData.reference;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class MaskTest {

  private static final JsonObject REF = reference("misc");

  @Test
  void repaintProjectionMatchesTorch() {
    Mask mask = Mask.of(tensor(REF, "mask"));
    Tensor kept =
        DDPMScheduler.deepFloydIF().addNoise(tensor(REF, "orig"), tensor(REF, "noise"), 420);
    assertClose(mask.composite(tensor(REF, "cond"), kept), tensor(REF, "repaint_420"), 1e-5);
  }

  @Test
  void rectangleMarksTheStudysRegion() {
    Mask m = Mask.rectangle(64, 64, 2, 24, 20, 42);
    assertThat(m.values().get(0, 0, 2, 24)).isEqualTo(1f);
    assertThat(m.values().get(0, 0, 19, 41)).isEqualTo(1f);
    assertThat(m.values().get(0, 0, 20, 41)).isEqualTo(0f);
    assertThat(m.values().get(0, 0, 2, 42)).isEqualTo(0f);
    assertThat(m.values().mean()).isEqualTo(18.0 * 18 / 4096);
  }

  @Test
  void rejectsBadMasks() {
    assertThatThrownBy(() -> Mask.of(Tensor.full(1.5f, 1, 1, 4, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mask values must be in [0, 1], but mask[0] is: 1.5");
    assertThatThrownBy(() -> Mask.of(Tensor.zeros(1, 3, 4, 4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[1, 3, 4, 4]");
    Mask m = Mask.rectangle(4, 4, 0, 0, 2, 2);
    assertThatThrownBy(() -> m.composite(Tensor.zeros(1, 1, 5, 5), Tensor.zeros(1, 1, 5, 5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mask is 4x4");
  }
}
