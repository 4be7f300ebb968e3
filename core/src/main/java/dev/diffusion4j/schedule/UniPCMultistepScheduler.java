package dev.diffusion4j.schedule;

import static dev.diffusion4j.schedule.SchedulerSupport.lambda;
import static dev.diffusion4j.schedule.SchedulerSupport.sigmaToAlphaSigmaT;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler.Thresholding;
import dev.diffusion4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * The unified predictor-corrector sampler of Zhao et al. (2023), "UniPC: A Unified
 * Predictor-Corrector Framework for Fast Sampling of Diffusion Models", as diffusers' {@code
 * UniPCMultistepScheduler} (v0.27.2, {@code schedulers/scheduling_unipc_multistep.py}) computes it
 * with {@code predict_x0=True} and {@code prediction_type="epsilon"}, in the same float32
 * operations and order. Each step first corrects the sample the previous step predicted with the
 * model output at it (UniC, Algorithm 2 of the paper), then predicts the next sample from the last
 * {@code order} data predictions (UniP, Algorithm 1), in {@code lambda = log(alpha_t / sigma_t)}.
 * Deterministic: no step draws noise.
 *
 * <p>Settings, with diffusers' names and defaults (those of the builder):
 *
 * <ul>
 *   <li>{@code solver_order} (2): 1 to 3 (upstream's recommendation: 2 for guided sampling, 3 for
 *       unconditional).
 *   <li>{@code solver_type} ({@link SolverType#BH2}) or {@link SolverType#BH1}: {@code B(h) = e^h -
 *       1} or {@code h} (section 3.3 of the paper).
 *   <li>{@code lower_order_final} (true): the last steps lower the order to the steps left.
 *   <li>{@code disable_corrector} (none): step indices whose following step skips the corrector.
 *   <li>{@code use_karras_sigmas} (false): the sigmas of Karras et al. (2022), {@code rho = 7},
 *       between the first and last training sigma, timesteps rounded.
 *   <li>{@code timestep_spacing} ({@link TimestepSpacing#LINSPACE}) and {@code steps_offset} (0).
 *   <li>{@code thresholding} (off; {@link Thresholding}) of each data prediction.
 * </ul>
 *
 * <p>As upstream, the last step ends at the sigma of the first training timestep, not at 0 ({@link
 * Run#finalTimestep()}). A learned-variance model's variance channels are dropped, as {@code
 * IFPipeline} splits them off before its scheduler. Not supported: {@code predict_x0=False}, {@code
 * solver_p}, other prediction types.
 *
 * <p>A "3" from part B's class-conditioned UNet in 10 steps, with classifier-free guidance:
 *
 * <pre>{@code
 * Scheduler unipc = UniPCMultistepScheduler.builder(NoiseSchedule.mnist()).build();
 * Scheduler.Run run = unipc.setTimesteps(10);
 * Tensor x = NoiseSource.seeded(7).next(1, 1, 28, 28);   // init_noise_sigma is 1
 * for (int t : run.timesteps()) {
 *   Tensor eps = guidedNoise(x, t);                       // the model's (guided) noise estimate
 *   x = run.step(eps, t, x, null).prevSample();
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe; each {@link Run} holds the data predictions of its own steps and is
 * for one thread.
 */
public final class UniPCMultistepScheduler implements Scheduler {

  /** The largest {@code solver_order} offered. */
  public static final int MAX_ORDER = 3;

  /** {@code B(h)}, diffusers' {@code solver_type}. */
  public enum SolverType {
    /** {@code bh1}: {@code B(h) = h}, upstream's choice for unconditional sampling, few steps. */
    BH1,
    /** {@code bh2}: {@code B(h) = e^h - 1}, diffusers' default. */
    BH2;

    /**
     * Returns the type of a diffusers {@code solver_type} string.
     *
     * @param name {@code bh1} or {@code bh2}
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
          "unknown solver_type '" + name + "'; supported: [bh1, bh2]");
    }
  }

  private final NoiseSchedule schedule;
  private final int solverOrder;
  private final SolverType solverType;
  private final boolean lowerOrderFinal;
  private final int[] disableCorrector;
  private final boolean useKarrasSigmas;
  private final TimestepSpacing timestepSpacing;
  private final int stepsOffset;
  private final Thresholding thresholding;

  // diffusers' indexing: the library's timestep is the index plus offset
  private final int offset;
  private final int numTrainTimesteps;
  private final float[] sigmas; // ((1 - abar) / abar) ** 0.5 per training timestep
  private final float[] logSigmas;

  private UniPCMultistepScheduler(Builder b) {
    this.schedule = b.schedule;
    this.solverOrder = b.solverOrder;
    this.solverType = b.solverType;
    this.lowerOrderFinal = b.lowerOrderFinal;
    this.disableCorrector = b.disableCorrector.clone();
    this.useKarrasSigmas = b.useKarrasSigmas;
    this.timestepSpacing = b.timestepSpacing;
    this.stepsOffset = b.stepsOffset;
    this.thresholding = b.thresholding;
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
        .solverOrder(solverOrder)
        .solverType(solverType)
        .lowerOrderFinal(lowerOrderFinal)
        .disableCorrector(disableCorrector)
        .useKarrasSigmas(useKarrasSigmas)
        .timestepSpacing(timestepSpacing)
        .stepsOffset(stepsOffset)
        .thresholding(thresholding);
  }

  /**
   * Collects the settings of a {@link UniPCMultistepScheduler}; each setter checks its argument at
   * once.
   */
  public static final class Builder {
    private final NoiseSchedule schedule;
    private int solverOrder = 2;
    private SolverType solverType = SolverType.BH2;
    private boolean lowerOrderFinal = true;
    private int[] disableCorrector = new int[0];
    private boolean useKarrasSigmas = false;
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
     * Sets {@code solver_order} (default 2).
     *
     * @param solverOrder 1 to {@link #MAX_ORDER}
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
     * Sets {@code solver_type} (default {@link SolverType#BH2}).
     *
     * @param solverType {@code B(h)}
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
     * Sets {@code lower_order_final} (default true).
     *
     * @param lowerOrderFinal the setting
     * @return this builder
     */
    public Builder lowerOrderFinal(boolean lowerOrderFinal) {
      this.lowerOrderFinal = lowerOrderFinal;
      return this;
    }

    /**
     * Sets {@code disable_corrector} (default none): the step after each listed step index skips
     * the corrector (upstream advises it for large guidance at the first steps).
     *
     * @param stepIndices step indices, each at least 0; not modified
     * @return this builder
     * @throws IllegalArgumentException if it is null or holds a negative index
     */
    public Builder disableCorrector(int... stepIndices) {
      if (stepIndices == null) {
        throw new IllegalArgumentException("disableCorrector must not be null");
      }
      for (int i : stepIndices) {
        if (i < 0) {
          throw new IllegalArgumentException(
              "disableCorrector indices must be >= 0, but hold: " + i);
        }
      }
      this.disableCorrector = stepIndices.clone();
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
     * Sets dynamic thresholding of each data prediction. Off by default.
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
     */
    public UniPCMultistepScheduler build() {
      return new UniPCMultistepScheduler(this);
    }
  }

  // Copied from dev.diffusion4j.schedule.DDIMScheduler#schedule
  @Override
  public NoiseSchedule schedule() {
    return schedule;
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
   * @return {@code B(h)}
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
   * Returns {@code disable_corrector}.
   *
   * @return a copy of the step indices
   */
  public int[] disableCorrector() {
    return disableCorrector.clone();
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
   * <p>diffusers' {@code set_timesteps}: the timesteps of the spacing (as {@link
   * DPMSolverMultistepScheduler}'s without clipping) and their training sigmas, then the sigma of
   * the first training timestep; with Karras sigmas, {@code n} of them from the last training sigma
   * to the first, their timesteps by {@code _sigma_to_t} rounded, then the last sigma again. A last
   * timestep of -1 from numpy's {@code arange} (trailing with {@code T / n} not whole) is kept as
   * upstream keeps it: it is {@link #cleanTimestep()} here, at the sigma of timestep 0, and the run
   * has {@code n + 1} steps.
   *
   * @throws IllegalArgumentException if {@code numInferenceSteps} is not in {@code [1, T]}, or if
   *     the leading offset pushes a timestep past the schedule
   */
  @Override
  public Run setTimesteps(int numInferenceSteps) {
    SchedulerSupport.checkNumInferenceSteps(numInferenceSteps, numTrainTimesteps);
    int n = numInferenceSteps;
    int[] timesteps;
    float[] runSigmas;
    if (useKarrasSigmas) {
      // 1a. Karras sigmas from sigma_max to sigma_min, timesteps = round(_sigma_to_t)
      double[] karras = SchedulerSupport.karras(sigmas[0], sigmas[numTrainTimesteps - 1], n);
      timesteps = new int[n];
      runSigmas = new float[n + 1];
      for (int i = 0; i < n; i++) {
        timesteps[i] = (int) Math.rint(SchedulerSupport.sigmaToT(karras[i], logSigmas));
        runSigmas[i] = (float) karras[i];
      }
      runSigmas[n] = runSigmas[n - 1];
    } else {
      // 1b. the spacing's timesteps, sigmas = interp(timesteps, arange(T), sigmas) + [sigma_0]
      timesteps =
          SchedulerSupport.multistepTimesteps(
              timestepSpacing, numTrainTimesteps, numTrainTimesteps, n, stepsOffset);
      SchedulerSupport.checkWithinSchedule(timesteps, stepsOffset, numTrainTimesteps);
      runSigmas = new float[timesteps.length + 1];
      for (int i = 0; i < timesteps.length; i++) {
        runSigmas[i] = (float) SchedulerSupport.interp(timesteps[i], sigmas);
      }
      runSigmas[timesteps.length] = sigmas[0];
    }
    return new UniPCRun(SchedulerSupport.toLibrary(timesteps, offset), runSigmas);
  }

  /**
   * {@inheritDoc}
   *
   * <p>As upstream, from the timestep's sigma: {@code alpha_t = 1 / sqrt(sigma^2 + 1)}, {@code
   * sigma_t = sigma * alpha_t}, with the training timestep's own sigma.
   */
  @Override
  public Tensor addNoise(Tensor originalSamples, Tensor noise, int timestep) {
    return SchedulerSupport.addAlphaSigmaNoise(originalSamples, noise, timestep, offset, sigmas);
  }

  /** The state of one run: the step index, the last data predictions, the corrector's sample. */
  private final class UniPCRun extends ListRun {
    private final float[] sigmas;
    private final Tensor[] modelOutputs = new Tensor[solverOrder];
    private Tensor lastSample;
    private int thisOrder;
    private int lowerOrderNums = 0;
    private int stepIndex = -1;

    UniPCRun(int[] timesteps, float[] sigmas) {
      super(timesteps, offset);
      this.sigmas = sigmas;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The clean estimate returned is the data prediction the step keeps (upstream's {@code
     * model_outputs[-1]}); {@code prevSample} is the predictor's sample, which the next step
     * corrects. The {@code noise} is not used.
     */
    @Override
    public SchedulerOutput step(
        Tensor modelOutput, int timestep, Tensor sample, NoiseSource noise) {
      Tensor eps = SchedulerSupport.noisePrediction(modelOutput, sample);
      stepIndex = SchedulerSupport.stepIndex(timesteps, stepIndex, timestep);

      // 1. convert the model output to the data prediction x0 = (x - sigma_t eps) / alpha_t
      Tensor x0Pred = convertModelOutput(eps, sample);

      // 2. correct the sample the last step predicted (UniC), unless disabled after that step
      boolean useCorrector = stepIndex > 0 && !disabledAfter(stepIndex - 1) && lastSample != null;
      if (useCorrector) {
        sample = correctorUpdate(x0Pred, lastSample, sample, thisOrder);
      }

      // 3. keep the last solver_order data predictions
      for (int i = 0; i < solverOrder - 1; i++) {
        modelOutputs[i] = modelOutputs[i + 1];
      }
      modelOutputs[solverOrder - 1] = x0Pred;

      // 4. the order of this step: warm up at the start, lower it for the last steps
      int order =
          lowerOrderFinal ? Math.min(solverOrder, timesteps.length - stepIndex) : solverOrder;
      thisOrder = Math.min(order, lowerOrderNums + 1);
      lastSample = sample;

      // 5. predict the next sample (UniP)
      Tensor prevSample = predictorUpdate(sample, thisOrder);
      if (lowerOrderNums < solverOrder) {
        lowerOrderNums++;
      }

      // 6. upon completion increase the step index by one
      stepIndex++;
      return new SchedulerOutput(prevSample, x0Pred);
    }

    private boolean disabledAfter(int index) {
      for (int i : disableCorrector) {
        if (i == index) {
          return true;
        }
      }
      return false;
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
     * UniP-p with {@code B(h)} (upstream's {@code multistep_uni_p_bh_update}): {@code x_t =
     * (sigma_t / sigma_s0) x - alpha_t h_phi_1 m0 - alpha_t B(h) sum_k rho_k D1_k}, {@code D1_k =
     * (m_k - m0) / r_k}, the {@code rho} solving {@code R rho = b} (0.5 at order 2).
     */
    private Tensor predictorUpdate(Tensor x, int order) {
      float[] t = sigmaToAlphaSigmaT(sigmas[stepIndex + 1]);
      float[] s0 = sigmaToAlphaSigmaT(sigmas[stepIndex]);
      float[] rks = new float[order];
      float[][] d1s = new float[order - 1][];
      float h = lambda(t) - lambda(s0);
      float[] m0 = modelOutputs[solverOrder - 1].data();
      for (int i = 1; i < order; i++) {
        float lambdaSi = lambda(sigmaToAlphaSigmaT(sigmas[stepIndex - i]));
        rks[i - 1] = (lambdaSi - lambda(s0)) / h;
        d1s[i - 1] = differences(modelOutputs[solverOrder - 1 - i].data(), m0, rks[i - 1]);
      }
      rks[order - 1] = 1f;
      Coefficients c = coefficients(h, rks, order);
      float[] rhos = null;
      if (order >= 2) {
        rhos = order == 2 ? new float[] {0.5f} : solve(c.r, c.b, order - 1);
      }
      return update(x.data(), t, s0, c, m0, d1s, rhos, null, 0f, x.shape());
    }

    /**
     * UniC with {@code B(h)} (upstream's {@code multistep_uni_c_bh_update}): as the predictor from
     * the last sample, plus {@code rho_c[-1] (m_t - m0)}, {@code rho_c} solving {@code R rho = b}
     * (0.5 at order 1).
     */
    private Tensor correctorUpdate(Tensor modelT, Tensor last, Tensor thisSample, int order) {
      float[] t = sigmaToAlphaSigmaT(sigmas[stepIndex]);
      float[] s0 = sigmaToAlphaSigmaT(sigmas[stepIndex - 1]);
      float[] rks = new float[order];
      float[][] d1s = new float[order - 1][];
      float h = lambda(t) - lambda(s0);
      float[] m0 = modelOutputs[solverOrder - 1].data();
      for (int i = 1; i < order; i++) {
        float lambdaSi = lambda(sigmaToAlphaSigmaT(sigmas[stepIndex - (i + 1)]));
        rks[i - 1] = (lambdaSi - lambda(s0)) / h;
        d1s[i - 1] = differences(modelOutputs[solverOrder - 1 - i].data(), m0, rks[i - 1]);
      }
      rks[order - 1] = 1f;
      Coefficients c = coefficients(h, rks, order);
      float[] rhos = order == 1 ? new float[] {0.5f} : solve(c.r, c.b, order);
      float[] mt = modelT.data();
      float[] d1t = new float[mt.length];
      for (int i = 0; i < mt.length; i++) {
        d1t[i] = mt[i] - m0[i];
      }
      return update(
          last.data(),
          t,
          s0,
          c,
          m0,
          d1s,
          Arrays.copyOf(rhos, order - 1),
          d1t,
          rhos[order - 1],
          thisSample.shape());
    }

    /** {@code (mi - m0) / rk} element-wise. */
    private float[] differences(float[] mi, float[] m0, float rk) {
      float[] d = new float[m0.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = (mi[i] - m0[i]) / rk;
      }
      return d;
    }

    /**
     * {@code x_t_ - alpha_t B(h) (sum_k rho_k D1_k [+ rho_t D1_t])}, {@code x_t_ = (sigma_t /
     * sigma_s0) x - alpha_t h_phi_1 m0}.
     */
    private Tensor update(
        float[] x,
        float[] t,
        float[] s0,
        Coefficients c,
        float[] m0,
        float[][] d1s,
        float[] rhos,
        float[] d1t,
        float rhoT,
        int[] shape) {
      float sampleCoeff = t[1] / s0[1];
      float m0Coeff = t[0] * c.hPhi1;
      float resCoeff = t[0] * c.bH;
      int k = rhos == null ? 0 : rhos.length;
      float[] out = new float[x.length];
      for (int i = 0; i < out.length; i++) {
        float xt = sampleCoeff * x[i] - m0Coeff * m0[i];
        float res = 0f;
        for (int j = 0; j < k; j++) {
          res = j == 0 ? rhos[0] * d1s[0][i] : res + rhos[j] * d1s[j][i];
        }
        if (d1t != null) {
          res = res + rhoT * d1t[i];
        }
        out[i] = k == 0 && d1t == null ? xt : xt - resCoeff * res;
      }
      return Tensor.wrap(out, shape);
    }
  }

  /** {@code h_phi_1 = expm1(hh)}, {@code B(h)}, {@code R[i][k] = rks[k] ** i}, {@code b}. */
  private record Coefficients(float hPhi1, float bH, float[][] r, float[] b) {}

  private Coefficients coefficients(float h, float[] rks, int order) {
    float hh = -h; // predict_x0
    float hPhi1 = (float) Math.expm1(hh);
    float hPhiK = hPhi1 / hh - 1f;
    long factorialI = 1;
    float bH = solverType == SolverType.BH1 ? hh : (float) Math.expm1(hh);
    float[][] r = new float[order][order];
    float[] b = new float[order];
    for (int i = 1; i <= order; i++) {
      for (int k = 0; k < order; k++) {
        r[i - 1][k] = power(rks[k], i - 1);
      }
      b[i - 1] = hPhiK * factorialI / bH;
      factorialI *= i + 1;
      hPhiK = hPhiK / hh - (float) (1.0 / factorialI);
    }
    return new Coefficients(hPhi1, bH, r, b);
  }

  private static float power(float x, int e) {
    float p = 1f;
    for (int i = 0; i < e; i++) {
      p *= x;
    }
    return p;
  }

  /**
   * Solves the leading {@code m x m} block of {@code r rho = b} in float32 by Gaussian elimination
   * with partial pivoting, as {@code torch.linalg.solve}'s LAPACK {@code sgesv} does.
   */
  private static float[] solve(float[][] r, float[] b, int m) {
    float[][] a = new float[m][m + 1];
    for (int i = 0; i < m; i++) {
      System.arraycopy(r[i], 0, a[i], 0, m);
      a[i][m] = b[i];
    }
    for (int col = 0; col < m; col++) {
      int pivot = col;
      for (int row = col + 1; row < m; row++) {
        if (Math.abs(a[row][col]) > Math.abs(a[pivot][col])) {
          pivot = row;
        }
      }
      float[] tmp = a[col];
      a[col] = a[pivot];
      a[pivot] = tmp;
      for (int row = col + 1; row < m; row++) {
        float f = a[row][col] / a[col][col];
        for (int j = col; j <= m; j++) {
          a[row][j] -= f * a[col][j];
        }
      }
    }
    float[] x = new float[m];
    for (int i = m - 1; i >= 0; i--) {
      float s = a[i][m];
      for (int j = i + 1; j < m; j++) {
        s -= a[i][j] * x[j];
      }
      x[i] = s / a[i][i];
    }
    return x;
  }

  @Override
  public String toString() {
    return "UniPCMultistepScheduler["
        + schedule
        + ", order "
        + solverOrder
        + ", "
        + solverType
        + ", "
        + timestepSpacing
        + (useKarrasSigmas ? ", Karras sigmas" : "")
        + "]";
  }
}
