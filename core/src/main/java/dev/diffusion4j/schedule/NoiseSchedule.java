package dev.diffusion4j.schedule;

/**
 * The betas of a diffusion process and the quantities derived from them, indexed by timestep.
 *
 * <p>Two schedules are provided:
 *
 * <ul>
 *   <li>{@link #cosine(int)}: the {@code squaredcos_cap_v2} schedule of Nichol and Dhariwal (2021)
 *       that DeepFloyd IF uses, timesteps {@code 0..T-1}, {@code alphasCumprod[t] = prod(alpha_0 ..
 *       alpha_t)}.
 *   <li>{@link #linear(int, double, double)}: {@code linspace(betaStart, betaEnd, T)} as in Ho et
 *       al. (2020), with the part B convention of timesteps {@code 0..T}: {@code t = 0} is the
 *       clean image ({@code alphasCumprod[0] = 1}) and {@code beta_t = linspace[t - 1]} for {@code
 *       t >= 1}.
 * </ul>
 *
 * <p>Betas are computed in double and stored as float32; {@code alpha = 1 - beta} in float32; the
 * cumulative product uses a double accumulator and stores each value as float32, which is what
 * {@code torch.cumprod} does on the CPU. Instances are immutable and thread-safe.
 */
public final class NoiseSchedule {

  /** Which family of betas a schedule holds. */
  public enum Kind {
    /** {@code squaredcos_cap_v2}, timesteps {@code 0..T-1}. */
    COSINE,
    /** {@code linspace(betaStart, betaEnd, T)}, timesteps {@code 0..T} with a clean step 0. */
    LINEAR
  }

  private final Kind kind;
  private final int numTrainTimesteps;
  private final float[] betas;
  private final float[] alphas;
  private final float[] alphasCumprod;

  private NoiseSchedule(Kind kind, int numTrainTimesteps, float[] betas) {
    this.kind = kind;
    this.numTrainTimesteps = numTrainTimesteps;
    this.betas = betas;
    this.alphas = new float[betas.length];
    this.alphasCumprod = new float[betas.length];
    double acc = 1.0;
    for (int i = 0; i < betas.length; i++) {
      alphas[i] = 1f - betas[i];
      acc *= alphas[i];
      alphasCumprod[i] = (float) acc;
    }
  }

  /**
   * The cosine ({@code squaredcos_cap_v2}) schedule: {@code f(s) = cos^2(((s + 0.008) / 1.008) * pi
   * / 2)}, {@code beta_i = min(1 - f((i + 1) / T) / f(i / T), 0.999)}.
   *
   * @param numTrainTimesteps T, at least 2 (IF uses 1000)
   * @return the schedule, timesteps {@code 0..T-1}
   */
  public static NoiseSchedule cosine(int numTrainTimesteps) {
    checkT(numTrainTimesteps);
    float[] betas = new float[numTrainTimesteps];
    for (int i = 0; i < numTrainTimesteps; i++) {
      double t1 = (double) i / numTrainTimesteps;
      double t2 = (double) (i + 1) / numTrainTimesteps;
      betas[i] = (float) Math.min(1.0 - alphaBarCosine(t2) / alphaBarCosine(t1), 0.999);
    }
    return new NoiseSchedule(Kind.COSINE, numTrainTimesteps, betas);
  }

  private static double alphaBarCosine(double s) {
    double c = Math.cos((s + 0.008) / 1.008 * Math.PI / 2);
    return c * c;
  }

  /**
   * The linear schedule of part B: {@code betas = linspace(betaStart, betaEnd, T)} in float32 (as
   * {@code torch.linspace}), indexed {@code 1..T}, with a clean timestep 0.
   *
   * @param numTrainTimesteps T, at least 2 (part B uses 300)
   * @param betaStart the first beta, in (0, 1)
   * @param betaEnd the last beta, in [betaStart, 1)
   * @return the schedule, timesteps {@code 0..T}
   */
  public static NoiseSchedule linear(int numTrainTimesteps, double betaStart, double betaEnd) {
    checkT(numTrainTimesteps);
    if (!(betaStart > 0 && betaStart < 1)) {
      throw new IllegalArgumentException("betaStart must be in (0, 1), but is: " + betaStart);
    }
    if (!(betaEnd >= betaStart && betaEnd < 1)) {
      throw new IllegalArgumentException(
          "betaEnd must be in [betaStart, 1) = [" + betaStart + ", 1), but is: " + betaEnd);
    }
    float start = (float) betaStart;
    float end = (float) betaEnd;
    float step = (end - start) / (numTrainTimesteps - 1);
    int halfway = numTrainTimesteps / 2;
    float[] betas = new float[numTrainTimesteps + 1];
    betas[0] = 0f;
    for (int i = 0; i < numTrainTimesteps; i++) {
      betas[i + 1] = i < halfway ? start + step * i : end - step * (numTrainTimesteps - i - 1);
    }
    return new NoiseSchedule(Kind.LINEAR, numTrainTimesteps, betas);
  }

  /**
   * Part B's schedule: {@code linear(300, 1e-4, 0.02)}.
   *
   * @return the schedule, timesteps {@code 0..300}
   */
  public static NoiseSchedule mnist() {
    return linear(300, 1e-4, 0.02);
  }

  /**
   * A linear-kind schedule (a clean timestep 0) over given betas {@code 1..T}: diffusers' own
   * float32 values, with which the parity tests replay upstream's runs (torch's {@code linspace}
   * differs from {@link #linear}'s in the last place of some betas).
   *
   * @param betas the betas of timesteps {@code 1..T}. Not modified.
   * @return the schedule
   */
  static NoiseSchedule linearOf(float[] betas) {
    checkT(betas.length);
    float[] all = new float[betas.length + 1];
    System.arraycopy(betas, 0, all, 1, betas.length);
    return new NoiseSchedule(Kind.LINEAR, betas.length, all);
  }

  private static void checkT(int t) {
    if (t < 2) {
      throw new IllegalArgumentException("numTrainTimesteps must be >= 2, but is: " + t);
    }
  }

  /**
   * Returns the family of this schedule.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }

  /**
   * Returns T, the number of training timesteps.
   *
   * @return T
   */
  public int numTrainTimesteps() {
    return numTrainTimesteps;
  }

  /**
   * Returns the largest valid timestep: {@code T - 1} for the cosine schedule, {@code T} for the
   * linear one.
   *
   * @return the largest timestep
   */
  public int maxTimestep() {
    return betas.length - 1;
  }

  /**
   * Returns {@code alphas_cumprod[t]}, the signal fraction {@code abar_t}.
   *
   * @param t a timestep in {@code [0, maxTimestep()]}
   * @return {@code abar_t}
   */
  public float alphaCumprod(int t) {
    checkTimestep("t", t);
    return alphasCumprod[t];
  }

  /**
   * Returns {@code beta_t}.
   *
   * @param t a timestep in {@code [0, maxTimestep()]}
   * @return {@code beta_t}
   */
  public float beta(int t) {
    checkTimestep("t", t);
    return betas[t];
  }

  /**
   * Returns a copy of the betas, indexed by timestep.
   *
   * @return the betas
   */
  public float[] betas() {
    return betas.clone();
  }

  /**
   * Returns a copy of the alphas ({@code 1 - beta}), indexed by timestep.
   *
   * @return the alphas
   */
  public float[] alphas() {
    return alphas.clone();
  }

  /**
   * Returns a copy of the cumulative products of the alphas, indexed by timestep.
   *
   * @return {@code alphas_cumprod}
   */
  public float[] alphasCumprod() {
    return alphasCumprod.clone();
  }

  /**
   * Throws unless {@code t} is a valid timestep of this schedule.
   *
   * @param name the parameter name for the message
   * @param t the timestep
   */
  public void checkTimestep(String name, int t) {
    if (t < 0 || t > maxTimestep()) {
      throw new IllegalArgumentException(
          name + " must be in [0, " + maxTimestep() + "], but is: " + t);
    }
  }

  @Override
  public String toString() {
    return "NoiseSchedule[" + kind + ", T=" + numTrainTimesteps + "]";
  }
}
