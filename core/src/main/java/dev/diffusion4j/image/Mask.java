package dev.diffusion4j.image;

import dev.diffusion4j.tensor.Tensor;

/**
 * An inpainting mask: 1 where the image is regenerated, 0 where it is kept, values in between
 * blend. Shape {@code [1, 1, H, W]}, broadcast over the batch and channels.
 *
 * <p>Implements the RePaint projection (Lugmayr et al. 2022) that the write-up uses: after every
 * step, {@code x_t <- m * x_t + (1 - m) * forward(x_orig, t)}. Immutable and thread-safe.
 */
public final class Mask {

  private final Tensor values;

  private Mask(Tensor values) {
    this.values = values;
  }

  /**
   * Wraps a mask tensor.
   *
   * @param values a {@code [1, 1, H, W]} (or {@code [H, W]}) tensor with values in [0, 1]
   * @return the mask
   * @throws IllegalArgumentException if the shape is wrong or a value is outside [0, 1]
   */
  public static Mask of(Tensor values) {
    if (values == null) {
      throw new IllegalArgumentException("mask must not be null");
    }
    Tensor v = values.rank() == 2 ? values.reshape(1, 1, values.dim(0), values.dim(1)) : values;
    if (v.rank() != 4 || v.dim(0) != 1 || v.dim(1) != 1) {
      throw new IllegalArgumentException(
          "mask must have shape [1, 1, H, W] or [H, W], but has shape: "
              + java.util.Arrays.toString(values.shape()));
    }
    float[] d = v.data();
    for (int i = 0; i < d.length; i++) {
      if (!(d[i] >= 0 && d[i] <= 1)) {
        throw new IllegalArgumentException(
            "mask values must be in [0, 1], but mask[" + i + "] is: " + d[i]);
      }
    }
    return new Mask(v);
  }

  /**
   * Makes a mask from an image as a user has it: its gray value (white = 1, regenerate; black = 0,
   * keep), resized to {@code height x width} as {@link Images#forModel} resizes a start image, so
   * the two line up. A soft edge (values between 0 and 1) stays soft; {@link
   * dev.diffusion4j.Inpainting#DIFFUSERS} makes it binary ({@link #binarized()}), as diffusers
   * does.
   *
   * @param img the mask image, any size. Not modified.
   * @param height the model's image height
   * @param width the model's image width
   * @return the mask
   * @throws IllegalArgumentException for a null image or a size below 1
   */
  public static Mask fromImage(java.awt.image.BufferedImage img, int height, int width) {
    Tensor t = Images.forModel(img, 1, height, width, ValueRange.ZERO_TO_ONE, false);
    return of(t.clamp(0f, 1f));
  }

  /**
   * Returns this mask made binary as diffusers' {@code IFInpaintingPipeline} makes its mask ({@code
   * preprocess_mask_image}): values from 0.5 up become 1, the rest 0. {@link
   * dev.diffusion4j.Inpainting#DIFFUSERS} inpaints with it.
   *
   * @return the binary mask (this mask when it is binary already)
   */
  public Mask binarized() {
    float[] d = values.data();
    float[] out = new float[d.length];
    boolean same = true;
    for (int i = 0; i < d.length; i++) {
      out[i] = d[i] >= 0.5f ? 1f : 0f;
      same &= out[i] == d[i];
    }
    return same ? this : new Mask(Tensor.wrap(out, values.shape()));
  }

  /**
   * A rectangle of ones (rows {@code top..bottom-1}, columns {@code left..right-1}) on zeros.
   *
   * @param height mask height
   * @param width mask width
   * @param top first row, inclusive
   * @param left first column, inclusive
   * @param bottom last row, exclusive
   * @param right last column, exclusive
   * @return the mask
   */
  public static Mask rectangle(int height, int width, int top, int left, int bottom, int right) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "height and width must be > 0, but are: " + height + "x" + width);
    }
    if (top < 0 || left < 0 || bottom > height || right > width || top >= bottom || left >= right) {
      throw new IllegalArgumentException(
          "rectangle must lie inside "
              + height
              + "x"
              + width
              + " and be non-empty, but is: rows ["
              + top
              + ", "
              + bottom
              + "), columns ["
              + left
              + ", "
              + right
              + ")");
    }
    float[] d = new float[height * width];
    for (int y = top; y < bottom; y++) {
      for (int x = left; x < right; x++) {
        d[y * width + x] = 1f;
      }
    }
    return new Mask(Tensor.wrap(d, 1, 1, height, width));
  }

  /**
   * Returns the mask values.
   *
   * @return a {@code [1, 1, H, W]} tensor
   */
  public Tensor values() {
    return values;
  }

  /**
   * Returns the mask height.
   *
   * @return H
   */
  public int height() {
    return values.dim(2);
  }

  /**
   * Returns the mask width.
   *
   * @return W
   */
  public int width() {
    return values.dim(3);
  }

  /**
   * Throws unless this mask fits images of the given shape.
   *
   * @param shape an NCHW shape
   */
  public void checkFits(int[] shape) {
    if (shape.length != 4 || shape[2] != height() || shape[3] != width()) {
      throw new IllegalArgumentException(
          "mask must match the image size, but mask is "
              + height()
              + "x"
              + width()
              + " and the image shape is: "
              + java.util.Arrays.toString(shape));
    }
  }

  /**
   * The RePaint projection: {@code m * generated + (1 - m) * kept}.
   *
   * @param generated the current sample {@code x_t}. Not modified.
   * @param kept the original image noised to the same timestep, the same shape. Not modified.
   * @return the composite
   */
  public Tensor composite(Tensor generated, Tensor kept) {
    generated.requireSameShape(kept, "kept");
    checkFits(generated.shape());
    int hw = height() * width();
    int planes = generated.size() / hw;
    float[] m = values.data();
    float[] g = generated.data();
    float[] k = kept.data();
    float[] out = new float[g.length];
    for (int p = 0; p < planes; p++) {
      int base = p * hw;
      for (int i = 0; i < hw; i++) {
        out[base + i] = m[i] * g[base + i] + (1 - m[i]) * k[base + i];
      }
    }
    return Tensor.wrap(out, generated.shape());
  }
}
