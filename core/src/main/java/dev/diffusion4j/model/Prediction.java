package dev.diffusion4j.model;

import dev.diffusion4j.tensor.Tensor;

/**
 * What a noise-predicting model returns for a batch.
 *
 * @param noise the noise estimate {@code eps}, the shape of the sample
 * @param variance the model's variance values {@code v} in [-1, 1] for learned-range models (IF's
 *     output channels 3-5), or {@code null} for models with a fixed variance
 */
public record Prediction(Tensor noise, Tensor variance) {

  /**
   * Validates the pair.
   *
   * @throws IllegalArgumentException if the noise is missing or the shapes differ
   */
  public Prediction {
    if (noise == null) {
      throw new IllegalArgumentException("noise must not be null");
    }
    if (variance != null) {
      noise.requireSameShape(variance, "variance");
    }
  }

  /**
   * Returns samples {@code [from, to)} of the batch.
   *
   * @param from first sample, inclusive
   * @param to last sample, exclusive
   * @return the slice
   */
  public Prediction slice(int from, int to) {
    return new Prediction(
        noise.slice(from, to), variance == null ? null : variance.slice(from, to));
  }
}
