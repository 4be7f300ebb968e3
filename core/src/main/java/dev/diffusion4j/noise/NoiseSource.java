package dev.diffusion4j.noise;

import dev.diffusion4j.tensor.Tensor;

/**
 * Where the Gaussian noise of a run comes from: a seeded generator ({@link #seeded(long)}) or a
 * fixed list of tensors ({@link #explicit(java.util.List)}), so that a run can be fed the very
 * noise a Python reference used.
 *
 * <p>A noise source has state and is not thread-safe: use one per run.
 */
public interface NoiseSource {

  /**
   * Returns the next tensor of standard normal noise.
   *
   * @param shape the shape wanted
   * @return a tensor of that shape
   */
  Tensor next(int... shape);

  /**
   * Returns a source that draws from a Mersenne-Twister-family generator ({@code Well19937c} of
   * commons-math3) seeded with {@code seed}. The same seed gives the same sequence on every JVM.
   *
   * @param seed the seed
   * @return the source
   */
  static NoiseSource seeded(long seed) {
    return new SeededNoise(seed);
  }

  /**
   * Returns a source that hands out the given tensors in order, checking each shape.
   *
   * @param tensors the noise tensors, in the order the run draws them
   * @return the source; it throws {@link IllegalStateException} when they run out
   */
  static NoiseSource explicit(java.util.List<Tensor> tensors) {
    return new ExplicitNoise(tensors);
  }
}
