package dev.diffusion4j.schedule;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The linear multistep sampler of Karras et al. (2022), "Elucidating the Design Space of
 * Diffusion-Based Generative Models" (after k-diffusion's {@code sample_lms}), as diffusers' {@code
 * LMSDiscreteScheduler} (v0.27.2, {@code schedulers/scheduling_lms_discrete.py}) computes it with
 * {@code prediction_type="epsilon"}. It integrates the probability-flow ODE {@code dx/dsigma = (x -
 * x0_hat) / sigma} on the sigma-scaled sample {@code x = x0 + sigma * noise} with an
 * Adams-Bashforth rule: the last {@code order} derivatives, each weighted by the integral of its
 * Lagrange basis polynomial in sigma over the step. Deterministic: no step draws noise.
 *
 * <p>Settings, with diffusers' names and defaults (those of the builder):
 *
 * <ul>
 *   <li>{@code order} (4), the step argument of upstream's {@code step}: 1 to 4 derivatives (fewer
 *       in the first steps).
 *   <li>{@code use_karras_sigmas} (false): the sigmas of Karras et al., eq. (5) with {@code rho =
 *       7}, between the spacing's first and last sigma.
 *   <li>{@code timestep_spacing} ({@link TimestepSpacing#LINSPACE}) and {@code steps_offset} (0).
 *   <li>{@code beta_schedule}: that of the {@link NoiseSchedule}; {@code sigmas = ((1 - abar) /
 *       abar) ** 0.5}.
 * </ul>
 *
 * <p>Not supported: other prediction types. Upstream integrates each coefficient with {@code
 * scipy.integrate.quad}; the integrand is a polynomial of degree below 4, which four-point
 * Gauss-Legendre integrates exactly, as here.
 *
 * <p>Timesteps. Upstream's are floats; {@code linspace} and Karras sigmas make them fractional. The
 * step math uses upstream's sigmas exactly; {@link Run#timesteps()}, which the model is called
 * with, holds them rounded to the nearest integer (half to even). {@code leading} and {@code
 * trailing} without Karras sigmas give whole timesteps, identical to upstream's.
 *
 * <p>The loop starts from {@code x_T = noise * initNoiseSigma()} and calls the model on {@link
 * Run#scaleModelInput}, as for {@link EulerAncestralDiscreteScheduler}:
 *
 * <pre>{@code
 * Scheduler lms = LMSDiscreteScheduler.builder(NoiseSchedule.mnist()).useKarrasSigmas(true).build();
 * Scheduler.Run run = lms.setTimesteps(20);
 * Tensor x = NoiseSource.seeded(7).next(1, 1, 28, 28).mul((float) run.initNoiseSigma());
 * for (int t : run.timesteps()) {
 *   Tensor eps = model.predict(run.scaleModelInput(x, t), t);
 *   x = run.step(eps, t, x, null).prevSample();       // deterministic: no noise source
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe; each {@link Run} holds the derivatives of its own steps and is for
 * one thread.
 */
public final class LMSDiscreteScheduler implements Scheduler {

  /** The largest {@code order} offered. */
  public static final int MAX_ORDER = 4;

  // the nodes and weights of four-point Gauss-Legendre quadrature on [-1, 1]
  private static final double[] GAUSS_NODES = {
    -0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526
  };
  private static final double[] GAUSS_WEIGHTS = {
    0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538
  };

  private final NoiseSchedule schedule;
  private final int order;
  private final boolean useKarrasSigmas;
  private final TimestepSpacing timestepSpacing;
  private final int stepsOffset;

  // diffusers' indexing: the library's timestep is the index plus offset
  private final int offset;
  private final int numTrainTimesteps;
  private final float[] sigmas; // ((1 - abar) / abar) ** 0.5 per training timestep
  private final float[] logSigmas;

  private LMSDiscreteScheduler(Builder b) {
    this.schedule = b.schedule;
    this.order = b.order;
    this.useKarrasSigmas = b.useKarrasSigmas;
    this.timestepSpacing = b.timestepSpacing;
    this.stepsOffset = b.stepsOffset;
    this.offset = SchedulerSupport.offset(schedule);
    this.numTrainTimesteps = schedule.numTrainTimesteps();
    this.sigmas = SchedulerSupport.sigmas(SchedulerSupport.alphasCumprod(schedule));
    this.logSigmas = SchedulerSupport.logSigmas(sigmas);
  }

  /**
   * Returns a builder with diffusers' defaults over {@code schedule}.
   *
   * @param schedule the noise schedule the model was trained with
   * @return the builder
   * @throws IllegalArgumentException if {@code schedule} is null
   */
  public static Builder builder(NoiseSchedule schedule) {
    return new Builder(schedule);
  }

  /**
   * Returns a builder holding this scheduler's settings.
   *
   * @return the builder
   */
  public Builder toBuilder() {
    return new Builder(schedule)
        .order(order)
        .useKarrasSigmas(useKarrasSigmas)
        .timestepSpacing(timestepSpacing)
        .stepsOffset(stepsOffset);
  }

  /**
   * Collects the settings of an {@link LMSDiscreteScheduler}; each setter checks its argument at
   * once.
   */
  public static final class Builder {
    private final NoiseSchedule schedule;
    private int order = MAX_ORDER;
    private boolean useKarrasSigmas = false;
    private TimestepSpacing timestepSpacing = TimestepSpacing.LINSPACE;
    private int stepsOffset = 0;

    private Builder(NoiseSchedule schedule) {
      if (schedule == null) {
        throw new IllegalArgumentException("schedule must not be null");
      }
      this.schedule = schedule;
    }

    /**
     * Sets {@code order}, the number of derivatives each step combines (default 4).
     *
     * @param order 1 to {@link #MAX_ORDER}
     * @return this builder
     * @throws IllegalArgumentException for another order
     */
    public Builder order(int order) {
      if (order < 1 || order > MAX_ORDER) {
        throw new IllegalArgumentException(
            "order must be in [1, " + MAX_ORDER + "], but is: " + order);
      }
      this.order = order;
      return this;
    }

    /**
     * Sets {@code use_karras_sigmas} (default false).
     *
     * @param useKarrasSigmas the setting
     * @return this builder
     */
    // Copied from dev.diffusion4j.schedule.DPMSolverMultistepScheduler.Builder#useKarrasSigmas
    public Builder useKarrasSigmas(boolean useKarrasSigmas) {
      this.useKarrasSigmas = useKarrasSigmas;
      return this;
    }

    /**
     * Sets {@code timestep_spacing} (default {@link TimestepSpacing#LINSPACE}).
     *
     * @param timestepSpacing the spacing
     * @return this builder
     * @throws IllegalArgumentException if it is null
     */
    // Copied from dev.diffusion4j.schedule.DDIMScheduler.Builder#timestepSpacing
    public Builder timestepSpacing(TimestepSpacing timestepSpacing) {
      this.timestepSpacing = SchedulerSupport.requireSpacing(timestepSpacing);
      return this;
    }

    /**
     * Sets {@code steps_offset}, added to every timestep of the leading spacing (default 0).
     *
     * @param stepsOffset in {@code [0, T - 1]}
     * @return this builder
     * @throws IllegalArgumentException if it is out of range
     */
    public Builder stepsOffset(int stepsOffset) {
      this.stepsOffset =
          SchedulerSupport.checkStepsOffset(stepsOffset, schedule.numTrainTimesteps());
      return this;
    }

    /**
     * Freezes the settings.
     *
     * @return the scheduler
     */
    public LMSDiscreteScheduler build() {
      return new LMSDiscreteScheduler(this);
    }
  }

  // Copied from dev.diffusion4j.schedule.DDIMScheduler#schedule
  @Override
  public NoiseSchedule schedule() {
    return schedule;
  }

  /**
   * Returns {@code order}.
   *
   * @return 1 to {@link #MAX_ORDER}
   */
  public int order() {
    return order;
  }

  /**
   * Returns {@code use_karras_sigmas}.
   *
   * @return the setting
   */
  // Copied from dev.diffusion4j.schedule.DPMSolverMultistepScheduler#useKarrasSigmas
  public boolean useKarrasSigmas() {
    return useKarrasSigmas;
  }

  /**
   * Returns {@code timestep_spacing}.
   *
   * @return the spacing
   */
  // Copied from dev.diffusion4j.schedule.DDIMScheduler#timestepSpacing, with #stepsOffset
  public TimestepSpacing timestepSpacing() {
    return timestepSpacing;
  }

  /**
   * Returns {@code steps_offset}.
   *
   * @return the offset
   */
  public int stepsOffset() {
    return stepsOffset;
  }

  // Copied from dev.diffusion4j.schedule.DDIMScheduler#cleanTimestep
  @Override
  public int cleanTimestep() {
    return offset - 1;
  }

  /**
   * {@inheritDoc}
   *
   * <p>diffusers' {@code set_timesteps}: the timesteps of the spacing (as {@link
   * EulerAncestralDiscreteScheduler}'s), their sigmas by {@code np.interp}; with Karras sigmas,
   * {@code n} Karras sigmas between the first and last of those and their timesteps by {@code
   * _sigma_to_t}; then a final sigma of 0. A last timestep of -1 from numpy's {@code arange} is
   * kept as upstream keeps it (see {@link EulerAncestralDiscreteScheduler#setTimesteps}).
   *
   * @throws IllegalArgumentException if {@code numInferenceSteps} is not in {@code [1, T]}, or if
   *     the leading offset pushes a timestep past the schedule
   */
  @Override
  public Run setTimesteps(int numInferenceSteps) {
    SchedulerSupport.checkNumInferenceSteps(numInferenceSteps, numTrainTimesteps);
    // 1. timesteps of the spacing, in diffusers' indexing (float32)
    float[] spaced =
        SchedulerSupport.discreteTimesteps(
            timestepSpacing, numTrainTimesteps, numInferenceSteps, stepsOffset);
    // 2. sigmas = interp(timesteps, arange(T), sigmas), in double
    SchedulerSupport.checkWithinSchedule(spaced, stepsOffset, numTrainTimesteps);
    double[] interp = new double[spaced.length];
    double[] timesteps = new double[spaced.length];
    for (int i = 0; i < spaced.length; i++) {
      interp[i] = SchedulerSupport.interp(spaced[i], sigmas);
      timesteps[i] = spaced[i];
    }
    // 3. Karras sigmas between the first and the last, and their (fractional) timesteps
    if (useKarrasSigmas) {
      interp = SchedulerSupport.karras(interp[interp.length - 1], interp[0], numInferenceSteps);
      timesteps = new double[interp.length];
      for (int i = 0; i < interp.length; i++) {
        timesteps[i] = SchedulerSupport.sigmaToT(interp[i], logSigmas);
      }
    }
    // 4. sigmas + [0.0] in float32; init_noise_sigma as Euler's
    float[] runSigmas = new float[interp.length + 1];
    int[] library = new int[interp.length];
    for (int i = 0; i < interp.length; i++) {
      runSigmas[i] = (float) interp[i];
      library[i] = (int) Math.rint(timesteps[i]) + offset;
    }
    return new LmsRun(library, runSigmas, SigmaRun.initNoiseSigma(runSigmas, timestepSpacing));
  }

  /**
   * {@inheritDoc}
   *
   * <p>As upstream, on the sigma-scaled sample: {@code x_t = x0 + sigma_t * noise}, with the sigma
   * of the training timestep.
   */
  @Override
  public Tensor addNoise(Tensor originalSamples, Tensor noise, int timestep) {
    return SchedulerSupport.addSigmaNoise(originalSamples, noise, timestep, offset, sigmas);
  }

  /** The state of one run: its sigmas, the step index and the last derivatives. */
  private final class LmsRun extends SigmaRun {
    private final ArrayDeque<float[]> derivatives = new ArrayDeque<>();

    LmsRun(int[] timesteps, float[] sigmas, float initNoiseSigma) {
      super(timesteps, cleanTimestep(), sigmas, initNoiseSigma);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code modelOutput} is the model's estimate for {@link #scaleModelInput} of {@code
     * sample}; {@code sample} is the sigma-scaled one. The {@code noise} is not used.
     */
    @Override
    public SchedulerOutput step(
        Tensor modelOutput, int timestep, Tensor sample, NoiseSource noise) {
      Tensor eps = SchedulerSupport.noisePrediction(modelOutput, sample);
      stepIndex = SchedulerSupport.stepIndex(timesteps, stepIndex, timestep);
      float sigma = sigmas[stepIndex];
      float[] x = sample.data();
      float[] e = eps.data();

      // 1. compute the predicted original sample x0 = x - sigma * eps
      float[] pred = SigmaRun.predOriginalSample(x, e, sigma);

      // 2. convert to an ODE derivative (x - x0) / sigma, keep the last `order`
      float[] derivative = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        derivative[i] = (x[i] - pred[i]) / sigma;
      }
      derivatives.addLast(derivative);
      if (derivatives.size() > order) {
        derivatives.removeFirst();
      }

      // 3. compute the linear multistep coefficients, newest derivative first; as upstream's
      //    zip, only as many as there are derivatives (fewer after an SDEdit start)
      int currentOrder = Math.min(stepIndex + 1, order);
      int terms = Math.min(currentOrder, derivatives.size());
      float[] sum = new float[x.length];
      Iterator<float[]> newestFirst = derivatives.descendingIterator();
      for (int j = 0; j < terms; j++) {
        float coeff = (float) lmsCoefficient(currentOrder, stepIndex, j);
        float[] d = newestFirst.next();
        for (int i = 0; i < x.length; i++) {
          sum[i] = j == 0 ? coeff * d[i] : sum[i] + coeff * d[i];
        }
      }

      // 4. compute the previous sample from the derivatives' path
      float[] out = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        out[i] = x[i] + sum[i];
      }

      // 5. upon completion increase the step index by one
      stepIndex++;
      return new SchedulerOutput(
          Tensor.wrap(out, sample.shape()), Tensor.wrap(pred, sample.shape()));
    }

    /**
     * Upstream's {@code get_lms_coefficient}: the integral over {@code [sigmas[t], sigmas[t + 1]]}
     * of {@code prod_{k != j} (tau - sigmas[t - k]) / (sigmas[t - j] - sigmas[t - k])}, {@code k <
     * order}.
     */
    private double lmsCoefficient(int order, int t, int currentOrder) {
      double a = sigmas[t];
      double b = sigmas[t + 1];
      double half = (b - a) / 2;
      double mid = (a + b) / 2;
      double integral = 0;
      for (int q = 0; q < GAUSS_NODES.length; q++) {
        double tau = mid + half * GAUSS_NODES[q];
        double prod = 1.0;
        for (int k = 0; k < order; k++) {
          if (k == currentOrder) {
            continue;
          }
          prod *= (tau - sigmas[t - k]) / ((double) sigmas[t - currentOrder] - sigmas[t - k]);
        }
        integral += GAUSS_WEIGHTS[q] * prod;
      }
      return integral * half;
    }
  }

  @Override
  public String toString() {
    return "LMSDiscreteScheduler["
        + schedule
        + ", order "
        + order
        + ", "
        + timestepSpacing
        + (useKarrasSigmas ? ", Karras sigmas" : "")
        + "]";
  }
}
