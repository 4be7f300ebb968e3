package dev.diffusion4j.image;

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
}
