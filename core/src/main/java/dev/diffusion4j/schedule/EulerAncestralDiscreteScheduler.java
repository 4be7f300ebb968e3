package dev.diffusion4j.schedule;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;

/**
 * The ancestral Euler sampler of Karras et al. (2022), "Elucidating the Design Space of
 * Diffusion-Based Generative Models" (Algorithm 2 with ancestral noise, after k-diffusion's {@code
 * sample_euler_ancestral}), as diffusers' {@code EulerAncestralDiscreteScheduler} (v0.27.2, {@code
 * schedulers/scheduling_euler_ancestral_discrete.py}) computes it with {@code
 * prediction_type="epsilon"}, in the same float32 operations and order. It works on the
 * sigma-scaled sample {@code x = x0 + sigma * noise}: each step takes an Euler step of the
 * probability-flow ODE down to {@code sigma_down} and adds fresh noise of {@code sigma_up}, so that
 * the step lands at the next sigma. Stochastic: every step draws one noise tensor.
 *
 * <p>Settings, with diffusers' names and defaults (those of the builder):
 *
 * <ul>
 *   <li>{@code timestep_spacing} ({@link TimestepSpacing#LINSPACE}) and {@code steps_offset} (0).
 *   <li>{@code beta_schedule}: that of the {@link NoiseSchedule} ({@code linear} or {@code
 *       squaredcos_cap_v2}); {@code sigmas = ((1 - abar) / abar) ** 0.5}.
 * </ul>
 *
 * <p>Not supported: other prediction types, {@code rescale_betas_zero_snr}. diffusers v0.27.2 does
 * not offer Karras sigmas for this scheduler.
 *
 * <p>Timesteps. Upstream's timesteps are floats; {@code linspace} makes them fractional. The step
 * math uses upstream's sigmas exactly (interpolated at the fractional timesteps); {@link
 * Run#timesteps()}, which the model is called with, holds them rounded to the nearest integer (half
 * to even), at most half a training timestep from upstream's. {@code leading} and {@code trailing}
 * give whole timesteps, identical to upstream's.
 *
 * <p>The loop starts from {@code x_T = noise * initNoiseSigma()} and calls the model on {@link
 * Run#scaleModelInput} ({@code x / sqrt(sigma^2 + 1)}, the variance-preserving sample the model was
 * trained on):
 *
 * <pre>{@code
 * Scheduler euler = EulerAncestralDiscreteScheduler.builder(NoiseSchedule.mnist()).build();
 * Scheduler.Run run = euler.setTimesteps(20);
 * NoiseSource noise = NoiseSource.seeded(7);
 * Tensor x = noise.next(1, 1, 28, 28).mul((float) run.initNoiseSigma());
 * for (int t : run.timesteps()) {
 *   Tensor eps = model.predict(run.scaleModelInput(x, t), t);
 *   x = run.step(eps, t, x, noise).prevSample();
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe; each {@link Run} is for one thread.
 */
public final class EulerAncestralDiscreteScheduler implements Scheduler {

  private final NoiseSchedule schedule;
  private final TimestepSpacing timestepSpacing;
  private final int stepsOffset;

  // diffusers' indexing: the library's timestep is the index plus offset
  private final int offset;
  private final int numTrainTimesteps;
  private final float[] sigmas; // ((1 - abar) / abar) ** 0.5 per training timestep

  private EulerAncestralDiscreteScheduler(Builder b) {
    this.schedule = b.schedule;
    this.timestepSpacing = b.timestepSpacing;
    this.stepsOffset = b.stepsOffset;
    this.offset = SchedulerSupport.offset(schedule);
    this.numTrainTimesteps = schedule.numTrainTimesteps();
    this.sigmas = SchedulerSupport.sigmas(SchedulerSupport.alphasCumprod(schedule));
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
    return new Builder(schedule).timestepSpacing(timestepSpacing).stepsOffset(stepsOffset);
  }

  /**
   * Collects the settings of an {@link EulerAncestralDiscreteScheduler}; each setter checks its
   * argument at once.
   */
  public static final class Builder {
    private final NoiseSchedule schedule;
    private TimestepSpacing timestepSpacing = TimestepSpacing.LINSPACE;
    private int stepsOffset = 0;

    private Builder(NoiseSchedule schedule) {
      if (schedule == null) {
        throw new IllegalArgumentException("schedule must not be null");
      }
      this.schedule = schedule;
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
    public EulerAncestralDiscreteScheduler build() {
      return new EulerAncestralDiscreteScheduler(this);
    }
  }

  // Copied from dev.diffusion4j.schedule.DDIMScheduler#schedule
  @Override
  public NoiseSchedule schedule() {
    return schedule;
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
   * <p>diffusers' {@code set_timesteps}: the timesteps of the spacing ({@code linspace(0, T - 1,
   * n)} reversed; {@code i * (T // n) + steps_offset}; or {@code arange(T, 0, -T / n).round() -
   * 1}), their sigmas by {@code np.interp} over the training sigmas, then a final sigma of 0. Where
   * numpy's {@code arange} adds a last timestep of -1 (trailing with {@code T / n} not whole, e.g.
   * T = 300 and n = 7), the run keeps it as upstream does, at the sigma of timestep 0 and the
   * library timestep {@link #cleanTimestep()}: {@code n + 1} steps.
   *
   * @throws IllegalArgumentException if {@code numInferenceSteps} is not in {@code [1, T]}, or if
   *     the leading offset pushes a timestep past the schedule
   */
  @Override
  public Run setTimesteps(int numInferenceSteps) {
    SchedulerSupport.checkNumInferenceSteps(numInferenceSteps, numTrainTimesteps);
    // 1. timesteps of the spacing, in diffusers' indexing (float32)
    float[] timesteps =
        SchedulerSupport.discreteTimesteps(
            timestepSpacing, numTrainTimesteps, numInferenceSteps, stepsOffset);
    // 2. sigmas = interp(timesteps, arange(T), sigmas) + [0.0], float32
    SchedulerSupport.checkWithinSchedule(timesteps, stepsOffset, numTrainTimesteps);
    float[] runSigmas = new float[timesteps.length + 1];
    int[] library = new int[timesteps.length];
    for (int i = 0; i < timesteps.length; i++) {
      runSigmas[i] = (float) SchedulerSupport.interp(timesteps[i], sigmas);
      library[i] = (int) Math.rint(timesteps[i]) + offset;
    }
    runSigmas[timesteps.length] = 0f;
    // 3. init_noise_sigma: max(sigmas), or (max(sigmas) ** 2 + 1) ** 0.5 for leading
    return new EulerAncestralRun(
        library, runSigmas, SigmaRun.initNoiseSigma(runSigmas, timestepSpacing));
  }

  /**
   * {@inheritDoc}
   *
   * <p>As upstream, on the sigma-scaled sample: {@code x_t = x0 + sigma_t * noise}, with the sigma
   * of the training timestep (upstream looks it up in the run's list, where a whole timestep has
   * the same sigma).
   */
  @Override
  public Tensor addNoise(Tensor originalSamples, Tensor noise, int timestep) {
    return SchedulerSupport.addSigmaNoise(originalSamples, noise, timestep, offset, sigmas);
  }

  /** The state of one run: its sigmas and the step index ({@link SigmaRun}). */
  private final class EulerAncestralRun extends SigmaRun {

    EulerAncestralRun(int[] timesteps, float[] sigmas, float initNoiseSigma) {
      super(timesteps, cleanTimestep(), sigmas, initNoiseSigma);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code modelOutput} is the model's estimate for {@link #scaleModelInput} of {@code
     * sample}; {@code sample} is the sigma-scaled one. The {@code noise} gives one tensor each
     * step, the last included (where it is multiplied by 0), as upstream draws it.
     *
     * @throws IllegalArgumentException also if {@code noise} is null
     */
    @Override
    public SchedulerOutput step(
        Tensor modelOutput, int timestep, Tensor sample, NoiseSource noise) {
      Tensor eps = SchedulerSupport.noisePrediction(modelOutput, sample);
      if (noise == null) {
        throw new IllegalArgumentException(
            "noise must not be null: Euler Ancestral draws noise at every step");
      }
      stepIndex = SchedulerSupport.stepIndex(timesteps, stepIndex, timestep);
      float sigma = sigmas[stepIndex];
      float[] x = sample.data();
      float[] e = eps.data();

      // 1. compute the predicted original sample x0 = x - sigma * eps
      float[] pred = SigmaRun.predOriginalSample(x, e, sigma);

      // 2. split the step: sigma_up = (s_to^2 (s_from^2 - s_to^2) / s_from^2) ** 0.5, sigma_down =
      //    (s_to^2 - sigma_up^2) ** 0.5
      float sigmaFrom = sigmas[stepIndex];
      float sigmaTo = sigmas[stepIndex + 1];
      float sigmaUp =
          (float)
              Math.sqrt(
                  sigmaTo
                      * sigmaTo
                      * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
                      / (sigmaFrom * sigmaFrom));
      float sigmaDown = (float) Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);

      // 3. an Euler step of the ODE, derivative = (x - x0) / sigma, dt = sigma_down - sigma
      float dt = sigmaDown - sigma;
      Tensor z = noise.next(sample.shape());
      sample.requireSameShape(z, "the noise source's tensor");
      float[] zd = z.data();
      float[] out = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        float derivative = (x[i] - pred[i]) / sigma;
        float prev = x[i] + derivative * dt;
        // 4. add the ancestral noise
        out[i] = prev + zd[i] * sigmaUp;
      }

      // 5. upon completion increase the step index by one
      stepIndex++;
      return new SchedulerOutput(
          Tensor.wrap(out, sample.shape()), Tensor.wrap(pred, sample.shape()));
    }
  }

  @Override
  public String toString() {
    return "EulerAncestralDiscreteScheduler[" + schedule + ", " + timestepSpacing + "]";
  }
}
