package dev.diffusion4j.image;

import dev.diffusion4j.tensor.Tensor;

/** How pixel values map to tensor values. */
public enum ValueRange {
  /** {@code [-1, 1]}: {@code v = p / 127.5 - 1}; DeepFloyd IF works here (part A). */
  MINUS_ONE_TO_ONE,
  /** {@code [0, 1]}: {@code v = p / 255}; the MNIST models work here (part B). */
  ZERO_TO_ONE;

  /**
   * Maps an 8-bit pixel value to a tensor value.
   *
   * @param pixel 0..255
   * @return the tensor value
   */
  public float fromPixel(int pixel) {
    return this == ZERO_TO_ONE ? pixel / 255f : pixel / 127.5f - 1f;
  }

  /**
   * Maps a tensor value to an 8-bit pixel value, clamping and rounding to the nearest.
   *
   * @param value the tensor value
   * @return 0..255
   */
  public int toPixel(float value) {
    float p = this == ZERO_TO_ONE ? value * 255f : (value + 1f) * 127.5f;
    return Math.max(0, Math.min(255, Math.round(p)));
  }

  /**
   * How far outside the range an input image may stray, as a fraction of the range's width:
   * {@value}. A sample a model produced strays a little ({@code Generation.images()} is not
   * clamped), so {@code [0, 1]} accepts {@code [-0.25, 1.25]}; a {@code [-1, 1]} image given to a
   * {@code [0, 1]} model, or pixels in {@code [0, 255]}, are refused.
   */
  public static final float TOLERANCE = 0.25f;

  /**
   * Returns the lower end of the range.
   *
   * @return -1 or 0
   */
  public float min() {
    return this == ZERO_TO_ONE ? 0f : -1f;
  }

  /**
   * Returns the upper end of the range.
   *
   * @return 1
   */
  public float max() {
    return 1f;
  }

  /**
   * Throws unless every value of {@code x} is finite and within this range widened by {@link
   * #TOLERANCE} of its width on each side, so that an image in another value range is refused
   * instead of sampled into garbage.
   *
   * @param x the image tensor. Not modified.
   * @param name the parameter name for the message, e.g. {@code "image"}
   * @return {@code x}
   * @throws IllegalArgumentException naming the parameter, the value found, its index and the range
   *     expected
   */
  public Tensor requireWithin(Tensor x, String name) {
    float width = max() - min();
    float lo = min() - TOLERANCE * width;
    float hi = max() + TOLERANCE * width;
    float[] d = x.data();
    for (int i = 0; i < d.length; i++) {
      float v = d[i];
      if (!(v >= lo && v <= hi)) {
        throw new IllegalArgumentException(
            name
                + " must hold values in the model's range ["
                + fmt(min())
                + ", "
                + fmt(max())
                + "] (accepted: ["
                + lo
                + ", "
                + hi
                + "]), but holds "
                + v
                + " at flat index "
                + i
                + (this == ZERO_TO_ONE
                    ? "; divide 8-bit pixels by 255 (Images.readGray/readRgb do)"
                    : "; map 8-bit pixels p to p / 127.5 - 1 (Images.readRgb does)"));
      }
    }
    return x;
  }

  private static String fmt(float v) {
    return v == (int) v ? Integer.toString((int) v) : Float.toString(v);
  }
}
