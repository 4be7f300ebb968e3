package dev.diffusion4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageSeedsTest {

  @Test
  void isTheStreamOfSplittableRandom() {
    for (long seed : new long[] {0, 1, 42, -7, Long.MAX_VALUE}) {
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = 0; i < 100; i++) {
        assertThat(ImageSeeds.of(seed, i))
            .as("seed %d index %d", seed, i)
            .isEqualTo(random.nextLong());
      }
    }
  }

  @Test
  void nearbyRequestSeedsShareNoImageSeed() {
    Set<Long> seen = new HashSet<>();
    for (long seed = 42; seed < 52; seed++) {
      for (int i = 0; i < 1000; i++) {
        assertThat(seen.add(ImageSeeds.of(seed, i))).isTrue();
      }
    }
  }

  @Test
  void refusesANegativeIndex() {
    assertThatThrownBy(() -> ImageSeeds.of(1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("index must be >= 0, but is: -1");
  }
}
