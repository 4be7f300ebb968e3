package dev.diffusion4j.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoiseSourceTest {

  @Test
  void sameSeedSameNoiseAndStandardNormalMoments() {
    Tensor a = NoiseSource.seeded(42).next(4, 3, 64, 64);
    Tensor b = NoiseSource.seeded(42).next(4, 3, 64, 64);
    assertThat(a).isEqualTo(b);
    assertThat(NoiseSource.seeded(43).next(4, 3, 64, 64)).isNotEqualTo(a);
    double mean = a.mean();
    double var = a.mul(a).mean() - mean * mean;
    // 49,152 draws: the standard error of the mean is 0.0045, of the variance 0.0064
    assertThat(mean).isBetween(-0.02, 0.02);
    assertThat(var).isBetween(0.97, 1.03);
  }

  @Test
  void explicitNoiseIsHandedOutInOrderWithShapeChecks() {
    Tensor first = Tensor.full(1f, 1, 1, 2, 2);
    Tensor second = Tensor.full(2f, 1, 1, 2, 2);
    NoiseSource source = NoiseSource.explicit(List.of(first, second));
    assertThat(source.next(1, 1, 2, 2)).isSameAs(first);
    assertThatThrownBy(() -> source.next(1, 1, 3, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("noise tensor #2 must have shape [1, 1, 3, 3], but has shape: [1, 1, 2, 2]");
    assertThat(source.next(1, 1, 2, 2)).isSameAs(second);
    assertThatThrownBy(() -> source.next(1, 1, 2, 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("only 2 were given");
  }
}
