package dev.diffusion4j.tensor;

/**
 * The kernels behind {@link Tensor}'s element-wise arithmetic: one pass over the flat arrays, one
 * new array per call; the operands are not modified. Stateless.
 */
final class Elementwise {

  private Elementwise() {}

  /** The kernel of {@link Tensor#add}. */
  static Tensor add(Tensor x, Tensor other) {
    x.requireSameShape(other, "other");
    float[] a = x.data;
    float[] b = other.data;
    float[] out = new float[a.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = a[i] + b[i];
    }
    return new Tensor(x.shape, out);
  }

  /** The kernel of {@link Tensor#sub}. */
  static Tensor sub(Tensor x, Tensor other) {
    x.requireSameShape(other, "other");
    float[] a = x.data;
    float[] b = other.data;
    float[] out = new float[a.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = a[i] - b[i];
    }
    return new Tensor(x.shape, out);
  }

  /** The kernel of {@link Tensor#mul}. */
  static Tensor mul(Tensor x, Tensor other) {
    x.requireSameShape(other, "other");
    float[] a = x.data;
    float[] b = other.data;
    float[] out = new float[a.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = a[i] * b[i];
    }
    return new Tensor(x.shape, out);
  }

  /** The kernel of {@link Tensor#mul}. */
  static Tensor scale(Tensor x, float s) {
    float[] out = new float[x.data.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = x.data[i] * s;
    }
    return new Tensor(x.shape, out);
  }

  /** The kernel of {@link Tensor#add}. */
  static Tensor shift(Tensor x, float s) {
    float[] out = new float[x.data.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = x.data[i] + s;
    }
    return new Tensor(x.shape, out);
  }

  /** The kernel of {@link Tensor#axpby}. */
  static Tensor axpby(Tensor t, float a, Tensor other, float b) {
    t.requireSameShape(other, "other");
    float[] x = t.data;
    float[] y = other.data;
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = a * x[i] + b * y[i];
    }
    return new Tensor(t.shape, out);
  }

  /** The kernel of {@link Tensor#clamp}. */
  static Tensor clamp(Tensor x, float min, float max) {
    if (!(min <= max)) {
      throw new IllegalArgumentException(
          "max must be >= min (" + min + "), but is: " + max + " (or a bound is NaN)");
    }
    float[] out = new float[x.data.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.min(max, Math.max(min, x.data[i]));
    }
    return new Tensor(x.shape, out);
  }

  /** The kernel of {@link Tensor#mean}. */
  static double mean(Tensor x) {
    double s = 0;
    for (float v : x.data) {
      s += v;
    }
    return s / x.data.length;
  }

  /** The kernel of {@link Tensor#maxAbsDiff}. */
  static double maxAbsDiff(Tensor x, Tensor other) {
    x.requireSameShape(other, "other");
    double m = 0;
    for (int i = 0; i < x.data.length; i++) {
      m = Math.max(m, Math.abs((double) x.data[i] - other.data[i]));
    }
    return m;
  }
}
