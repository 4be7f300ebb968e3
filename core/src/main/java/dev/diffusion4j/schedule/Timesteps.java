package dev.diffusion4j.schedule;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A strictly descending list of timesteps that a denoising loop walks through, from the noisiest to
 * the cleanest. Step {@code i} goes from {@code get(i)} to {@code get(i + 1)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class Timesteps {

  /** The write-up's default list for IF: 990, 960, ..., 30, 0 (stride 30, 34 entries). */
  public static final Timesteps IF_DEFAULT = strided(990, 30);

  /**
   * diffusers' DeepFloyd IF preset {@code fast27_timesteps} (27 entries, 999 to 0), for {@code
   * IFPipeline(timesteps=...)}.
   */
  public static final Timesteps FAST27 =
      of(
          999, 800, 799, 600, 599, 500, 400, 399, 377, 355, 333, 311, 288, 266, 244, 222, 200, 199,
          177, 155, 133, 111, 88, 66, 44, 22, 0);

  /**
   * diffusers' DeepFloyd IF preset {@code smart27_timesteps} (27 entries, 999 to 0), for {@code
   * IFPipeline(timesteps=...)}.
   */
  public static final Timesteps SMART27 =
      of(
          999, 976, 952, 928, 905, 882, 858, 857, 810, 762, 715, 714, 572, 429, 428, 286, 285, 238,
          190, 143, 142, 118, 95, 71, 47, 24, 0);

  /**
   * diffusers' DeepFloyd IF preset {@code smart50_timesteps} (50 entries, 999 to 0), for {@code
   * IFPipeline(timesteps=...)}.
   */
  public static final Timesteps SMART50 =
      of(
          999, 988, 977, 966, 955, 944, 933, 922, 911, 900, 899, 879, 859, 840, 820, 800, 799, 766,
          733, 700, 699, 650, 600, 599, 500, 499, 400, 399, 350, 300, 299, 266, 233, 200, 199, 179,
          159, 140, 120, 100, 99, 88, 77, 66, 55, 44, 33, 22, 11, 0);

  /**
   * diffusers' DeepFloyd IF preset {@code smart100_timesteps} (100 entries, 999 to 0), for {@code
   * IFPipeline(timesteps=...)}.
   */
  public static final Timesteps SMART100 =
      of(
          999, 995, 992, 989, 985, 981, 978, 975, 971, 967, 964, 961, 957, 956, 951, 947, 942, 937,
          933, 928, 923, 919, 914, 913, 908, 903, 897, 892, 887, 881, 876, 871, 870, 864, 858, 852,
          846, 840, 834, 828, 827, 820, 813, 806, 799, 792, 785, 784, 777, 770, 763, 756, 749, 742,
          741, 733, 724, 716, 707, 699, 698, 688, 677, 666, 656, 655, 645, 634, 623, 613, 612, 598,
          584, 570, 569, 555, 541, 527, 526, 505, 484, 483, 462, 440, 439, 396, 395, 352, 351, 308,
          307, 264, 263, 220, 219, 176, 132, 88, 44, 0);

  /**
   * diffusers' DeepFloyd IF preset {@code smart185_timesteps} (185 entries, 999 to 0), for {@code
   * IFPipeline(timesteps=...)}.
   */
  public static final Timesteps SMART185 =
      of(
          999, 997, 995, 992, 990, 988, 986, 984, 981, 979, 977, 975, 972, 970, 968, 966, 964, 961,
          959, 957, 956, 954, 951, 949, 946, 944, 941, 939, 936, 934, 931, 929, 926, 924, 921, 919,
          916, 914, 913, 910, 907, 905, 902, 899, 896, 893, 891, 888, 885, 882, 879, 877, 874, 871,
          870, 867, 864, 861, 858, 855, 852, 849, 846, 843, 840, 837, 834, 831, 828, 827, 824, 821,
          817, 814, 811, 808, 804, 801, 798, 795, 791, 788, 785, 784, 780, 777, 774, 770, 766, 763,
          760, 756, 752, 749, 746, 742, 741, 737, 733, 730, 726, 722, 718, 714, 710, 707, 703, 699,
          698, 694, 690, 685, 681, 677, 673, 669, 664, 660, 656, 655, 650, 646, 641, 636, 632, 627,
          622, 618, 613, 612, 607, 602, 596, 591, 586, 580, 575, 570, 569, 563, 557, 551, 545, 539,
          533, 527, 526, 519, 512, 505, 498, 491, 484, 483, 474, 466, 457, 449, 440, 439, 428, 418,
          407, 396, 395, 381, 366, 352, 351, 330, 308, 307, 286, 264, 263, 242, 220, 219, 176, 175,
          132, 131, 88, 44, 0);

  /**
   * diffusers' DeepFloyd IF preset {@code super27_timesteps} (27 entries, 999 to 0), for {@code
   * IFPipeline(timesteps=...)}.
   */
  public static final Timesteps SUPER27 =
      of(
          999, 991, 982, 974, 966, 958, 950, 941, 933, 925, 916, 908, 900, 899, 874, 850, 825, 800,
          799, 700, 600, 500, 400, 300, 200, 100, 0);

  /**
   * diffusers' DeepFloyd IF preset {@code super40_timesteps} (40 entries, 999 to 0), for {@code
   * IFPipeline(timesteps=...)}.
   */
  public static final Timesteps SUPER40 =
      of(
          999, 992, 985, 978, 971, 964, 957, 949, 942, 935, 928, 921, 914, 907, 900, 899, 879, 859,
          840, 820, 800, 799, 766, 733, 700, 699, 650, 600, 599, 500, 499, 400, 399, 300, 299, 200,
          199, 100, 99, 0);

  /**
   * diffusers' DeepFloyd IF preset {@code super100_timesteps} (100 entries, 999 to 0), for {@code
   * IFPipeline(timesteps=...)}.
   */
  public static final Timesteps SUPER100 =
      of(
          999, 996, 992, 989, 985, 982, 979, 975, 972, 968, 965, 961, 958, 955, 951, 948, 944, 941,
          938, 934, 931, 927, 924, 920, 917, 914, 910, 907, 903, 900, 899, 891, 884, 876, 869, 861,
          853, 846, 838, 830, 823, 815, 808, 800, 799, 788, 777, 766, 755, 744, 733, 722, 711, 700,
          699, 688, 677, 666, 655, 644, 633, 622, 611, 600, 599, 585, 571, 557, 542, 528, 514, 500,
          499, 485, 471, 457, 442, 428, 414, 400, 399, 379, 359, 340, 320, 300, 299, 279, 259, 240,
          220, 200, 199, 166, 133, 100, 99, 66, 33, 0);

  /**
   * diffusers' IF presets by name ({@code fast27}, {@code smart27}, ...), in the order of
   * diffusers' {@code timesteps.py}; the names the CLI and {@link #preset(String)} take.
   */
  private static final Map<String, Timesteps> PRESETS;

  static {
    Map<String, Timesteps> m = new LinkedHashMap<>();
    m.put("fast27", FAST27);
    m.put("smart27", SMART27);
    m.put("smart50", SMART50);
    m.put("smart100", SMART100);
    m.put("smart185", SMART185);
    m.put("super27", SUPER27);
    m.put("super40", SUPER40);
    m.put("super100", SUPER100);
    PRESETS = Collections.unmodifiableMap(m);
  }

  private final int[] values;

  private Timesteps(int[] values) {
    this.values = values;
  }

  /**
   * Returns one of diffusers' DeepFloyd IF presets by its name in diffusers' {@code timesteps.py}
   * without the {@code _timesteps} suffix: {@code "fast27"} is {@link #FAST27}. With {@code
   * Variant.DIFFUSERS} a run makes one UNet pass per entry, as {@code IFPipeline(timesteps=...)}
   * does (27 passes for {@code fast27}).
   *
   * @param name a name of {@link #presetNames()}
   * @return the list
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Timesteps preset(String name) {
    Timesteps t = name == null ? null : PRESETS.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "unknown timesteps preset '" + name + "'; expected one of " + PRESETS.keySet());
    }
    return t;
  }

  /**
   * Returns the names {@link #preset(String)} takes, in diffusers' order.
   *
   * @return {@code fast27, smart27, smart50, smart100, smart185, super27, super40, super100}
   */
  public static Set<String> presetNames() {
    return PRESETS.keySet();
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
