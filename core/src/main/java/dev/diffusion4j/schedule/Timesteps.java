package dev.diffusion4j.schedule;

import java.util.Arrays;

/**
 * A strictly descending list of timesteps that a denoising loop walks through, from the noisiest to
 * the cleanest. Step {@code i} goes from {@code get(i)} to {@code get(i + 1)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Timesteps {

  /** The write-up's default list for IF: 990, 960, ..., 30, 0 (stride 30, 34 entries). */
  public static final Timesteps IF_DEFAULT = strided(990, 30);

  private final int[] values;

  private Timesteps(int[] values) {
    this.values = values;
  }

  /**
   * Returns an explicit list.
   *
   * @param values timesteps, at least two, strictly descending, none negative
   * @return the list
   * @throws IllegalArgumentException naming the first offending entry
   */
  public static Timesteps of(int... values) {
    if (values == null || values.length < 2) {
      throw new IllegalArgumentException(
          "timesteps must hold at least 2 entries, but are: " + Arrays.toString(values));
    }
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0) {
        throw new IllegalArgumentException(
            "timesteps must be >= 0, but timesteps[" + i + "] is: " + values[i]);
      }
      if (i > 0 && values[i] >= values[i - 1]) {
        throw new IllegalArgumentException(
            "timesteps must be strictly descending, but timesteps["
                + i
                + "] = "
                + values[i]
                + " follows "
                + values[i - 1]);
      }
    }
    return new Timesteps(values.clone());
  }

  /**
   * Returns {@code start, start - stride, ...} down to the last value {@code >= 0}.
   *
   * @param start the first (noisiest) timestep, {@code >= stride}
   * @param stride the gap between entries, at least 1
   * @return the list
   */
  public static Timesteps strided(int start, int stride) {
    if (stride < 1) {
      throw new IllegalArgumentException("stride must be >= 1, but is: " + stride);
    }
    if (start < stride) {
      throw new IllegalArgumentException(
          "start must be >= stride (" + stride + "), but is: " + start);
    }
    int n = start / stride + 1;
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = start - i * stride;
    }
    return new Timesteps(v);
  }

  /**
   * Returns the list diffusers' {@code DDPMScheduler.set_timesteps(count)} makes with its default
   * {@code timestep_spacing = "leading"} (IF's): {@code (count - 1 - i) * (T / count)} for {@code i
   * = 0 .. count - 1}, integer division, ending at 0. With {@code Variant.DIFFUSERS} a run makes
   * one UNet pass per entry, as diffusers' {@code num_inference_steps = count}: {@code
   * leading(1000, 100)} is {@code IFPipeline}'s default list (990, 980, ..., 0), {@code
   * leading(1000, 50)} {@code IFSuperResolutionPipeline}'s (980, 960, ..., 0).
   *
   * @param numTrainTimesteps T, at least 2
   * @param count the number of entries, in {@code [2, T]}
   * @return the list
   */
  public static Timesteps leading(int numTrainTimesteps, int count) {
    if (numTrainTimesteps < 2) {
      throw new IllegalArgumentException(
          "numTrainTimesteps must be >= 2, but is: " + numTrainTimesteps);
    }
    if (count < 2 || count > numTrainTimesteps) {
      throw new IllegalArgumentException(
          "count must be in [2, " + numTrainTimesteps + "], but is: " + count);
    }
    int stepRatio = numTrainTimesteps / count;
    int[] v = new int[count];
    for (int i = 0; i < count; i++) {
      v[i] = (count - 1 - i) * stepRatio;
    }
    return new Timesteps(v);
  }

  /**
   * Returns {@code steps + 1} timesteps from {@code start} down to 0, evenly spaced and rounded to
   * the nearest integer; {@code steps == start} gives every timestep (the full chain).
   *
   * @param start the first (noisiest) timestep, at least 1
   * @param steps the number of denoising steps, in {@code [1, start]}
   * @return the list
   */
  public static Timesteps evenly(int start, int steps) {
    if (start < 1) {
      throw new IllegalArgumentException("start must be >= 1, but is: " + start);
    }
    if (steps < 1 || steps > start) {
      throw new IllegalArgumentException("steps must be in [1, " + start + "], but is: " + steps);
    }
    int[] v = new int[steps + 1];
    for (int i = 0; i <= steps; i++) {
      v[i] = (int) Math.round(start - (double) start * i / steps);
    }
    return new Timesteps(v);
  }

  /**
   * Returns the entries from index {@code from} on (the start of an SDEdit run).
   *
   * @param from an index in {@code [0, size() - 2]}
   * @return the tail of this list
   */
  public Timesteps from(int from) {
    if (from < 0 || from > values.length - 2) {
      throw new IllegalArgumentException(
          "startIndex must be in [0, " + (values.length - 2) + "], but is: " + from);
    }
    return new Timesteps(Arrays.copyOfRange(values, from, values.length));
  }

  /**
   * Returns entry {@code i}.
   *
   * @param i the index
   * @return the timestep
   */
  public int get(int i) {
    return values[i];
  }

  /**
   * Returns the number of entries (one more than the number of steps).
   *
   * @return the length
   */
  public int size() {
    return values.length;
  }

  /**
   * Returns the number of denoising steps, {@code size() - 1}.
   *
   * @return the step count
   */
  public int steps() {
    return values.length - 1;
  }

  /**
   * Returns a copy of the entries.
   *
   * @return the timesteps
   */
  public int[] toArray() {
    return values.clone();
  }

  /**
   * Throws unless every entry is a timestep of {@code schedule}.
   *
   * @param schedule the schedule the list will be used with
   * @return this list
   */
  public Timesteps checkAgainst(NoiseSchedule schedule) {
    if (values[0] > schedule.maxTimestep()) {
      throw new IllegalArgumentException(
          "timesteps must lie in [0, "
              + schedule.maxTimestep()
              + "] for "
              + schedule
              + ", but the first is: "
              + values[0]);
    }
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Timesteps t && Arrays.equals(values, t.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return values.length <= 8
        ? "Timesteps" + Arrays.toString(values)
        : "Timesteps["
            + values[0]
            + ", "
            + values[1]
            + ", ..., "
            + values[values.length - 1]
            + "] ("
            + values.length
            + " entries)";
  }
}
