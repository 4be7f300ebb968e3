package dev.diffusion4j;

import dev.diffusion4j.image.Mask;
import dev.diffusion4j.tensor.Tensor;

/**
 * The settings of a run that starts from an image, which travel together: the image, where in the
 * timesteps the run starts (SDEdit, translation), and for inpainting the mask and how it keeps the
 * region outside it. Made by {@link Pipeline#image(Tensor, int)}, {@link Pipeline#mask(Mask)} and
 * {@link Pipeline#inpainting(Inpainting)}; read with {@link Request#startImage()}. Immutable and
 * thread-safe (the tensor is not copied; callers must not modify it).
 */
public final class StartImage {

  private final Tensor image;
  private final int startIndex;
  private final Mask mask;
  private final Inpainting inpainting;
  private final double strength;

  StartImage(Tensor image, int startIndex, Mask mask, Inpainting inpainting) {
    this(image, startIndex, mask, inpainting, Double.NaN);
  }

  StartImage(Tensor image, int startIndex, Mask mask, Inpainting inpainting, double strength) {
    this.image = image;
    this.startIndex = startIndex;
    this.mask = mask;
    this.inpainting = inpainting;
    this.strength = strength;
  }

  /**
   * Returns the strength the start index was derived from ({@link Pipeline#strength(double)}).
   *
   * @return the strength in [0, 1], or empty when the start index was given directly
   */
  public java.util.OptionalDouble strength() {
    return Double.isNaN(strength)
        ? java.util.OptionalDouble.empty()
        : java.util.OptionalDouble.of(strength);
  }

  /**
   * Returns the start image.
   *
   * @return {@code [1, C, H, W]}
   */
  public Tensor image() {
    return image;
  }

  /**
   * Returns where in the run's timesteps it starts.
   *
   * @return the index, 0 for pure noise (the write-up's inpainting)
   */
  public int startIndex() {
    return startIndex;
  }

  /**
   * Returns the inpainting mask.
   *
   * @return the mask, or {@code null} when the run does not inpaint
   */
  public Mask mask() {
    return mask;
  }

  /**
   * Returns how a mask keeps the region outside it.
   *
   * @return {@link Inpainting#REPAINT} (the default) or {@link Inpainting#DIFFUSERS}
   */
  public Inpainting inpainting() {
    return inpainting;
  }

  /** Two start images are equal when their settings are (tensor and mask by identity). */
  @Override
  public boolean equals(Object o) {
    return o instanceof StartImage s
        && image == s.image
        && startIndex == s.startIndex
        && mask == s.mask
        && inpainting == s.inpainting
        && Double.compare(strength, s.strength) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * startIndex + inpainting.hashCode();
  }

  @Override
  public String toString() {
    return "StartImage[startIndex="
        + startIndex
        + (Double.isNaN(strength) ? "" : ", strength=" + strength)
        + (mask == null ? "" : ", mask, " + inpainting)
        + "]";
  }
}
