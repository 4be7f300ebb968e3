package dev.diffusion4j.tensor;

import static dev.diffusion4j.testing.TestData.assertClose;
import static dev.diffusion4j.testing.TestData.reference;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class TensorTest {

  private static final JsonObject REF = reference("misc");

  @Test
  void bilinearResizeWithAlignCornersMatchesTorch() {
    Tensor in = tensor(REF, "resize_in");
    assertClose(in.resizeBilinear(11, 13), tensor(REF, "resize_11x13"), 1e-5);
    assertClose(in.resizeBilinear(3, 4), tensor(REF, "resize_3x4"), 1e-5);
    assertClose(tensor(REF, "upscale_in").resizeBilinear(32, 32), tensor(REF, "upscale_32"), 1e-5);
  }

  @Test
  void rotationsAndFlipMatchTorch() {
    Tensor in = tensor(REF, "resize_in");
    for (int k = 1; k <= 3; k++) {
      assertThat(in.rot90(k)).isEqualTo(tensor(REF, "rot90_" + k));
      assertThat(in.rot90(k).rot90(-k)).isEqualTo(in);
    }
    assertThat(in.flipVertical()).isEqualTo(tensor(REF, "flip"));
    assertThat(in.flipVertical().flipVertical()).isEqualTo(in);
  }

  @Test
  void arithmetic() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
    Tensor b = Tensor.of(new float[] {4, 3, 2, 1}, 1, 1, 2, 2);
    assertThat(a.add(b).data()).containsExactly(5, 5, 5, 5);
    assertThat(a.sub(b).data()).containsExactly(-3, -1, 1, 3);
    assertThat(a.mul(b).data()).containsExactly(4, 6, 6, 4);
    assertThat(a.mul(2f).data()).containsExactly(2, 4, 6, 8);
    assertThat(a.add(1f).data()).containsExactly(2, 3, 4, 5);
    assertThat(a.axpby(2, b, -1).data()).containsExactly(-2, 1, 4, 7);
    assertThat(a.clamp(2, 3).data()).containsExactly(2, 2, 3, 3);
    assertThat(a.mean()).isEqualTo(2.5);
    assertThat(a.negateChannels(0, 1).data()).containsExactly(-1, -2, -3, -4);
  }

  @Test
  void channelAndBatchSlicing() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 1, 2);
    Tensor c0 = a.channels(0, 1);
    Tensor c1 = a.channels(1, 2);
    assertThat(c0.data()).containsExactly(1, 2, 5, 6);
    assertThat(c1.data()).containsExactly(3, 4, 7, 8);
    assertThat(Tensor.concatChannels(c0, c1)).isEqualTo(a);
    assertThat(a.slice(1, 2).data()).containsExactly(5, 6, 7, 8);
    assertThat(Tensor.concatBatch(a.slice(0, 1), a.slice(1, 2))).isEqualTo(a);
    assertThat(a.slice(0, 1).repeatBatch(2).data()).containsExactly(1, 2, 3, 4, 1, 2, 3, 4);
    assertThat(a.negateChannels(1, 2).data()).containsExactly(1, 2, -3, -4, 5, 6, -7, -8);
  }

  @Test
  void rejectsBadShapes() {
    assertThatThrownBy(() -> Tensor.of(new float[3], 2, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("data length must equal the product of shape [2, 2] (4), but is: 3");
    assertThatThrownBy(() -> Tensor.zeros(2, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("shape dimensions must be > 0, but shape is: [2, 0]");
    assertThatThrownBy(() -> Tensor.zeros(1, 2).add(Tensor.zeros(2, 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("other must have shape [1, 2], but has shape: [2, 1]");
    assertThatThrownBy(() -> Tensor.zeros(1, 3, 2, 2).channels(2, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("channel range must satisfy 0 <= from < to <= 3, but is: [2, 4)");
    assertThatThrownBy(
            () -> Tensor.concatChannels(Tensor.zeros(1, 1, 2, 2), Tensor.zeros(1, 1, 3, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("parts[1] must match N, H, W");
    assertThatThrownBy(() -> Tensor.zeros(1, 1, 2, 2).resizeBilinear(0, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("height and width must be >= 1, but are: 0x4");
  }
}
