package dev.diffusion4j.image;

import dev.diffusion4j.tensor.Tensor;

/**
 * Gaussian blur identical to torchvision's {@code gaussian_blur(img, kernel_size=k, sigma=s)}: the
 * kernel is {@code w = exp(-0.5 (x / s)^2) / sum} over {@code x = linspace(-(k-1)/2, (k-1)/2, k)},
 * applied separably (rows, then columns) with <b>reflect</b> padding of {@code k / 2} on each side.
 *
 * <p>Low-pass is the blur, high-pass is {@code x - blur(x)}. Immutable and thread-safe.
 */
public final class GaussianBlur {

  /** The write-up's denoising baseline kernel size (k = 5). */
  public static final int BASELINE_KERNEL_SIZE = 5;

  /** The write-up's denoising baseline sigma (s = 2). */
  public static final double BASELINE_SIGMA = 2.0;

  /**
   * The largest kernel size accepted: {@value}. Reflect padding needs images larger than half the
   * kernel, so a larger kernel fits no image this library makes (IF stage II is 256x256).
   */
  public static final int MAX_KERNEL_SIZE = 1023;

  /**
   * The smallest sigma accepted: {@value}. Below it the kernel is a unit impulse already; near zero
   * {@code x / sigma} overflows float32 and the kernel turns into NaN.
   */
  public static final double MIN_SIGMA = 1e-3;

  /** The largest sigma accepted: {@value}. Beyond it the kernel is flat to float precision. */
  public static final double MAX_SIGMA = 1e6;

  private final int kernelSize;
  private final double sigma;
  private final float[] kernel;

  /**
   * Creates a blur.
   *
   * @param kernelSize k, odd, in {@code [1, }{@link #MAX_KERNEL_SIZE}{@code ]}
   * @param sigma the standard deviation, in {@code [}{@link #MIN_SIGMA}{@code , }{@link
   *     #MAX_SIGMA}{@code ]}
   * @throws IllegalArgumentException if k is even or out of range, or sigma is out of range
   */
  public GaussianBlur(int kernelSize, double sigma) {
    if (kernelSize <= 0 || kernelSize % 2 == 0) {
      throw new IllegalArgumentException(
          "kernelSize must be odd and positive, but is: " + kernelSize);
    }
    if (kernelSize > MAX_KERNEL_SIZE) {
      throw new IllegalArgumentException(
          "kernelSize must be <= " + MAX_KERNEL_SIZE + ", but is: " + kernelSize);
    }
    if (!(sigma > 0) || Double.isInfinite(sigma)) {
      throw new IllegalArgumentException("sigma must be > 0 and finite, but is: " + sigma);
    }
    if (!(sigma >= MIN_SIGMA && sigma <= MAX_SIGMA)) {
      throw new IllegalArgumentException(
          "sigma must be in [" + MIN_SIGMA + ", " + MAX_SIGMA + "], but is: " + sigma);
    }
    this.kernelSize = kernelSize;
    this.sigma = sigma;
    this.kernel = kernel1d(kernelSize, sigma);
  }

  /**
   * Returns the blur for a resolution, scaling the write-up's 64x64 setting (k = 33, s = 2)
   * proportionally: {@code k = odd(33 * size / 64)}, {@code s = 2 * size / 64}, e.g. k = 133, s = 8
   * at 256 (kernel sizes are rounded to the nearest odd number; at most {@code 2 * (size - 1) + 1}
   * so that reflect padding stays valid).
   *
   * @param size the image height (or width), in {@code [2, 1024]}
   * @return the blur
   */
  public static GaussianBlur forHybrid(int size) {
    if (size < 2 || size > 1024) {
      throw new IllegalArgumentException("size must be in [2, 1024], but is: " + size);
    }
    double scale = size / 64.0;
    int k = (int) Math.round(33 * scale);
    if (k % 2 == 0) {
      k += 1;
    }
    k = Math.max(1, Math.min(k, 2 * (size - 1) - 1));
    return new GaussianBlur(k, 2 * scale);
  }

  /**
   * The normalised 1-D kernel of torchvision: float32 {@code linspace}, {@code exp}, then division
   * by the sum.
   */
  static float[] kernel1d(int k, double sigma) {
    float half = (k - 1) * 0.5f;
    float[] w = new float[k];
    float sum = 0;
    for (int i = 0; i < k; i++) {
      float x = k == 1 ? -half : -half + (2 * half) * i / (k - 1);
      float v = (float) Math.exp(-0.5 * Math.pow(x / (float) sigma, 2));
      w[i] = v;
      sum += v;
    }
    for (int i = 0; i < k; i++) {
      w[i] /= sum;
    }
    return w;
  }

  /**
   * Returns the kernel size.
   *
   * @return k
   */
  public int kernelSize() {
    return kernelSize;
  }

  /**
   * Returns sigma.
   *
   * @return s
   */
  public double sigma() {
    return sigma;
  }

  /**
   * Returns a copy of the normalised 1-D kernel.
   *
   * @return the weights, summing to 1
   */
  public float[] kernel() {
    return kernel.clone();
  }

  /**
   * Blurs every channel of every image (the low-pass filter).
   *
   * @param x a batch {@code [N, C, H, W]} with H and W larger than {@code k / 2}. Not modified.
   * @return the blurred batch
   * @throws IllegalArgumentException if the tensor is not rank 4 or too small for the padding
   */
  public Tensor apply(Tensor x) {
    x.requireRank(4, "x");
    int h = x.dim(2);
    int w = x.dim(3);
    int r = kernelSize / 2;
    if (r >= h || r >= w) {
      throw new IllegalArgumentException(
          "x must be larger than kernelSize / 2 = "
              + r
              + " in H and W for reflect padding, but is "
              + h
              + "x"
              + w);
    }
    int planes = x.dim(0) * x.dim(1);
    float[] in = x.data();
    float[] out = new float[in.length];
    float[] k = kernel;
    float[] padded = new float[w + 2 * r];
    float[] tmp = new float[h * w];
    for (int p = 0; p < planes; p++) {
      int base = p * h * w;
      // horizontal pass into tmp: copy the row with reflected borders, then a plain dot product
      for (int y = 0; y < h; y++) {
        int row = base + y * w;
        System.arraycopy(in, row, padded, r, w);
        for (int i = 1; i <= r; i++) {
          padded[r - i] = in[row + i];
          padded[r + w - 1 + i] = in[row + w - 1 - i];
        }
        int t = y * w;
        for (int xx = 0; xx < w; xx++) {
          float s = 0;
          for (int j = 0; j < kernelSize; j++) {
            s += k[j] * padded[xx + j];
          }
          tmp[t + xx] = s;
        }
      }
      // vertical pass into out: accumulate whole reflected rows of tmp
      for (int y = 0; y < h; y++) {
        int o = base + y * w;
        for (int j = 0; j < kernelSize; j++) {
          int sy = y + j - r;
          if (sy < 0) {
            sy = -sy;
          } else if (sy >= h) {
            sy = 2 * (h - 1) - sy;
          }
          float kj = k[j];
          int src = sy * w;
          for (int xx = 0; xx < w; xx++) {
            out[o + xx] += kj * tmp[src + xx];
          }
        }
      }
    }
    return Tensor.wrap(out, x.shape());
  }

  /**
   * The low-pass filter: the same as {@link #apply(Tensor)}.
   *
   * @param x a batch {@code [N, C, H, W]}. Not modified.
   * @return the low frequencies
   */
  public Tensor lowPass(Tensor x) {
    return apply(x);
  }

  /**
   * The high-pass filter: {@code x - blur(x)}.
   *
   * @param x a batch {@code [N, C, H, W]}. Not modified.
   * @return the high frequencies
   */
  public Tensor highPass(Tensor x) {
    return x.sub(apply(x));
  }

  @Override
  public String toString() {
    return "GaussianBlur[k=" + kernelSize + ", sigma=" + sigma + "]";
  }
}
