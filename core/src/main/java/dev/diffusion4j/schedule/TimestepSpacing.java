package dev.diffusion4j.schedule;

import java.util.Arrays;
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
   * The timesteps of this spacing in diffusers' own indexing, descending, as the schedulers' {@code
   * set_timesteps} compute them (numpy's float64 arithmetic and round-half-to-even): {@code
   * linspace} rounds {@code linspace(0, L - 1, count)}; {@code leading} takes {@code i * (L /
   * count) + stepsOffset}; {@code trailing} rounds {@code arange(L, 0, -T / count) - 1}. DDIM calls
   * it with {@code count = n}; DPM-Solver++ with {@code n + 1} and drops the last entry (linspace,
   * leading) or with {@code n} (trailing), as upstream does; DDPM's {@code leading} list on IF is
   * the same formula.
   *
   * @param lastTimestep {@code L}: {@code T}, or fewer where a scheduler clips the list
   * @param numTrainTimesteps {@code T}
   * @param count the number of entries (trailing: the divisor of {@code T})
   * @param stepsOffset diffusers' {@code steps_offset}, added to the leading entries
   * @return the timesteps, noisiest first; not checked against the schedule ({@link #checkInRange})
   */
  int[] timesteps(int lastTimestep, int numTrainTimesteps, int count, int stepsOffset) {
    int[] timesteps;
    switch (this) {
      case LINSPACE -> {
        // np.linspace(0, L - 1, count).round()[::-1]
        double[] y = linspace(0, lastTimestep - 1, count);
        timesteps = new int[count];
        for (int i = 0; i < count; i++) {
          timesteps[i] = (int) Math.rint(y[count - 1 - i]);
        }
      }
      case LEADING -> {
        // (np.arange(0, count) * (L // count)).round()[::-1] + steps_offset
        int stepRatio = lastTimestep / count;
        timesteps = new int[count];
        for (int i = 0; i < count; i++) {
          timesteps[i] = (count - 1 - i) * stepRatio + stepsOffset;
        }
      }
      case TRAILING -> {
        // np.round(np.arange(L, 0, -T / count)) - 1
        double[] y = arangeDown(lastTimestep, 0, -((double) numTrainTimesteps / count));
        timesteps = trailingWithoutOvershoot(y, count);
      }
      default -> throw new IllegalStateException("unknown spacing: " + this);
    }
    return timesteps;
  }

  /**
   * Refuses a list that holds a timestep outside {@code [0, T - 1]} (diffusers' indexing), as
   * numpy's {@code arange} can yield for a trailing step that does not divide {@code T}, which
   * diffusers would read as its noisiest timestep.
   *
   * @throws IllegalArgumentException naming the step count, the spacing and the list
   */
  void checkInRange(int[] timesteps, int numInferenceSteps, int numTrainTimesteps) {
    for (int t : timesteps) {
      if (t < 0 || t >= numTrainTimesteps) {
        throw new IllegalArgumentException(
            "numInferenceSteps "
                + numInferenceSteps
                + " with "
                + this
                + " spacing gives diffusers the timesteps "
                + Arrays.toString(timesteps)
                + " (its own indexing), one outside [0, "
                + (numTrainTimesteps - 1)
                + "]; choose another step count or spacing");
      }
    }
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
