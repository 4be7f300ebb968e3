package dev.diffusion4j.schedule;

import java.util.Locale;

/**
 * How a scheduler spreads its inference timesteps over the training timesteps: diffusers' {@code
 * timestep_spacing}, the three rows of Table 2 of Lin et al. (2023), "Common Diffusion Noise
 * Schedules and Sample Steps are Flawed". Each scheduler applies them with its own formulas (see
 * {@link DDIMScheduler} and {@link DPMSolverMultistepScheduler}).
 */
public enum TimestepSpacing {
  /** {@code linspace}: evenly from the last training timestep down to 0, rounded. */
  LINSPACE,
  /** {@code leading}: multiples of {@code T / n} counted up from 0, plus {@code steps_offset}. */
  LEADING,
  /** {@code trailing}: multiples of {@code T / n} counted down from T, minus one. */
  TRAILING;

  /**
   * Returns the spacing of a diffusers {@code timestep_spacing} string.
   *
   * @param name {@code linspace}, {@code leading} or {@code trailing}
   * @return the spacing
   * @throws IllegalArgumentException for another name, listing the valid ones
   */
  public static TimestepSpacing fromDiffusers(String name) {
    for (TimestepSpacing s : values()) {
      if (s.name().toLowerCase(Locale.ROOT).equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown timestep_spacing '"
            + dev.diffusion4j.Messages.quote(name)
            + "'; supported: [linspace, leading, trailing]");
  }

  /**
   * numpy's {@code np.linspace(start, stop, num)} in double: {@code i * ((stop - start) / (num -
   * 1)) + start}, the last value exactly {@code stop}.
   */
  static double[] linspace(double start, double stop, int num) {
    double[] y = new double[num];
    double step = num > 1 ? (stop - start) / (num - 1) : 0;
    for (int i = 0; i < num; i++) {
      y[i] = i * step + start;
    }
    if (num > 1) {
      y[num - 1] = stop;
    }
    return y;
  }

  /**
   * numpy's {@code np.arange(start, stop, step)} in double for a negative {@code step}: {@code
   * ceil((stop - start) / step)} values {@code start + i * delta}, {@code delta = (start + step) -
   * start}, as numpy fills them.
   */
  static double[] arangeDown(double start, double stop, double step) {
    int len = (int) Math.max(0, Math.ceil((stop - start) / step));
    double delta = (start + step) - start;
    double[] y = new double[len];
    for (int i = 0; i < len; i++) {
      y[i] = start + i * delta;
    }
    return y;
  }

  /**
   * Diffusers' trailing list {@code round(arange(L, 0, -T / n)) - 1}, without the extra last entry
   * of -1 that numpy's float step yields for some {@code n} (one entry too many, e.g. 8 for {@code
   * n = 7} of 300), so that the list has the {@code n} entries asked for.
   *
   * @param y the values of {@code arange}
   * @param n the step count asked for
   * @return the timesteps in diffusers' indexing
   */
  static int[] trailingWithoutOvershoot(double[] y, int n) {
    int length = y.length;
    if (length == n + 1 && (int) Math.rint(y[length - 1]) - 1 < 0) {
      length = n;
    }
    int[] timesteps = new int[length];
    for (int i = 0; i < length; i++) {
      timesteps[i] = (int) Math.rint(y[i]) - 1;
    }
    return timesteps;
  }
}
