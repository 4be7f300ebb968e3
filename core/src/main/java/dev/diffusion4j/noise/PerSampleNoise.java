package dev.diffusion4j.noise;

import dev.diffusion4j.tensor.Tensor;
import java.util.Arrays;

/**
 * One seeded generator per sample of a batch: a draw of {@code [N, ...]} takes row {@code i} from
 * generator {@code i} alone, so sample {@code i} sees the same noise whatever the other samples are
 * (diffusers' list of generators).
 */
final class PerSampleNoise implements NoiseSource {

  private final SeededNoise[] generators;

  PerSampleNoise(long[] seeds) {
    if (seeds == null || seeds.length == 0) {
      throw new IllegalArgumentException("seeds must hold at least one seed, but is empty");
    }
    generators = new SeededNoise[seeds.length];
    for (int i = 0; i < seeds.length; i++) {
      generators[i] = new SeededNoise(seeds[i]);
    }
  }

  @Override
  public Tensor next(int... shape) {
    if (shape.length == 0 || shape[0] != generators.length) {
      throw new IllegalArgumentException(
          "a draw from "
              + generators.length
              + " per-sample seeds must have shape ["
              + generators.length
              + ", ...], but has shape: "
              + Arrays.toString(shape));
    }
    int[] row = Arrays.copyOfRange(shape, 1, shape.length);
    if (row.length == 0) {
      row = new int[] {1};
    }
    int per = 1;
    for (int d : row) {
      per = Math.multiplyExact(per, d);
    }
    float[] all = new float[Math.multiplyExact(per, generators.length)];
    for (int i = 0; i < generators.length; i++) {
      System.arraycopy(generators[i].next(row).data(), 0, all, i * per, per);
    }
    return Tensor.wrap(all, shape);
  }
}
