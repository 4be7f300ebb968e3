package dev.diffusion4j.tensor;

import java.util.Arrays;

/**
 * The kernels behind {@link Tensor}'s geometry (rank 4, NCHW): flips, rotations, channel and batch
 * copies, bilinear resize. Each reads its operands' flat arrays and writes one new array, allocated
 * once per call; the operands are not modified. Stateless.
 */
final class Geometry {

  private Geometry() {}

  /** The kernel of {@link Tensor#flipVertical}. */
  static Tensor flipVertical(Tensor x) {
    x.requireRank(4, "tensor");
    int planes = x.shape[0] * x.shape[1];
    int h = x.shape[2];
    int w = x.shape[3];
    float[] out = new float[x.data.length];
    for (int p = 0; p < planes; p++) {
      int base = p * h * w;
      for (int y = 0; y < h; y++) {
        System.arraycopy(x.data, base + y * w, out, base + (h - 1 - y) * w, w);
      }
    }
    return new Tensor(x.shape, out);
  }

  /** The kernel of {@link Tensor#rot90}. */
  static Tensor rot90(Tensor x, int quarterTurns) {
    x.requireRank(4, "tensor");
    int k = Math.floorMod(quarterTurns, 4);
    if (k == 0) {
      return x;
    }
    int planes = x.shape[0] * x.shape[1];
    int h = x.shape[2];
    int w = x.shape[3];
    int oh = k == 2 ? h : w;
    int ow = k == 2 ? w : h;
    float[] out = new float[x.data.length];
    for (int p = 0; p < planes; p++) {
      int base = p * h * w;
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          int si;
          int sj;
          if (k == 1) { // out[i][j] = in[j][w-1-i]
            si = j;
            sj = w - 1 - i;
          } else if (k == 2) {
            si = h - 1 - i;
            sj = w - 1 - j;
          } else { // out[i][j] = in[h-1-j][i]
            si = h - 1 - j;
            sj = i;
          }
          out[base + i * ow + j] = x.data[base + si * w + sj];
        }
      }
    }
    return new Tensor(new int[] {x.shape[0], x.shape[1], oh, ow}, out);
  }

  /** The kernel of {@link Tensor#negateChannels}. */
  static Tensor negateChannels(Tensor x, int from, int to) {
    x.requireRank(4, "tensor");
    Tensor.checkRange("channel", from, to, x.shape[1]);
    int hw = x.shape[2] * x.shape[3];
    float[] out = x.data.clone();
    for (int n = 0; n < x.shape[0]; n++) {
      for (int c = from; c < to; c++) {
        int base = (n * x.shape[1] + c) * hw;
        for (int i = base; i < base + hw; i++) {
          out[i] = -out[i];
        }
      }
    }
    return new Tensor(x.shape, out);
  }

  /** The kernel of {@link Tensor#channels}. */
  static Tensor channels(Tensor x, int from, int to) {
    x.requireRank(4, "tensor");
    Tensor.checkRange("channel", from, to, x.shape[1]);
    int hw = x.shape[2] * x.shape[3];
    int nc = to - from;
    float[] out = new float[x.shape[0] * nc * hw];
    for (int n = 0; n < x.shape[0]; n++) {
      System.arraycopy(x.data, (n * x.shape[1] + from) * hw, out, n * nc * hw, nc * hw);
    }
    return new Tensor(new int[] {x.shape[0], nc, x.shape[2], x.shape[3]}, out);
  }

  /** The kernel of {@link Tensor#concatChannels}. */
  static Tensor concatChannels(Tensor... parts) {
    Tensor.requireNonEmpty(parts);
    Tensor first = parts[0];
    first.requireRank(4, "parts[0]");
    int c = 0;
    for (int i = 0; i < parts.length; i++) {
      Tensor p = parts[i];
      p.requireRank(4, "parts[" + i + "]");
      if (p.shape[0] != first.shape[0]
          || p.shape[2] != first.shape[2]
          || p.shape[3] != first.shape[3]) {
        throw new IllegalArgumentException(
            "parts["
                + i
                + "] must match N, H, W of "
                + Arrays.toString(first.shape)
                + ", but has shape: "
                + Arrays.toString(p.shape));
      }
      c += p.shape[1];
    }
    int hw = first.shape[2] * first.shape[3];
    float[] out = new float[first.shape[0] * c * hw];
    int pos = 0;
    for (int n = 0; n < first.shape[0]; n++) {
      for (Tensor p : parts) {
        int len = p.shape[1] * hw;
        System.arraycopy(p.data, n * len, out, pos, len);
        pos += len;
      }
    }
    return new Tensor(new int[] {first.shape[0], c, first.shape[2], first.shape[3]}, out);
  }

  /** The kernel of {@link Tensor#slice}. */
  static Tensor slice(Tensor x, int from, int to) {
    Tensor.checkRange("sample", from, to, x.shape[0]);
    int per = x.data.length / x.shape[0];
    int[] s = x.shape.clone();
    s[0] = to - from;
    return new Tensor(s, Arrays.copyOfRange(x.data, from * per, to * per));
  }

  /** The kernel of {@link Tensor#concatBatch}. */
  static Tensor concatBatch(Tensor... parts) {
    Tensor.requireNonEmpty(parts);
    int[] s = parts[0].shape.clone();
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      Tensor p = parts[i];
      if (p.shape.length != s.length
          || !Arrays.equals(p.shape, 1, p.shape.length, s, 1, s.length)) {
        throw new IllegalArgumentException(
            "parts["
                + i
                + "] must match all but the first axis of "
                + Arrays.toString(s)
                + ", but has shape: "
                + Arrays.toString(p.shape));
      }
      n += p.shape[0];
    }
    s[0] = n;
    float[] out = new float[Math.toIntExact(Tensor.size(s))];
    int pos = 0;
    for (Tensor p : parts) {
      System.arraycopy(p.data, 0, out, pos, p.data.length);
      pos += p.data.length;
    }
    return new Tensor(s, out);
  }

  /** The kernel of {@link Tensor#resizeBilinear}. */
  static Tensor resizeBilinear(Tensor x, int height, int width) {
    x.requireRank(4, "tensor");
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "height and width must be >= 1, but are: " + height + "x" + width);
    }
    int planes = x.shape[0] * x.shape[1];
    int h = x.shape[2];
    int w = x.shape[3];
    float sy = height > 1 ? (float) (h - 1) / (height - 1) : 0f;
    float sx = width > 1 ? (float) (w - 1) / (width - 1) : 0f;
    int[] x0 = new int[width];
    int[] x1 = new int[width];
    float[] fx = new float[width];
    for (int j = 0; j < width; j++) {
      float src = sx * j;
      x0[j] = Math.min((int) src, w - 1);
      x1[j] = Math.min(x0[j] + 1, w - 1);
      fx[j] = src - x0[j];
    }
    float[] out = new float[planes * height * width];
    for (int p = 0; p < planes; p++) {
      int base = p * h * w;
      int obase = p * height * width;
      for (int i = 0; i < height; i++) {
        float src = sy * i;
        int y0 = Math.min((int) src, h - 1);
        int y1 = Math.min(y0 + 1, h - 1);
        float fy = src - y0;
        int r0 = base + y0 * w;
        int r1 = base + y1 * w;
        int o = obase + i * width;
        for (int j = 0; j < width; j++) {
          float top = x.data[r0 + x0[j]] * (1 - fx[j]) + x.data[r0 + x1[j]] * fx[j];
          float bottom = x.data[r1 + x0[j]] * (1 - fx[j]) + x.data[r1 + x1[j]] * fx[j];
          out[o + j] = top * (1 - fy) + bottom * fy;
        }
      }
    }
    return new Tensor(new int[] {x.shape[0], x.shape[1], height, width}, out);
  }
}
