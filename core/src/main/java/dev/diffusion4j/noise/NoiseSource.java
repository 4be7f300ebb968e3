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
   * Returns a source with one generator per sample: a draw of shape {@code [N, ...]} (N = {@code
   * seeds.length}) takes its row {@code i} from {@code seeded(seeds[i])} alone, drawing a tensor of
   * shape {@code [...]}. So row {@code i} of every draw equals what {@code perSample(seeds[i])} (or
   * {@code seeded(seeds[i])} drawing {@code [1, ...]}) gives: a sample is reproducible without the
   * others, as with diffusers' list of generators.
   *
   * @param seeds one seed per sample, at least one
   * @return the source; a draw whose first axis is not {@code seeds.length} is refused
   */
  static NoiseSource perSample(long... seeds) {
    return new PerSampleNoise(seeds);
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
