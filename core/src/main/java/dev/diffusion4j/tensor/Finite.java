package dev.diffusion4j.tensor;

import java.util.Arrays;

/**
 * Finds NaN and infinite values, so that they are refused where they enter the library (an input
 * tensor, a model output) instead of turning into an all-black image at the end of a run.
 *
 * <p>One pass over the data with no allocation: on a model output it costs far less than the model
 * itself. Stateless and thread-safe.
 */
public final class Finite {

  private Finite() {}

  /**
   * Returns the index of the first value that is NaN or infinite.
   *
   * @param data the values. Not modified.
   * @return the index, or -1 when every value is finite
   */
  public static int firstNonFinite(float[] data) {
    for (int i = 0; i < data.length; i++) {
      // v - v is 0 for a finite v and NaN for NaN and both infinities
      float v = data[i];
      if (v - v != 0f) {
        return firstNonFiniteFrom(data, i);
      }
    }
    return -1;
  }

  private static int firstNonFiniteFrom(float[] data, int from) {
    for (int i = from; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Describes where a non-finite value sits and what it is, e.g. {@code "NaN at [0, 2, 5, 7]"}.
   *
   * @param t the tensor. Not modified.
   * @param index a flat index into its data
   * @return the description
   */
  public static String describe(Tensor t, int index) {
    return t.data()[index] + " at " + Arrays.toString(position(t.shape(), index));
  }

  private static int[] position(int[] shape, int index) {
    int[] pos = new int[shape.length];
    int rest = index;
    for (int d = shape.length - 1; d >= 0; d--) {
      pos[d] = shape[d] == 0 ? 0 : rest % shape[d];
      rest = shape[d] == 0 ? 0 : rest / shape[d];
    }
    return pos;
  }

  /**
   * Throws unless every value of an argument is finite.
   *
   * @param t the tensor, or {@code null} (accepted). Not modified.
   * @param name the parameter name for the message
   * @return {@code t}
   * @throws IllegalArgumentException naming the parameter, the value and its position
   */
  public static Tensor requireFinite(Tensor t, String name) {
    if (t != null) {
      int i = firstNonFinite(t.data());
      if (i >= 0) {
        throw new IllegalArgumentException(
            name + " must hold finite values only, but holds " + describe(t, i));
      }
    }
    return t;
  }
}
