package dev.diffusion4j.noise;

import dev.diffusion4j.tensor.Tensor;
import org.apache.commons.math3.random.RandomGenerator;
import org.apache.commons.math3.random.Well19937c;

/** Gaussian noise from a seeded {@code Well19937c} generator. Not thread-safe. */
final class SeededNoise implements NoiseSource {

  private final RandomGenerator random;

  SeededNoise(long seed) {
    this.random = new Well19937c(seed);
  }

  @Override
  public Tensor next(int... shape) {
    long size = 1;
    for (int dim : shape) {
      if (dim <= 0) {
        throw new IllegalArgumentException(
            "shape dimensions must be > 0, but shape is: " + java.util.Arrays.toString(shape));
      }
      size *= dim;
    }
    float[] d = new float[Math.toIntExact(size)];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) random.nextGaussian();
    }
    return Tensor.wrap(d, shape);
  }
}
