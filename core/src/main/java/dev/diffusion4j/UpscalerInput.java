package dev.diffusion4j;

import dev.diffusion4j.tensor.Tensor;

/**
 * What the upscaler conditions on, which travels together: the low-resolution images and the
 * timestep they are noised to. Made by {@link Upscaler#lowResolution(Tensor)} and {@link
 * Upscaler#noiseLevel(int)}; read with {@link Request#upscalerInput()}. Immutable and thread-safe
 * (the tensor is not copied; callers must not modify it).
 */
public final class UpscalerInput {

  private final Tensor images;
  private final int noiseLevel;

  UpscalerInput(Tensor images, int noiseLevel) {
    this.images = images;
    this.noiseLevel = noiseLevel;
  }

  /**
   * Returns the low-resolution images.
   *
   * @return {@code [N, C, h, w]}
   */
  public Tensor images() {
    return images;
  }

  /**
   * Returns the timestep the upscaled images are noised to.
   *
   * @return the noise level
   */
  public int noiseLevel() {
    return noiseLevel;
  }

  /** Two inputs are equal when their images are the same tensor and their levels equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof UpscalerInput u && images == u.images && noiseLevel == u.noiseLevel;
  }

  @Override
  public int hashCode() {
    return noiseLevel;
  }

  @Override
  public String toString() {
    return "UpscalerInput[noiseLevel=" + noiseLevel + "]";
  }
}
