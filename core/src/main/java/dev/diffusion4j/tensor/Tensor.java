package dev.diffusion4j.tensor;

import java.util.Arrays;

/**
 * An immutable float tensor: a flat row-major {@code float[]} and a shape, usually NCHW.
 *
 * <p>Every operation returns a new tensor and leaves its operands unmodified. {@link #data()} hands
 * out the backing array without copying, for kernels that read it in a tight loop; callers must
 * treat it as read-only. Instances are safe to share between threads.
 */
public final class Tensor {

  final int[] shape;
  final float[] data;

  Tensor(int[] shape, float[] data) {
    this.shape = shape;
    this.data = data;
  }

  /**
   * Returns a tensor that copies {@code data}.
   *
   * @param data row-major values. Not modified.
   * @param shape the dimensions; their product must equal {@code data.length}
   * @return the new tensor
   * @throws IllegalArgumentException if a dimension is not positive or the sizes disagree
   */
  public static Tensor of(float[] data, int... shape) {
    return wrap(data.clone(), shape);
  }

  /**
   * Returns a tensor that takes ownership of {@code data} without copying it; the caller must not
   * modify the array afterwards.
   *
   * @param data row-major values
   * @param shape the dimensions; their product must equal {@code data.length}
   * @return the new tensor
   * @throws IllegalArgumentException if a dimension is not positive or the sizes disagree
   */
  public static Tensor wrap(float[] data, int... shape) {
    int[] s = checkShape(shape);
    long n = size(s);
    if (n != data.length) {
      throw new IllegalArgumentException(
          "data length must equal the product of shape "
              + Arrays.toString(s)
              + " ("
              + n
              + "), but is: "
              + data.length);
    }
    return new Tensor(s, data);
  }

  /**
   * Returns a tensor of zeros.
   *
   * @param shape the dimensions, each positive
   * @return the new tensor
   */
  public static Tensor zeros(int... shape) {
    return full(0f, shape);
  }

  /**
   * Returns a tensor with every element equal to {@code value}.
   *
   * @param value the fill value
   * @param shape the dimensions, each positive
   * @return the new tensor
   */
  public static Tensor full(float value, int... shape) {
    int[] s = checkShape(shape);
    float[] d = new float[Math.toIntExact(size(s))];
    Arrays.fill(d, value);
    return new Tensor(s, d);
  }

  private static int[] checkShape(int[] shape) {
    if (shape == null || shape.length == 0) {
      throw new IllegalArgumentException("shape must have at least one dimension, but is: []");
    }
    for (int d : shape) {
      if (d <= 0) {
        throw new IllegalArgumentException(
            "shape dimensions must be > 0, but shape is: " + Arrays.toString(shape));
      }
    }
    return shape.clone();
  }

  static long size(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /**
   * Returns the dimensions.
   *
   * @return a copy of the shape
   */
  public int[] shape() {
    return shape.clone();
  }

  /**
   * Returns one dimension.
   *
   * @param axis the axis, negative values count from the end
   * @return the size along {@code axis}
   */
  public int dim(int axis) {
    int a = axis < 0 ? shape.length + axis : axis;
    if (a < 0 || a >= shape.length) {
      throw new IllegalArgumentException(
          "axis must be in [-" + shape.length + ", " + shape.length + "), but is: " + axis);
    }
    return shape[a];
  }

  /**
   * Returns the number of dimensions.
   *
   * @return the rank
   */
  public int rank() {
    return shape.length;
  }

  /**
   * Returns the number of elements.
   *
   * @return the element count
   */
  public int size() {
    return data.length;
  }

  /**
   * Returns the backing array without copying it. Read-only: modifying it breaks the immutability
   * every other user of this tensor relies on.
   *
   * @return the row-major values
   */
  public float[] data() {
    return data;
  }

  /**
   * Returns one element by flat row-major index.
   *
   * @param index the flat index
   * @return the value
   */
  public float get(int index) {
    return data[index];
  }

  /**
   * Returns one element of a rank-4 tensor.
   *
   * @param n batch index
   * @param c channel index
   * @param h row
   * @param w column
   * @return the value
   */
  public float get(int n, int c, int h, int w) {
    requireRank(4, "tensor");
    return data[((n * shape[1] + c) * shape[2] + h) * shape[3] + w];
  }

  /**
   * Returns a tensor with the same data and another shape of the same size.
   *
   * @param newShape the new dimensions
   * @return the reshaped tensor (shares nothing mutable: the data is immutable)
   */
  public Tensor reshape(int... newShape) {
    return wrap(data, newShape);
  }

  // ---------------------------------------------------------------- element-wise arithmetic

  /**
   * Returns {@code this + other}, element-wise.
   *
   * @param other a tensor of the same shape
   * @return the sum
   */
  public Tensor add(Tensor other) {
    return Elementwise.add(this, other);
  }

  /**
   * Returns {@code this - other}, element-wise.
   *
   * @param other a tensor of the same shape
   * @return the difference
   */
  public Tensor sub(Tensor other) {
    return Elementwise.sub(this, other);
  }

  /**
   * Returns {@code this * other}, element-wise.
   *
   * @param other a tensor of the same shape
   * @return the product
   */
  public Tensor mul(Tensor other) {
    return Elementwise.mul(this, other);
  }

  /**
   * Returns {@code this * s}.
   *
   * @param s the scale
   * @return the scaled tensor
   */
  public Tensor mul(float s) {
    return Elementwise.scale(this, s);
  }

  /**
   * Returns {@code this + s}.
   *
   * @param s the offset
   * @return the shifted tensor
   */
  public Tensor add(float s) {
    return Elementwise.shift(this, s);
  }

  /**
   * Returns {@code a * this + b * other}, computed in one pass (the shape of every DDPM update).
   *
   * @param a the weight of this tensor
   * @param other a tensor of the same shape
   * @param b the weight of {@code other}
   * @return the weighted sum
   */
  public Tensor axpby(float a, Tensor other, float b) {
    return Elementwise.axpby(this, a, other, b);
  }

  /**
   * Returns this tensor with every value clamped to {@code [min, max]}.
   *
   * @param min the lower bound
   * @param max the upper bound, {@code >= min}
   * @return the clamped tensor
   */
  public Tensor clamp(float min, float max) {
    return Elementwise.clamp(this, min, max);
  }

  /**
   * Returns the mean of all elements, accumulated in double.
   *
   * @return the mean
   */
  public double mean() {
    return Elementwise.mean(this);
  }

  /**
   * Returns the largest absolute element-wise difference to {@code other}.
   *
   * @param other a tensor of the same shape
   * @return {@code max |this - other|}
   */
  public double maxAbsDiff(Tensor other) {
    return Elementwise.maxAbsDiff(this, other);
  }

  // ---------------------------------------------------------------- geometry (rank 4, NCHW)

  /**
   * Flips every image upside down (reverses the H axis), as {@code torch.flip(x, [-2])}.
   *
   * @return the flipped tensor
   * @throws IllegalArgumentException if the tensor is not rank 4
   */
  public Tensor flipVertical() {
    return Geometry.flipVertical(this);
  }

  /**
   * Rotates every image by {@code quarterTurns * 90} degrees counter-clockwise, as {@code
   * torch.rot90(x, k, dims=[-2, -1])}.
   *
   * @param quarterTurns the number of quarter turns; any integer, taken modulo 4 (negative turns go
   *     clockwise)
   * @return the rotated tensor; H and W swap for odd turns
   * @throws IllegalArgumentException if the tensor is not rank 4
   */
  public Tensor rot90(int quarterTurns) {
    return Geometry.rot90(this, quarterTurns);
  }

  /**
   * Negates channels {@code [from, to)} of every image, leaving the others as they are.
   *
   * @param from first channel, inclusive
   * @param to last channel, exclusive
   * @return the tensor with those channels negated
   */
  public Tensor negateChannels(int from, int to) {
    return Geometry.negateChannels(this, from, to);
  }

  /**
   * Returns channels {@code [from, to)} of every image.
   *
   * @param from first channel, inclusive
   * @param to last channel, exclusive
   * @return a tensor of shape {@code [N, to - from, H, W]}
   */
  public Tensor channels(int from, int to) {
    return Geometry.channels(this, from, to);
  }

  /**
   * Concatenates tensors along the channel axis.
   *
   * @param parts rank-4 tensors with equal N, H and W
   * @return a tensor of shape {@code [N, sum(C), H, W]}
   */
  public static Tensor concatChannels(Tensor... parts) {
    return Geometry.concatChannels(parts);
  }

  /**
   * Returns samples {@code [from, to)} along the first (batch) axis.
   *
   * @param from first sample, inclusive
   * @param to last sample, exclusive
   * @return a tensor with {@code to - from} samples
   */
  public Tensor slice(int from, int to) {
    return Geometry.slice(this, from, to);
  }

  /**
   * Concatenates tensors along the first (batch) axis.
   *
   * @param parts tensors whose shapes agree on every axis but the first
   * @return the stacked batch
   */
  public static Tensor concatBatch(Tensor... parts) {
    return Geometry.concatBatch(parts);
  }

  /**
   * Repeats the whole batch {@code times} times along the first axis ({@code [a, b] -> [a, b, a,
   * b]}).
   *
   * @param times how many copies, at least 1
   * @return the repeated batch
   */
  public Tensor repeatBatch(int times) {
    if (times < 1) {
      throw new IllegalArgumentException("times must be >= 1, but is: " + times);
    }
    Tensor[] copies = new Tensor[times];
    Arrays.fill(copies, this);
    return concatBatch(copies);
  }

  /**
   * Resizes every image with bilinear interpolation and {@code align_corners = true}, as {@code
   * torch.nn.functional.interpolate(x, size, mode="bilinear", align_corners=True)}.
   *
   * @param height output height, at least 1
   * @param width output width, at least 1
   * @return the resized tensor
   */
  public Tensor resizeBilinear(int height, int width) {
    return Geometry.resizeBilinear(this, height, width);
  }

  // ---------------------------------------------------------------- checks

  /**
   * Throws unless this tensor has the given rank.
   *
   * @param rank the expected rank
   * @param name the parameter name for the message
   * @return this tensor
   */
  public Tensor requireRank(int rank, String name) {
    if (shape.length != rank) {
      throw new IllegalArgumentException(
          name + " must have rank " + rank + ", but has shape: " + Arrays.toString(shape));
    }
    return this;
  }

  /**
   * Throws unless {@code other} has this tensor's shape.
   *
   * @param other the tensor to compare
   * @param name the parameter name of {@code other} for the message
   * @return this tensor
   */
  public Tensor requireSameShape(Tensor other, String name) {
    if (other == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    if (!Arrays.equals(shape, other.shape)) {
      throw new IllegalArgumentException(
          name
              + " must have shape "
              + Arrays.toString(shape)
              + ", but has shape: "
              + Arrays.toString(other.shape));
    }
    return this;
  }

  static void checkRange(String what, int from, int to, int size) {
    if (from < 0 || to > size || from >= to) {
      throw new IllegalArgumentException(
          what
              + " range must satisfy 0 <= from < to <= "
              + size
              + ", but is: ["
              + from
              + ", "
              + to
              + ")");
    }
  }

  static void requireNonEmpty(Tensor[] parts) {
    if (parts == null || parts.length == 0) {
      throw new IllegalArgumentException("parts must hold at least one tensor, but is empty");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
