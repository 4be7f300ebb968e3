package dev.diffusion4j.view;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.tensor.Tensor;

/**
 * The Gaussian blur of the factorization components: torchvision's float32 kernel ({@link
 * GaussianBlur#kernel()}) and reflect padding, summed in double precision.
 *
 * <p>Copied from {@code dev.diffusion4j.image.GaussianBlur.apply}, with double accumulators:
 * torchvision convolves with the 2-D kernel in float32, and the float32 separable passes of {@code
 * GaussianBlur} differ from it by up to 1.1e-6 at 64 px; summing in double leaves only
 * torchvision's own rounding, below the 1e-6 the components are replayed to.
 */
final class Blur {

  private Blur() {}

  static Tensor apply(GaussianBlur blur, Tensor x) {
    x.requireRank(4, "x");
    int h = x.dim(2);
    int w = x.dim(3);
    int kernelSize = blur.kernelSize();
    int r = kernelSize / 2;
    if (r >= h || r >= w) {
      throw new IllegalArgumentException(
          "x must be larger than kernelSize / 2 = " + r + " in H and W, but is " + h + "x" + w);
    }
    float[] kf = blur.kernel();
    double[] k = new double[kernelSize];
    for (int i = 0; i < kernelSize; i++) {
      k[i] = kf[i];
    }
    int planes = x.dim(0) * x.dim(1);
    float[] in = x.data();
    float[] out = new float[in.length];
    double[] padded = new double[w + 2 * r];
    double[] tmp = new double[h * w];
    double[] acc = new double[w];
    for (int p = 0; p < planes; p++) {
      int base = p * h * w;
      // horizontal pass into tmp: the row with reflected borders, then a dot product
      for (int y = 0; y < h; y++) {
        int row = base + y * w;
        for (int i = 0; i < w; i++) {
          padded[r + i] = in[row + i];
        }
        for (int i = 1; i <= r; i++) {
          padded[r - i] = in[row + i];
          padded[r + w - 1 + i] = in[row + w - 1 - i];
        }
        int t = y * w;
        for (int xx = 0; xx < w; xx++) {
          double s = 0;
          for (int j = 0; j < kernelSize; j++) {
            s += k[j] * padded[xx + j];
          }
          tmp[t + xx] = s;
        }
      }
      // vertical pass: accumulate whole reflected rows of tmp
      for (int y = 0; y < h; y++) {
        java.util.Arrays.fill(acc, 0);
        for (int j = 0; j < kernelSize; j++) {
          int sy = y + j - r;
          if (sy < 0) {
            sy = -sy;
          } else if (sy >= h) {
            sy = 2 * (h - 1) - sy;
          }
          double kj = k[j];
          int src = sy * w;
          for (int xx = 0; xx < w; xx++) {
            acc[xx] += kj * tmp[src + xx];
          }
        }
        int o = base + y * w;
        for (int xx = 0; xx < w; xx++) {
          out[o + xx] = (float) acc[xx];
        }
      }
    }
    return Tensor.wrap(out, x.shape());
  }
}
