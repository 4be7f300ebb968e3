package dev.diffusion4j.guidance;

import dev.diffusion4j.tensor.Tensor;

/**
 * Classifier-free guidance (Ho and Salimans 2022): {@code eps = eps_u + g * (eps_c - eps_u)}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Guidance {

  /**
   * The largest guidance scale accepted: {@value}. Published settings stay below 20; a scale far
   * above this one only amplifies {@code eps_c - eps_u} until float32 overflows and the image turns
   * black.
   */
  public static final double MAX_SCALE = 1000.0;

  private Guidance() {}

  /**
   * Combines a conditional and an unconditional noise estimate.
   *
   * @param conditional {@code eps_c}. Not modified.
   * @param unconditional {@code eps_u}, the same shape. Not modified.
   * @param scale the guidance scale {@code g}, {@code >= 0}; 1 gives the conditional estimate, 0
   *     the unconditional one
   * @return {@code eps_u + g * (eps_c - eps_u)}
   */
  public static Tensor classifierFree(Tensor conditional, Tensor unconditional, double scale) {
    checkScale(scale);
    conditional.requireSameShape(unconditional, "unconditional");
    float g = (float) scale;
    float[] c = conditional.data();
    float[] u = unconditional.data();
    float[] out = new float[c.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = u[i] + g * (c[i] - u[i]);
    }
    return Tensor.wrap(out, conditional.shape());
  }

  /**
   * Throws unless {@code scale} is a valid guidance scale.
   *
   * @param scale the guidance scale
   * @return {@code scale}
   * @throws IllegalArgumentException unless {@code 0 <= scale <= }{@link #MAX_SCALE}
   */
  public static double checkScale(double scale) {
    if (!(scale >= 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("guidance must be >= 0 and finite, but is: " + scale);
    }
    if (scale > MAX_SCALE) {
      throw new IllegalArgumentException(
          "guidance must be <= " + MAX_SCALE + " (Guidance.MAX_SCALE), but is: " + scale);
    }
    return scale;
  }
}
