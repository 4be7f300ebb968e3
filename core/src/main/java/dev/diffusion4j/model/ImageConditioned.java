package dev.diffusion4j.model;

import dev.diffusion4j.tensor.Tensor;

/**
 * A denoiser that also sees an image: IF's stage II takes the channel concatenation of {@code x_t}
 * and the noised, upscaled low-resolution image, and the noise level of that image as {@code
 * class_labels}. The pipeline builds the concatenation (applying each view to both halves).
 */
public interface ImageConditioned extends Denoiser {

  /**
   * Returns the channels of the image condition appended to the sample.
   *
   * @return 3 for IF stage II
   */
  int imageChannels();

  /**
   * Predicts the noise of a batch.
   *
   * @param sampleAndImage {@code [B, C + imageChannels(), H, W]}: {@code x_t} then the image
   *     condition. Not modified.
   * @param timesteps one timestep per sample
   * @param condition the conditions {@code [B, ...conditionShape()]}. Not modified.
   * @param noiseLevel the timestep the image condition was noised to
   * @return the noise estimate and the variance values, each {@code [B, C, H, W]}
   */
  Prediction predict(Tensor sampleAndImage, int[] timesteps, Tensor condition, int noiseLevel);
}
