package dev.diffusion4j;

/**
 * How a run with a mask ({@link Pipeline#mask}) keeps the region outside it. Set with {@link
 * Pipeline#inpainting(Inpainting)}; the default is {@link #REPAINT}.
 */
public enum Inpainting {
  /**
   * The write-up's RePaint projection (part A's inpainting): after every step the kept region is
   * set to the original image noised to the timestep the sample now stands at (one noise draw per
   * step).
   */
  REPAINT,
  /**
   * diffusers' {@code IFInpaintingPipeline} (v0.27.2): the starting sample is the original image
   * outside the mask and the original noised to the first timestep inside it; after every step the
   * kept region is set back to what it was before the step, so it stays the clean original
   * throughout (no noise draws beyond the starting noise and the scheduler's). The mask is made
   * binary first, as the pipeline's {@code preprocess_mask_image} does ({@link
   * dev.diffusion4j.image.Mask#binarized()}: from 0.5 up regenerated, below kept): a soft edge
   * blended with the clean original at every step never finishes denoising and leaves a seam of
   * speckles. {@link #REPAINT} keeps a soft mask soft.
   */
  DIFFUSERS
}
