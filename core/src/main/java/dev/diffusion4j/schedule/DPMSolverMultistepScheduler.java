package dev.diffusion4j.schedule;

import static dev.diffusion4j.schedule.SchedulerSupport.lambda;
import static dev.diffusion4j.schedule.SchedulerSupport.sigmaToAlphaSigmaT;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler.Thresholding;
import dev.diffusion4j.tensor.Tensor;
import java.util.Locale;

/**
 * The multistep DPM-Solver++ of Lu et al. (2022), "DPM-Solver++: Fast Solver for Guided Sampling of
 * Diffusion Probabilistic Models", as diffusers' {@code DPMSolverMultistepScheduler} (v0.27.2,
 * {@code schedulers/scheduling_dpmsolver_multistep.py}) computes it with {@code
 * algorithm_type="dpmsolver++"} or {@code "sde-dpmsolver++"} and {@code prediction_type="epsilon"},
 * in the same float32 operations and order. It integrates the data prediction {@code x0_hat} in
 * {@code lambda = log(alpha_t / sigma_t)}: first order is DDIM, second order (the default) corrects
 * with the previous step's {@code x0_hat}, third order with the two before. {@code dpmsolver++} is
 * deterministic; {@code sde-dpmsolver++} (section 4 of the paper's SDE solver) draws one noise
 * tensor every step.
 *
 * <p>Settings, with diffusers' names and defaults (those of the builder):
 *
 * <ul>
 *   <li>{@code algorithm_type} ({@link AlgorithmType#DPMSOLVER_PLUS_PLUS}) or {@link
 *       AlgorithmType#SDE_DPMSOLVER_PLUS_PLUS}.
 *   <li>{@code solver_order} (2): 1 to 3 (3 for unconditional sampling, upstream advises; with the
 *       SDE variant at most 2, as upstream's third-order update drops the SDE's noise term).
 *   <li>{@code solver_type} ({@link SolverType#MIDPOINT}) or {@link SolverType#HEUN}: the
 *       second-order formula.
 *   <li>{@code lower_order_final} (true): with fewer than 15 steps, the last step is first order
 *       and the one before at most second order. {@code euler_at_final} (false): the last step is
 *       first order whatever the count.
 *   <li>{@code final_sigmas_type} ({@link FinalSigmasType#ZERO}): the last step ends at {@code
 *       sigma = 0}, the clean image (and is then always first order, returning {@code x0_hat}); or
 *       at the first training timestep's sigma ({@link FinalSigmasType#SIGMA_MIN}).
 *   <li>{@code lambda_min_clipped} (-infinity): timesteps whose {@code lambda} lies below it are
 *       left out of the list (diffusers recommends it for the cosine schedule, e.g. -5.1).
 *   <li>{@code use_karras_sigmas} (false): {@code n} sigmas of Karras et al. (2022), eq. (5) with
 *       {@code rho = 7}, from the last training sigma to the first, timesteps by {@code
 *       _sigma_to_t} rounded. {@code use_lu_lambdas} (false): {@code n} log-sigmas evenly spaced
 *       over the same range (Lu et al., 2022). They replace the spacing and {@code
 *       lambda_min_clipped}; at most one of the two.
 *   <li>{@code timestep_spacing} ({@link TimestepSpacing#LINSPACE}) and {@code steps_offset} (0).
 *   <li>{@code thresholding} (off; {@link Thresholding}) of each {@code x0_hat}.
 * </ul>
 *
 * <p>A learned-variance model's variance channels are dropped, as upstream's {@code
 * variance_type="learned_range"} does. Not supported: the deprecated {@code dpmsolver} and {@code
 * sde-dpmsolver}, other prediction types, {@code rescale_betas_zero_snr}.
 *
 * <p>Trailing lists that end at -1. Where {@code T / n} is not a whole number, numpy's {@code
 * arange} can add a last timestep of -1 to the trailing list (T = 300, n = 7: {@code 299, 256, ...,
 * 42, -1}); upstream keeps it, reads its sigma as that of timestep 0 and so runs {@code n + 1}
 * steps, the last from that sigma to the final one. This class does the same, so that its runs are
 * upstream's: the extra entry is the library's {@link #cleanTimestep()} (diffusers' -1 plus the
 * schedule's offset), which the model is called with as diffusers calls it with -1.
 *
 * <p>A "3" from part B's class-conditioned UNet in 20 steps, with classifier-free guidance 5:
 *
 * <pre>{@code
 * try (MnistUNet unet = MnistUNet.classConditioned(Path.of("testdata/models/mnist/class-epoch20.onnx"))) {
 *   Scheduler dpm = DPMSolverMultistepScheduler.builder(NoiseSchedule.mnist()).build();
 *   Scheduler.Run run = dpm.setTimesteps(20);           // order 2, linspace: 300, 285, ..., 16
 *   Tensor labels = Tensor.concatBatch(MnistUNet.oneHot(3), Tensor.zeros(1, 10));
 *   Tensor x = NoiseSource.seeded(7).next(1, 1, 28, 28);
 *   for (int t : run.timesteps()) {
 *     Tensor both = unet.predict(Tensor.concatBatch(x, x), new int[] {t, t}, labels).noise();
 *     Tensor eps = Guidance.classifierFree(both.slice(0, 1), both.slice(1, 2), 5.0);
 *     x = run.step(eps, t, x, null).prevSample();       // deterministic: no noise source
 *   }
 *   Images.write(x, 0, ValueRange.ZERO_TO_ONE, Path.of("three.png"));
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe; each {@link Run} holds the model outputs of its own steps and is
 * for one thread.
 */
public final class DPMSolverMultistepScheduler implements Scheduler {

  /** The largest {@code solver_order} offered. */
  public static final int MAX_ORDER = 3;

  /** The solver, diffusers' {@code algorithm_type}. */
  public enum AlgorithmType {
    /** {@code dpmsolver++}, diffusers' default: the ODE solver, deterministic. */
    DPMSOLVER_PLUS_PLUS("dpmsolver++"),
    /** {@code sde-dpmsolver++}: the SDE solver, one noise tensor a step. */
    SDE_DPMSOLVER_PLUS_PLUS("sde-dpmsolver++");

    private final String diffusersName;

    AlgorithmType(String diffusersName) {
      this.diffusersName = diffusersName;
    }

    /**
     * Returns diffusers' name of the solver.
     *
     * @return {@code dpmsolver++} or {@code sde-dpmsolver++}
     */
    public String diffusersName() {
      return diffusersName;
    }

    /**
     * Returns the type of a diffusers {@code algorithm_type} string.
     *
     * @param name {@code dpmsolver++} or {@code sde-dpmsolver++}
     * @return the type
     * @throws IllegalArgumentException for another name, listing the valid ones
     */
    public static AlgorithmType fromDiffusers(String name) {
      for (AlgorithmType a : values()) {
        if (a.diffusersName.equals(name)) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          "unknown algorithm_type '" + name + "'; supported: [dpmsolver++, sde-dpmsolver++]");
    }
  }

  /** The second-order update, diffusers' {@code solver_type}. */
  public enum SolverType {
    /** {@code midpoint}, diffusers' default (and the recommended one). */
    MIDPOINT,
    /** {@code heun}. */
    HEUN;

    /**
     * Returns the type of a diffusers {@code solver_type} string.
     *
     * @param name {@code midpoint} or {@code heun}
     * @return the type
     * @throws IllegalArgumentException for another name, listing the valid ones
     */
    public static SolverType fromDiffusers(String name) {
      for (SolverType s : values()) {
        if (s.name().toLowerCase(Locale.ROOT).equals(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "unknown solver_type '"
              + dev.diffusion4j.Messages.quote(name)
              + "'; supported: [midpoint, heun]");
    }
  }

  /** Where the last step ends, diffusers' {@code final_sigmas_type}. */
  public enum FinalSigmasType {
    /** {@code zero}, diffusers' default: at {@code sigma = 0}, the clean image. */
    ZERO,
    /** {@code sigma_min}: at the sigma of the first training timestep. */
    SIGMA_MIN;

    /**
     * Returns the type of a diffusers {@code final_sigmas_type} string.
     *
     * @param name {@code zero} or {@code sigma_min}
     * @return the type
     * @throws IllegalArgumentException for another name, listing the valid ones
     */
    public static FinalSigmasType fromDiffusers(String name) {
      for (FinalSigmasType s : values()) {
        if (s.name().toLowerCase(Locale.ROOT).equals(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException(
          "unknown final_sigmas_type '"
              + dev.diffusion4j.Messages.quote(name)
              + "'; supported: [zero, sigma_min]");
    }
  }

  private final NoiseSchedule schedule;
  private final AlgorithmType algorithmType;
  private final int solverOrder;
  private final SolverType solverType;
  private final boolean lowerOrderFinal;
  private final boolean eulerAtFinal;
  private final FinalSigmasType finalSigmasType;
  private final double lambdaMinClipped;
  private final boolean useKarrasSigmas;
  private final boolean useLuLambdas;
  private final TimestepSpacing timestepSpacing;
  private final int stepsOffset;
  private final Thresholding thresholding;

  // diffusers' indexing (see DDIMScheduler): the library's timestep is the index plus offset
  private final int offset;
  private final int numTrainTimesteps;
  private final float[] alphasCumprod;
  private final float[] sigmas; // ((1 - abar) / abar) ** 0.5 per training timestep
  private final float[] lambdaT; // log(sqrt(abar)) - log(sqrt(1 - abar))
  private final float[] logSigmas;

  private DPMSolverMultistepScheduler(Builder b) {
    this.schedule = b.schedule;
    this.algorithmType = b.algorithmType;
    this.solverOrder = b.solverOrder;
    this.solverType = b.solverType;
    this.lowerOrderFinal = b.lowerOrderFinal;
    this.eulerAtFinal = b.eulerAtFinal;
    this.finalSigmasType = b.finalSigmasType;
    this.lambdaMinClipped = b.lambdaMinClipped;
    this.useKarrasSigmas = b.useKarrasSigmas;
    this.useLuLambdas = b.useLuLambdas;
    this.timestepSpacing = b.timestepSpacing;
    this.stepsOffset = b.stepsOffset;
    this.thresholding = b.thresholding;
    this.offset = SchedulerSupport.offset(schedule);
    this.numTrainTimesteps = schedule.numTrainTimesteps();
    this.alphasCumprod = SchedulerSupport.alphasCumprod(schedule);
    this.sigmas = SchedulerSupport.sigmas(alphasCumprod);
    this.logSigmas = SchedulerSupport.logSigmas(sigmas);
    this.lambdaT = new float[numTrainTimesteps];
    for (int i = 0; i < numTrainTimesteps; i++) {
      float a = alphasCumprod[i];
      float alphaT = (float) Math.sqrt(a);
      float sigmaT = (float) Math.sqrt(1f - a);
      lambdaT[i] = (float) Math.log(alphaT) - (float) Math.log(sigmaT);
    }
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
    Builder b = new Builder(schedule);
    b.algorithmType = algorithmType;
    b.solverOrder = solverOrder;
    b.solverType = solverType;
    b.lowerOrderFinal = lowerOrderFinal;
    b.eulerAtFinal = eulerAtFinal;
    b.finalSigmasType = finalSigmasType;
    b.lambdaMinClipped = lambdaMinClipped;
    b.useKarrasSigmas = useKarrasSigmas;
    b.useLuLambdas = useLuLambdas;
    b.timestepSpacing = timestepSpacing;
    b.stepsOffset = stepsOffset;
    b.thresholding = thresholding;
    return b;
  }

  /**
   * Collects the settings of a {@link DPMSolverMultistepScheduler}; each setter checks its argument
   * at once.
   */
  public static final class Builder {
    private final NoiseSchedule schedule;
    private AlgorithmType algorithmType = AlgorithmType.DPMSOLVER_PLUS_PLUS;
    private int solverOrder = 2;
    private SolverType solverType = SolverType.MIDPOINT;
    private boolean lowerOrderFinal = true;
    private boolean eulerAtFinal = false;
    private FinalSigmasType finalSigmasType = FinalSigmasType.ZERO;
    private double lambdaMinClipped = Double.NEGATIVE_INFINITY;
    private boolean useKarrasSigmas = false;
    private boolean useLuLambdas = false;
    private TimestepSpacing timestepSpacing = TimestepSpacing.LINSPACE;
    private int stepsOffset = 0;
    private Thresholding thresholding;

    private Builder(NoiseSchedule schedule) {
      if (schedule == null) {
        throw new IllegalArgumentException("schedule must not be null");
      }
      this.schedule = schedule;
    }

    /**
     * Sets {@code algorithm_type} (default {@link AlgorithmType#DPMSOLVER_PLUS_PLUS}).
     *
     * @param algorithmType the solver
     * @return this builder
     * @throws IllegalArgumentException if it is null
     */
    public Builder algorithmType(AlgorithmType algorithmType) {
      if (algorithmType == null) {
        throw new IllegalArgumentException("algorithmType must not be null");
      }
      this.algorithmType = algorithmType;
      return this;
    }

    /**
     * Sets {@code solver_order} (default 2).
     *
     * @param solverOrder 1 to {@link #MAX_ORDER} (at most 2 with the SDE variant, checked by {@link
     *     #build()})
     * @return this builder
     * @throws IllegalArgumentException for another order
     */
    public Builder solverOrder(int solverOrder) {
      if (solverOrder < 1 || solverOrder > MAX_ORDER) {
        throw new IllegalArgumentException(
            "solverOrder must be in [1, " + MAX_ORDER + "], but is: " + solverOrder);
      }
      this.solverOrder = solverOrder;
      return this;
    }

    /**
     * Sets {@code solver_type} (default {@link SolverType#MIDPOINT}).
     *
     * @param solverType the second-order formula
     * @return this builder
     * @throws IllegalArgumentException if it is null
     */
    public Builder solverType(SolverType solverType) {
      if (solverType == null) {
        throw new IllegalArgumentException("solverType must not be null");
      }
      this.solverType = solverType;
      return this;
    }

    /**
     * Sets {@code lower_order_final} (default true): lower-order final steps in runs of fewer than
     * 15 steps.
     *
     * @param lowerOrderFinal the setting
     * @return this builder
     */
    public Builder lowerOrderFinal(boolean lowerOrderFinal) {
      this.lowerOrderFinal = lowerOrderFinal;
      return this;
    }

    /**
     * Sets {@code euler_at_final} (default false): a first-order last step whatever the count.
     *
     * @param eulerAtFinal the setting
     * @return this builder
     */
    public Builder eulerAtFinal(boolean eulerAtFinal) {
      this.eulerAtFinal = eulerAtFinal;
      return this;
    }

    /**
     * Sets {@code final_sigmas_type} (default {@link FinalSigmasType#ZERO}).
     *
     * @param finalSigmasType where the last step ends
     * @return this builder
     * @throws IllegalArgumentException if it is null
     */
    public Builder finalSigmasType(FinalSigmasType finalSigmasType) {
      if (finalSigmasType == null) {
        throw new IllegalArgumentException("finalSigmasType must not be null");
      }
      this.finalSigmasType = finalSigmasType;
      return this;
    }

    /**
     * Sets {@code lambda_min_clipped} (default negative infinity, no clipping).
     *
     * @param lambdaMinClipped the smallest {@code lambda} a timestep of the list may have; not NaN
     * @return this builder
     * @throws IllegalArgumentException if it is NaN
     */
    public Builder lambdaMinClipped(double lambdaMinClipped) {
      if (Double.isNaN(lambdaMinClipped)) {
        throw new IllegalArgumentException("lambdaMinClipped must not be NaN");
      }
      this.lambdaMinClipped = lambdaMinClipped;
      return this;
    }

    /**
     * Sets {@code use_karras_sigmas} (default false).
     *
     * @param useKarrasSigmas the setting
     * @return this builder
     */
    public Builder useKarrasSigmas(boolean useKarrasSigmas) {
      this.useKarrasSigmas = useKarrasSigmas;
      return this;
    }

    /**
     * Sets {@code use_lu_lambdas} (default false).
     *
     * @param useLuLambdas the setting
     * @return this builder
     */
    public Builder useLuLambdas(boolean useLuLambdas) {
      this.useLuLambdas = useLuLambdas;
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
     * @param stepsOffset at least 0
     * @return this builder
     * @throws IllegalArgumentException if it is negative
     */
    public Builder stepsOffset(int stepsOffset) {
      if (stepsOffset < 0) {
        throw new IllegalArgumentException("stepsOffset must be >= 0, but is: " + stepsOffset);
      }
      this.stepsOffset = stepsOffset;
      return this;
    }

    /**
     * Sets dynamic thresholding of each {@code x0_hat} ({@code thresholding}, {@code
     * dynamic_thresholding_ratio}, {@code sample_max_value}). Off by default.
     *
     * @param thresholding the settings, or {@code null} for none
     * @return this builder
     */
    public Builder thresholding(Thresholding thresholding) {
      this.thresholding = thresholding;
      return this;
    }

    /**
     * Freezes the settings.
     *
     * @return the scheduler
     * @throws IllegalStateException if {@code solver_order} 3 meets the SDE variant, or Karras
     *     sigmas meet Lu's lambdas (upstream silently takes the Karras sigmas)
     */
    public DPMSolverMultistepScheduler build() {
      if (solverOrder == 3 && algorithmType == AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS) {
        throw new IllegalStateException(
            "solverOrder 3 is not offered with sde-dpmsolver++: upstream's third-order update"
                + " drops the SDE's noise term; choose solverOrder 1 or 2");
      }
      if (useKarrasSigmas && useLuLambdas) {
        throw new IllegalStateException(
            "useKarrasSigmas and useLuLambdas are both set; choose one");
      }
      return new DPMSolverMultistepScheduler(this);
    }
  }

  // Copied from dev.diffusion4j.schedule.DDIMScheduler#schedule
  @Override
  public NoiseSchedule schedule() {
    return schedule;
  }

  /**
   * Returns {@code algorithm_type}.
   *
   * @return the solver
   */
  public AlgorithmType algorithmType() {
    return algorithmType;
  }

  /**
   * Returns {@code solver_order}.
   *
   * @return 1 to {@link #MAX_ORDER}
   */
  public int solverOrder() {
    return solverOrder;
  }

  /**
   * Returns {@code solver_type}.
   *
   * @return the second-order formula
   */
  public SolverType solverType() {
    return solverType;
  }

  /**
   * Returns {@code lower_order_final}.
   *
   * @return the setting
   */
  public boolean lowerOrderFinal() {
    return lowerOrderFinal;
  }

  /**
   * Returns {@code euler_at_final}.
   *
   * @return the setting
   */
  public boolean eulerAtFinal() {
    return eulerAtFinal;
  }

  /**
   * Returns {@code final_sigmas_type}.
   *
   * @return where the last step ends
   */
  public FinalSigmasType finalSigmasType() {
    return finalSigmasType;
  }

  /**
   * Returns {@code lambda_min_clipped}.
   *
   * @return the clipping threshold of {@code lambda}
   */
  public double lambdaMinClipped() {
    return lambdaMinClipped;
  }

  /**
   * Returns {@code use_karras_sigmas}.
   *
   * @return the setting
   */
  public boolean useKarrasSigmas() {
    return useKarrasSigmas;
  }

  /**
   * Returns {@code use_lu_lambdas}.
   *
   * @return the setting
   */
  public boolean useLuLambdas() {
    return useLuLambdas;
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

  /**
   * Returns the thresholding settings.
   *
   * @return the settings, or {@code null} when off
   */
  // Copied from dev.diffusion4j.schedule.DDIMScheduler#thresholding
  public Thresholding thresholding() {
    return thresholding;
  }

  // Copied from dev.diffusion4j.schedule.DDIMScheduler#cleanTimestep
  @Override
  public int cleanTimestep() {
    return offset - 1;
  }

  /**
   * {@inheritDoc}
   *
   * <p>diffusers' {@code set_timesteps}, with {@code T} the training timesteps, {@code L} the last
   * timestep kept by {@code lambda_min_clipped} ({@code T} unless clipped) and {@code n} the count:
   * {@code linspace} rounds {@code linspace(0, L - 1, n + 1)} and drops its 0; {@code leading}
   * takes {@code i * (L / (n + 1)) + steps_offset} for {@code i = n..1}; {@code trailing} rounds
   * {@code arange(L, 0, -T / n) - 1} (numpy's float64 arithmetic and round-half-to-even; a last -1
   * is kept, see the class comment). The sigma of each timestep is {@code sqrt((1 - abar) / abar)};
   * Karras sigmas or Lu's lambdas replace both lists; then the final sigma.
   *
   * <p>Trailing spacing drops the extra last timestep of -1 that numpy's {@code arange} yields for
   * some {@code n} (as {@link DDIMScheduler#setTimesteps(int)} does), so that the run has the
   * {@code n} steps asked for.
   *
   * @throws IllegalArgumentException if {@code numInferenceSteps} is not in {@code [1, T - 1]}, if
   *     the list repeats a timestep (the solver would divide by zero), or if the leading offset
   *     pushes a timestep past the schedule
   */
  @Override
  public Run setTimesteps(int numInferenceSteps) {
    if (numInferenceSteps < 1 || numInferenceSteps >= numTrainTimesteps) {
      throw new IllegalArgumentException(
          "numInferenceSteps must be in [1, "
              + (numTrainTimesteps - 1)
              + "] (fewer than the "
              + numTrainTimesteps
              + " training timesteps: as many repeat a timestep, and the solver's step between"
              + " them divides by zero), but is: "
              + numInferenceSteps);
    }
    int n = numInferenceSteps;
    // 1. clipped_idx = searchsorted(flip(lambda_t), lambda_min_clipped): the lambdas below it
    int clippedIdx = 0;
    float clip = (float) lambdaMinClipped;
    for (float l : lambdaT) {
      if (l < clip) {
        clippedIdx++;
      }
    }
    int lastTimestep = numTrainTimesteps - clippedIdx;
    if (lastTimestep < 1) {
      throw new IllegalArgumentException(
          "lambdaMinClipped " + lambdaMinClipped + " leaves no timestep of the schedule");
    }
    // 2. the timesteps and their sigmas: the spacing's, Karras' or Lu's
    int[] timesteps;
    double[] runSigmas;
    if (useKarrasSigmas || useLuLambdas) {
      runSigmas = new double[n];
      if (useKarrasSigmas) {
        runSigmas = SchedulerSupport.karras(sigmas[0], sigmas[numTrainTimesteps - 1], n);
      } else {
        // lambdas = linspace over flip(log_sigmas) from its first to its last (rho = 1)
        double lambdaMin = logSigmas[0];
        double lambdaMax = logSigmas[numTrainTimesteps - 1];
        double[] ramp = TimestepSpacing.linspace(0, 1, n);
        for (int i = 0; i < n; i++) {
          runSigmas[i] = Math.exp(lambdaMax + ramp[i] * (lambdaMin - lambdaMax));
        }
      }
      timesteps = new int[n];
      for (int i = 0; i < n; i++) {
        timesteps[i] = (int) Math.rint(SchedulerSupport.sigmaToT(runSigmas[i], logSigmas));
      }
    } else {
      timesteps =
          SchedulerSupport.multistepTimesteps(
              timestepSpacing, numTrainTimesteps, lastTimestep, n, stepsOffset);
      for (int i = 1; i < timesteps.length; i++) {
        if (timesteps[i] >= timesteps[i - 1]) {
          throw new IllegalArgumentException(
              "numInferenceSteps "
                  + n
                  + " with "
                  + timestepSpacing
                  + " spacing repeats timestep "
                  + timesteps[i]
                  + " of "
                  + lastTimestep
                  + " (after lambda_min_clipped), and the solver's step between the two divides by"
                  + " zero (NaN); choose fewer steps");
        }
      }
      SchedulerSupport.checkWithinSchedule(timesteps, stepsOffset, numTrainTimesteps);
      runSigmas = new double[timesteps.length];
      for (int i = 0; i < timesteps.length; i++) {
        // interp(timesteps, arange(T), sigmas): a last -1 takes the sigma of timestep 0
        runSigmas[i] = SchedulerSupport.interp(timesteps[i], sigmas);
      }
    }
    // 3. sigmas + [sigma_last], float32
    float[] all = new float[timesteps.length + 1];
    for (int i = 0; i < timesteps.length; i++) {
      all[i] = (float) runSigmas[i];
    }
    all[timesteps.length] =
        finalSigmasType == FinalSigmasType.ZERO
            ? 0f
            : (float) Math.sqrt((1f - alphasCumprod[0]) / alphasCumprod[0]);
    int finalTimestep = finalSigmasType == FinalSigmasType.ZERO ? cleanTimestep() : offset;
    return new DPMRun(SchedulerSupport.toLibrary(timesteps, offset), finalTimestep, all);
  }

  /**
   * {@inheritDoc}
   *
   * <p>As upstream, from the timestep's sigma: {@code alpha_t = 1 / sqrt(sigma^2 + 1)}, {@code
   * sigma_t = sigma * alpha_t}. Upstream looks the sigma up in the run's list and takes the last
   * one for a timestep not in it; this method takes the timestep's own sigma, which is the same for
   * every timestep of a run.
   */
  @Override
  public Tensor addNoise(Tensor originalSamples, Tensor noise, int timestep) {
    return SchedulerSupport.addAlphaSigmaNoise(originalSamples, noise, timestep, offset, sigmas);
  }

  /** The state of one run: the step index, the last model outputs, the lower-order count. */
  private final class DPMRun extends ListRun {
    private final float[] sigmas;
    private final Tensor[] modelOutputs = new Tensor[solverOrder];
    private int lowerOrderNums = 0;
    private int stepIndex = -1;

    DPMRun(int[] timesteps, int finalTimestep, float[] sigmas) {
      super(timesteps, finalTimestep);
      this.sigmas = sigmas;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The first step finds its index in the list as upstream's {@code index_for_timestep} (the
     * second of two equal entries), except that the list's first timestep is index 0; later steps
     * must pass the next timestep of the list. {@code sde-dpmsolver++} takes one tensor from {@code
     * noise} every step; {@code dpmsolver++} does not use it.
     *
     * @throws IllegalArgumentException also if {@code noise} is null for {@code sde-dpmsolver++}
     */
    @Override
    public SchedulerOutput step(
        Tensor modelOutput, int timestep, Tensor sample, NoiseSource noise) {
      sample.requireRank(4, "sample");
      Tensor eps = SchedulerSupport.noisePrediction(modelOutput, sample);
      boolean sde = algorithmType == AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS;
      if (sde && noise == null) {
        throw new IllegalArgumentException(
            "noise must not be null: sde-dpmsolver++ draws noise at every step");
      }
      stepIndex = SchedulerSupport.stepIndex(timesteps, stepIndex, timestep);
      int n = timesteps.length;

      // 1. improve numerical stability for a small number of steps: lower orders at the end
      boolean lowerOrderFinalStep =
          stepIndex == n - 1
              && (eulerAtFinal
                  || (lowerOrderFinal && n < 15)
                  || finalSigmasType == FinalSigmasType.ZERO);
      boolean lowerOrderSecond = stepIndex == n - 2 && lowerOrderFinal && n < 15;

      // 2. convert the model output to the data prediction x0_hat = (x_t - sigma_t * eps) /
      //    alpha_t (DPM-Solver++ integrates x0_hat), thresholded if asked
      Tensor x0Pred = convertModelOutput(eps, sample);
      for (int i = 0; i < solverOrder - 1; i++) {
        modelOutputs[i] = modelOutputs[i + 1];
      }
      modelOutputs[solverOrder - 1] = x0Pred;

      // 3. the SDE's noise for this step
      float[] z = null;
      if (sde) {
        Tensor drawn = noise.next(sample.shape());
        sample.requireSameShape(drawn, "the noise source's tensor");
        z = drawn.data();
      }

      // 4. first-, second- or third-order update
      Tensor prevSample;
      if (solverOrder == 1 || lowerOrderNums < 1 || lowerOrderFinalStep) {
        prevSample = firstOrderUpdate(x0Pred, sample, z);
      } else if (solverOrder == 2 || lowerOrderNums < 2 || lowerOrderSecond) {
        prevSample = secondOrderUpdate(sample, z);
      } else {
        prevSample = thirdOrderUpdate(sample);
      }
      if (lowerOrderNums < solverOrder) {
        lowerOrderNums++;
      }

      // 5. upon completion increase the step index by one
      stepIndex++;
      return new SchedulerOutput(prevSample, x0Pred);
    }

    private Tensor convertModelOutput(Tensor eps, Tensor sample) {
      float[] alphaSigma = sigmaToAlphaSigmaT(sigmas[stepIndex]);
      float alphaT = alphaSigma[0];
      float sigmaT = alphaSigma[1];
      float[] x = sample.data();
      float[] e = eps.data();
      float[] out = new float[x.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = (x[i] - sigmaT * e[i]) / alphaT;
      }
      Tensor x0Pred = Tensor.wrap(out, sample.shape());
      return thresholding == null ? x0Pred : DDPMScheduler.threshold(x0Pred, thresholding);
    }

    /**
     * One step of the first-order DPM-Solver++ (equivalent to DDIM), formula (5) of Lu et al.:
     * {@code x_t = (sigma_t / sigma_s) * x_s - alpha_t * (exp(-h) - 1) * x0_hat}, {@code h =
     * lambda_t - lambda_s}; the SDE variant: {@code x_t = (sigma_t / sigma_s exp(-h)) x_s + alpha_t
     * (1 - exp(-2h)) x0_hat + sigma_t sqrt(1 - exp(-2h)) z}.
     */
    private Tensor firstOrderUpdate(Tensor x0Pred, Tensor sample, float[] z) {
      float[] t = sigmaToAlphaSigmaT(sigmas[stepIndex + 1]);
      float[] s = sigmaToAlphaSigmaT(sigmas[stepIndex]);
      float h = lambda(t) - lambda(s);
      float[] x = sample.data();
      float[] m = x0Pred.data();
      float[] out = new float[x.length];
      if (z == null) {
        float sampleCoeff = t[1] / s[1];
        float x0Coeff = t[0] * ((float) Math.exp(-h) - 1f);
        for (int i = 0; i < out.length; i++) {
          out[i] = sampleCoeff * x[i] - x0Coeff * m[i];
        }
      } else {
        float expMinus2h = SchedulerSupport.torchExp(-2f * h);
        float sampleCoeff = t[1] / s[1] * SchedulerSupport.torchExp(-h);
        float x0Coeff = t[0] * (1f - expMinus2h);
        float noiseCoeff = t[1] * (float) Math.sqrt(1f - expMinus2h);
        for (int i = 0; i < out.length; i++) {
          out[i] = sampleCoeff * x[i] + x0Coeff * m[i] + noiseCoeff * z[i];
        }
      }
      return Tensor.wrap(out, sample.shape());
    }

    /**
     * One step of the second-order multistep DPM-Solver++ (Algorithm 2 of Lu et al.): with {@code
     * r0 = h_0 / h}, {@code D0 = m0}, {@code D1 = (m0 - m1) / r0}, midpoint: {@code x_t = (sigma_t
     * / sigma_s0) x_s - alpha_t (exp(-h) - 1) D0 - 0.5 alpha_t (exp(-h) - 1) D1}; Heun: the last
     * term {@code + alpha_t ((exp(-h) - 1) / h + 1) D1}. The SDE variant: {@code (sigma_t /
     * sigma_s0 exp(-h)) x_s + alpha_t (1 - exp(-2h)) D0 + c D1 + sigma_t sqrt(1 - exp(-2h)) z},
     * {@code c = 0.5 alpha_t (1 - exp(-2h))} (midpoint) or {@code alpha_t ((1 - exp(-2h)) / (-2h) +
     * 1)} (Heun).
     */
    private Tensor secondOrderUpdate(Tensor sample, float[] z) {
      float[] t = sigmaToAlphaSigmaT(sigmas[stepIndex + 1]);
      float[] s0 = sigmaToAlphaSigmaT(sigmas[stepIndex]);
      float[] s1 = sigmaToAlphaSigmaT(sigmas[stepIndex - 1]);
      float lambdaT = lambda(t);
      float lambdaS0 = lambda(s0);
      float lambdaS1 = lambda(s1);
      float[] m0 = modelOutputs[solverOrder - 1].data();
      float[] m1 = modelOutputs[solverOrder - 2].data();
      float h = lambdaT - lambdaS0;
      float h0 = lambdaS0 - lambdaS1;
      float r0 = h0 / h;
      float d1Coeff = 1f / r0;
      float[] x = sample.data();
      float[] out = new float[x.length];
      if (z != null) {
        float expMinus2h = SchedulerSupport.torchExp(-2f * h);
        float sampleCoeff = t[1] / s0[1] * SchedulerSupport.torchExp(-h);
        float d0Coeff = t[0] * (1f - expMinus2h);
        float d1Term =
            solverType == SolverType.MIDPOINT
                ? 0.5f * d0Coeff
                : t[0] * ((1f - expMinus2h) / (-2f * h) + 1f);
        float noiseCoeff = t[1] * (float) Math.sqrt(1f - expMinus2h);
        for (int i = 0; i < out.length; i++) {
          float d1 = d1Coeff * (m0[i] - m1[i]);
          out[i] = sampleCoeff * x[i] + d0Coeff * m0[i] + d1Term * d1 + noiseCoeff * z[i];
        }
        return Tensor.wrap(out, sample.shape());
      }
      float expm1 = (float) Math.exp(-h) - 1f;
      float sampleCoeff = t[1] / s0[1];
      float d0Coeff = t[0] * expm1;
      if (solverType == SolverType.MIDPOINT) {
        float halfD1Coeff = 0.5f * d0Coeff;
        for (int i = 0; i < out.length; i++) {
          float d1 = d1Coeff * (m0[i] - m1[i]);
          out[i] = sampleCoeff * x[i] - d0Coeff * m0[i] - halfD1Coeff * d1;
        }
      } else {
        float heunCoeff = t[0] * (expm1 / h + 1f);
        for (int i = 0; i < out.length; i++) {
          float d1 = d1Coeff * (m0[i] - m1[i]);
          out[i] = sampleCoeff * x[i] - d0Coeff * m0[i] + heunCoeff * d1;
        }
      }
      return Tensor.wrap(out, sample.shape());
    }

    /**
     * One step of the third-order multistep DPM-Solver++ (Lu et al., after Algorithm 2): {@code r0
     * = h_0 / h}, {@code r1 = h_1 / h}, {@code D1_0 = (m0 - m1) / r0}, {@code D1_1 = (m1 - m2) /
     * r1}, {@code D1 = D1_0 + r0 / (r0 + r1) (D1_0 - D1_1)}, {@code D2 = (D1_0 - D1_1) / (r0 +
     * r1)}, {@code x_t = (sigma_t / sigma_s0) x_s - alpha_t (exp(-h) - 1) D0 + alpha_t ((exp(-h) -
     * 1) / h + 1) D1 - alpha_t ((exp(-h) - 1 + h) / h^2 - 0.5) D2}.
     */
    private Tensor thirdOrderUpdate(Tensor sample) {
      float[] t = sigmaToAlphaSigmaT(sigmas[stepIndex + 1]);
      float[] s0 = sigmaToAlphaSigmaT(sigmas[stepIndex]);
      float[] s1 = sigmaToAlphaSigmaT(sigmas[stepIndex - 1]);
      float[] s2 = sigmaToAlphaSigmaT(sigmas[stepIndex - 2]);
      float lambdaT = lambda(t);
      float lambdaS0 = lambda(s0);
      float lambdaS1 = lambda(s1);
      float lambdaS2 = lambda(s2);
      float[] m0 = modelOutputs[solverOrder - 1].data();
      float[] m1 = modelOutputs[solverOrder - 2].data();
      float[] m2 = modelOutputs[solverOrder - 3].data();
      float h = lambdaT - lambdaS0;
      float h0 = lambdaS0 - lambdaS1;
      float h1 = lambdaS1 - lambdaS2;
      float r0 = h0 / h;
      float r1 = h1 / h;
      float inv0 = 1f / r0;
      float inv1 = 1f / r1;
      float d1Weight = r0 / (r0 + r1);
      float d2Weight = 1f / (r0 + r1);
      float expm1 = SchedulerSupport.torchExp(-h) - 1f;
      float sampleCoeff = t[1] / s0[1];
      float d0Coeff = t[0] * expm1;
      float d1Coeff = t[0] * (expm1 / h + 1f);
      float d2Coeff = t[0] * ((SchedulerSupport.torchExp(-h) - 1f + h) / (h * h) - 0.5f);
      float[] x = sample.data();
      float[] out = new float[x.length];
      for (int i = 0; i < out.length; i++) {
        float d10 = inv0 * (m0[i] - m1[i]);
        float d11 = inv1 * (m1[i] - m2[i]);
        float d1 = d10 + d1Weight * (d10 - d11);
        float d2 = d2Weight * (d10 - d11);
        out[i] = sampleCoeff * x[i] - d0Coeff * m0[i] + d1Coeff * d1 - d2Coeff * d2;
      }
      return Tensor.wrap(out, sample.shape());
    }
  }

  @Override
  public String toString() {
    return "DPMSolverMultistepScheduler["
        + schedule
        + ", order "
        + solverOrder
        + ", "
        + algorithmType.diffusersName()
        + ", "
        + solverType
        + ", "
        + timestepSpacing
        + (useKarrasSigmas ? ", Karras sigmas" : "")
        + (useLuLambdas ? ", Lu lambdas" : "")
        + "]";
  }
}
