package dev.diffusion4j.schedule;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler.Thresholding;
import dev.diffusion4j.tensor.Tensor;
import java.util.Arrays;

/**
 * The denoising diffusion implicit model sampler of Song et al. (2021), "Denoising Diffusion
 * Implicit Models", as diffusers' {@code DDIMScheduler} (v0.27.2, {@code
 * schedulers/scheduling_ddim.py}) computes it, in the same float32 operations and order, for a
 * model that predicts the noise ({@code prediction_type="epsilon"}).
 *
 * <p>Settings, with diffusers' names and defaults (those of the builder):
 *
 * <ul>
 *   <li>{@code eta} (a {@code step} argument in diffusers, 0): the weight of the noise of each
 *       step, from 0 (deterministic DDIM) to 1 (DDPM's posterior variance); formula 16 of the
 *       paper.
 *   <li>{@code timestep_spacing} ({@link TimestepSpacing#LEADING}) and {@code steps_offset} (0).
 *   <li>{@code set_alpha_to_one} (true): the last step ends at {@code abar = 1} rather than at
 *       {@code alphas_cumprod[0]}.
 *   <li>{@code clip_sample} (true) and {@code clip_sample_range} (1.0): clamp {@code x0_hat};
 *       ignored when thresholding is on.
 *   <li>{@code thresholding} (off), {@code dynamic_thresholding_ratio} and {@code sample_max_value}
 *       ({@link Thresholding}): Imagen's dynamic thresholding of {@code x0_hat}.
 *   <li>{@code use_clipped_model_output} (a {@code step} argument, false): recompute the noise from
 *       the clipped {@code x0_hat}.
 * </ul>
 *
 * <p>As upstream, each step goes from {@code t} to {@code t - T / n} (integer division) whatever
 * the spacing; a step that would end before the first training timestep ends at the final {@code
 * abar} instead (1, the clean image, with {@code set_alpha_to_one}), and {@link
 * Run#finalTimestep()} says where the last one ends. Not supported: {@code prediction_type} {@code
 * sample} and {@code v_prediction}, {@code rescale_betas_zero_snr}.
 *
 * <p>Twenty deterministic steps of part B's time-conditioned UNet (the first of them at part B's
 * {@code t = 300}, the last ending at its clean image):
 *
 * <pre>{@code
 * try (MnistUNet unet = MnistUNet.timeConditioned(Path.of("testdata/models/mnist/time60k-epoch20.onnx"))) {
 *   DDIMScheduler ddim = DDIMScheduler.builder(NoiseSchedule.mnist())
 *       .timestepSpacing(TimestepSpacing.TRAILING)   // 300, 285, ..., 15
 *       .clipSample(false)                           // part B's images are in [0, 1]
 *       .build();
 *   Scheduler.Run run = ddim.setTimesteps(20);
 *   NoiseSource noise = NoiseSource.seeded(7);
 *   Tensor x = noise.next(4, 1, 28, 28);
 *   for (int t : run.timesteps()) {
 *     Tensor eps = unet.predict(x, new int[] {t, t, t, t}, null).noise();
 *     x = run.step(eps, t, x, noise).prevSample();
 *   }
 *   Images.write(x, 0, ValueRange.ZERO_TO_ONE, Path.of("digit.png"));
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe; each {@link Run} is for one thread.
 */
public final class DDIMScheduler implements Scheduler {

  /** diffusers' default {@code clip_sample_range}. */
  public static final double DEFAULT_CLIP_SAMPLE_RANGE = 1.0;

  private final NoiseSchedule schedule;
  private final double eta;
  private final TimestepSpacing timestepSpacing;
  private final int stepsOffset;
  private final boolean setAlphaToOne;
  private final boolean clipSample;
  private final double clipSampleRange;
  private final Thresholding thresholding;
  private final boolean useClippedModelOutput;

  // diffusers' indexing: alphasCumprod[0] belongs to the first noisy timestep; the library's
  // timestep is that index plus offset (1 for part B's linear schedule, 0 for the cosine one)
  private final int offset;
  private final int numTrainTimesteps;
  private final float[] alphasCumprod;
  private final float finalAlphaCumprod;

  private DDIMScheduler(Builder b) {
    this.schedule = b.schedule;
    this.eta = b.eta;
    this.timestepSpacing = b.timestepSpacing;
    this.stepsOffset = b.stepsOffset;
    this.setAlphaToOne = b.setAlphaToOne;
    this.clipSample = b.clipSample;
    this.clipSampleRange = b.clipSampleRange;
    this.thresholding = b.thresholding;
    this.useClippedModelOutput = b.useClippedModelOutput;
    this.offset = SchedulerSupport.offset(schedule);
    this.numTrainTimesteps = schedule.numTrainTimesteps();
    this.alphasCumprod =
        Arrays.copyOfRange(schedule.alphasCumprod(), offset, offset + numTrainTimesteps);
    this.finalAlphaCumprod = setAlphaToOne ? 1f : alphasCumprod[0];
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
    b.eta = eta;
    b.timestepSpacing = timestepSpacing;
    b.stepsOffset = stepsOffset;
    b.setAlphaToOne = setAlphaToOne;
    b.clipSample = clipSample;
    b.clipSampleRange = clipSampleRange;
    b.thresholding = thresholding;
    b.useClippedModelOutput = useClippedModelOutput;
    return b;
  }

  /** Collects the settings of a {@link DDIMScheduler}; each setter checks its argument at once. */
  public static final class Builder {
    private final NoiseSchedule schedule;
    private double eta = 0.0;
    private TimestepSpacing timestepSpacing = TimestepSpacing.LEADING;
    private int stepsOffset = 0;
    private boolean setAlphaToOne = true;
    private boolean clipSample = true;
    private double clipSampleRange = DEFAULT_CLIP_SAMPLE_RANGE;
    private Thresholding thresholding;
    private boolean useClippedModelOutput = false;

    private Builder(NoiseSchedule schedule) {
      if (schedule == null) {
        throw new IllegalArgumentException("schedule must not be null");
      }
      this.schedule = schedule;
    }

    /**
     * Sets {@code eta}, the weight of each step's noise (default 0, deterministic).
     *
     * @param eta in [0, 1] usually; any value {@code >= 0} is accepted as upstream does
     * @return this builder
     * @throws IllegalArgumentException if {@code eta} is negative or not finite
     */
    public Builder eta(double eta) {
      if (!(eta >= 0 && Double.isFinite(eta))) {
        throw new IllegalArgumentException("eta must be >= 0 and finite, but is: " + eta);
      }
      this.eta = eta;
      return this;
    }

    /**
     * Sets {@code timestep_spacing} (default {@link TimestepSpacing#LEADING}).
     *
     * @param timestepSpacing the spacing
     * @return this builder
     * @throws IllegalArgumentException if it is null
     */
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
     * Sets {@code set_alpha_to_one} (default true): whether the last step ends at {@code abar = 1}
     * or at the first noisy timestep's {@code abar}.
     *
     * @param setAlphaToOne the setting
     * @return this builder
     */
    public Builder setAlphaToOne(boolean setAlphaToOne) {
      this.setAlphaToOne = setAlphaToOne;
      return this;
    }

    /**
     * Sets {@code clip_sample} (default true): clamp {@code x0_hat} to {@code [-clipSampleRange,
     * clipSampleRange]} when thresholding is off.
     *
     * @param clipSample the setting
     * @return this builder
     */
    public Builder clipSample(boolean clipSample) {
      this.clipSample = clipSample;
      return this;
    }

    /**
     * Sets {@code clip_sample_range} (default {@value DDIMScheduler#DEFAULT_CLIP_SAMPLE_RANGE}).
     *
     * @param clipSampleRange greater than 0
     * @return this builder
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder clipSampleRange(double clipSampleRange) {
      if (!(clipSampleRange > 0)) {
        throw new IllegalArgumentException(
            "clipSampleRange must be > 0, but is: " + clipSampleRange);
      }
      this.clipSampleRange = clipSampleRange;
      return this;
    }

    /**
     * Sets dynamic thresholding ({@code thresholding}, {@code dynamic_thresholding_ratio}, {@code
     * sample_max_value}); it takes precedence over clipping. Off by default.
     *
     * @param thresholding the settings, or {@code null} for none
     * @return this builder
     */
    public Builder thresholding(Thresholding thresholding) {
      this.thresholding = thresholding;
      return this;
    }

    /**
     * Sets {@code use_clipped_model_output} (default false): whether the direction to {@code x_t}
     * uses the noise recomputed from the clipped or thresholded {@code x0_hat}.
     *
     * @param useClippedModelOutput the setting
     * @return this builder
     */
    public Builder useClippedModelOutput(boolean useClippedModelOutput) {
      this.useClippedModelOutput = useClippedModelOutput;
      return this;
    }

    /**
     * Freezes the settings.
     *
     * @return the scheduler
     */
    public DDIMScheduler build() {
      return new DDIMScheduler(this);
    }
  }

  @Override
  public NoiseSchedule schedule() {
    return schedule;
  }

  /**
   * Returns {@code eta}.
   *
   * @return the noise weight
   */
  public double eta() {
    return eta;
  }

  /**
   * Returns {@code timestep_spacing}.
   *
   * @return the spacing
   */
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
   * Returns {@code set_alpha_to_one}.
   *
   * @return the setting
   */
  public boolean setAlphaToOne() {
    return setAlphaToOne;
  }

  /**
   * Returns {@code clip_sample}.
   *
   * @return whether {@code x0_hat} is clamped (when thresholding is off)
   */
  public boolean clipSample() {
    return clipSample;
  }

  /**
   * Returns {@code clip_sample_range}.
   *
   * @return the clamp bound
   */
  public double clipSampleRange() {
    return clipSampleRange;
  }

  /**
   * Returns the thresholding settings.
   *
   * @return the settings, or {@code null} when off
   */
  public Thresholding thresholding() {
    return thresholding;
  }

  /**
   * Returns {@code use_clipped_model_output}.
   *
   * @return the setting
   */
  public boolean useClippedModelOutput() {
    return useClippedModelOutput;
  }

  @Override
  public int cleanTimestep() {
    return offset - 1;
  }

  /**
   * {@inheritDoc}
   *
   * <p>diffusers' {@code set_timesteps}, with {@code T} the training timesteps and {@code n} the
   * count: {@code linspace} rounds {@code linspace(0, T - 1, n)}; {@code leading} takes {@code i *
   * (T / n) + steps_offset}; {@code trailing} rounds {@code arange(T, 0, -T / n) - 1} (all
   * descending, numpy's float64 arithmetic and round-half-to-even).
   *
   * <p>Trailing spacing where {@code T / n} is not a whole number: numpy's {@code arange} can yield
   * one entry too many, a last timestep of -1 (diffusers' list for 7, 14, 28, 55, 56, 110, 112,
   * 127, 213, 220, 224, 247, 254 and 291 steps on MNIST's 300; diffusers then reads {@code
   * alphas_cumprod[-1]}, its noisiest). That extra entry is dropped, so that the run has the {@code
   * n} steps asked for, the other {@code n} timesteps being diffusers' own.
   *
   * @throws IllegalArgumentException if {@code numInferenceSteps} is not in {@code [1, T]}, if
   *     upstream's list would hold another timestep outside the schedule, or if {@code eta} is so
   *     large that a step of this run would be NaN (its noise variance exceeds {@code 1 -
   *     abar_t-1}; never for {@code eta <= 1})
   */
  @Override
  public Run setTimesteps(int numInferenceSteps) {
    SchedulerSupport.checkNumInferenceSteps(numInferenceSteps, numTrainTimesteps);
    int n = numInferenceSteps;
    int[] timesteps =
        timestepSpacing.timesteps(numTrainTimesteps, numTrainTimesteps, n, stepsOffset);
    timestepSpacing.checkInRange(timesteps, n, numTrainTimesteps);
    // eta: a sigma_t^2 above 1 - abar_t-1 makes the direction of formula (12) the root of a
    // negative number, NaN at every pixel; refuse the setting instead of blaming the sample
    for (int t : timesteps) {
      int prev = t - numTrainTimesteps / n;
      float aT = alphasCumprod[t];
      float aPrev = prev >= 0 ? alphasCumprod[prev] : finalAlphaCumprod;
      float variance = ((1f - aPrev) / (1f - aT)) * (1f - aT / aPrev);
      float std = (float) eta * (float) Math.sqrt(variance);
      if (!(1f - aPrev - std * std >= 0f)) {
        throw new IllegalArgumentException(
            "eta "
                + eta
                + " is too large for "
                + n
                + " steps: at timestep "
                + (t + offset)
                + " its noise variance sigma_t^2 = "
                + std * std
                + " exceeds 1 - abar_t-1 = "
                + (1f - aPrev)
                + ", and the step would be NaN; eta in [0, 1] always works");
      }
    }
    int[] library = SchedulerSupport.toLibrary(timesteps, offset);
    // where the last step ends: t - T / n, or the final alpha (abar = 1, the clean image, or the
    // first noisy timestep's abar without set_alpha_to_one)
    int lastPrev = timesteps[timesteps.length - 1] - numTrainTimesteps / n;
    int finalTimestep =
        lastPrev >= 0 ? lastPrev + offset : setAlphaToOne ? cleanTimestep() : offset;
    return new DDIMRun(n, library, finalTimestep);
  }

  @Override
  public Tensor addNoise(Tensor originalSamples, Tensor noise, int timestep) {
    originalSamples.requireSameShape(noise, "noise");
    if (timestep == cleanTimestep()) {
      return originalSamples.mul(1f);
    }
    float alphaProd = alphaProd(timestep);
    // sqrt_alpha_prod * original_samples + sqrt_one_minus_alpha_prod * noise
    return originalSamples.axpby(
        (float) Math.sqrt(alphaProd), noise, (float) Math.sqrt(1f - alphaProd));
  }

  private float alphaProd(int timestep) {
    SchedulerSupport.checkNoisyTimestep(timestep, offset, numTrainTimesteps);
    return alphasCumprod[timestep - offset];
  }

  /** The run of {@link #setTimesteps(int)}: DDIM's steps share nothing but the step count. */
  private final class DDIMRun extends ListRun {
    private final int numInferenceSteps;

    DDIMRun(int numInferenceSteps, int[] timesteps, int finalTimestep) {
      super(timesteps, finalTimestep);
      this.numInferenceSteps = numInferenceSteps;
    }

    @Override
    public SchedulerOutput step(
        Tensor modelOutput, int timestep, Tensor sample, NoiseSource noise) {
      sample.requireRank(4, "sample");
      Tensor eps = SchedulerSupport.noisePrediction(modelOutput, sample);
      float alphaProdT = alphaProd(timestep);
      if (eta > 0 && noise == null) {
        throw new IllegalArgumentException(
            "noise must not be null when eta > 0 (eta = " + eta + ")");
      }

      // 1. get previous step value (= t - T / n, as upstream, whatever the spacing)
      int prevTimestep = timestep - offset - numTrainTimesteps / numInferenceSteps;

      // 2. compute alphas, betas
      float alphaProdTPrev = prevTimestep >= 0 ? alphasCumprod[prevTimestep] : finalAlphaCumprod;
      float betaProdT = 1f - alphaProdT;

      // Copied from DDPMScheduler.predOriginalSample (kept equal by SchedulerCopiesTest)
      // 3. compute predicted original sample from predicted noise, "predicted x_0" of formula
      //    (12): x0_hat = (x_t - sqrt(1 - abar_t) * eps) / sqrt(abar_t)
      float sqrtBetaProdT = (float) Math.sqrt(betaProdT);
      float sqrtAlphaProdT = (float) Math.sqrt(alphaProdT);
      float[] x = sample.data();
      float[] e = eps.data();
      float[] x0 = new float[x.length];
      for (int i = 0; i < x0.length; i++) {
        x0[i] = (x[i] - sqrtBetaProdT * e[i]) / sqrtAlphaProdT;
      }
      Tensor predOriginalSample = Tensor.wrap(x0, sample.shape());

      // Copied from DDPMScheduler.step, its step 3 (kept equal by SchedulerCopiesTest)
      // 4. clip or threshold "predicted x_0"
      if (thresholding != null) {
        predOriginalSample = DDPMScheduler.threshold(predOriginalSample, thresholding);
      } else if (clipSample) {
        predOriginalSample =
            predOriginalSample.clamp((float) -clipSampleRange, (float) clipSampleRange);
      }
      x0 = predOriginalSample.data();

      // 5. compute variance: "sigma_t(eta)" of formula (16):
      //    sigma_t = eta * sqrt((1 - abar_t-1) / (1 - abar_t)) * sqrt(1 - abar_t / abar_t-1)
      float betaProdTPrev = 1f - alphaProdTPrev;
      float variance = (betaProdTPrev / betaProdT) * (1f - alphaProdT / alphaProdTPrev);
      float stdDevT = (float) eta * (float) Math.sqrt(variance);

      float[] predEpsilon = e;
      if (useClippedModelOutput) {
        // the noise that the clipped x0_hat implies: (x_t - sqrt(abar_t) * x0_hat) / sqrt(1 -
        // abar_t)
        predEpsilon = new float[x.length];
        for (int i = 0; i < x.length; i++) {
          predEpsilon[i] = (x[i] - sqrtAlphaProdT * x0[i]) / sqrtBetaProdT;
        }
      }

      // 6. compute "direction pointing to x_t" of formula (12): sqrt(1 - abar_t-1 - sigma_t^2) *
      //    eps
      float directionCoeff = (float) Math.sqrt(1f - alphaProdTPrev - stdDevT * stdDevT);

      // 7. compute x_t-1 without "random noise" of formula (12):
      //    sqrt(abar_t-1) * x0_hat + direction
      float sqrtAlphaProdTPrev = (float) Math.sqrt(alphaProdTPrev);
      float[] prev = new float[x.length];
      for (int i = 0; i < prev.length; i++) {
        prev[i] = sqrtAlphaProdTPrev * x0[i] + directionCoeff * predEpsilon[i];
      }

      // 8. add "random noise" sigma_t * z (drawn whenever eta > 0, the last step included)
      if (eta > 0) {
        Tensor z = noise.next(sample.shape());
        sample.requireSameShape(z, "noise");
        float[] zd = z.data();
        for (int i = 0; i < prev.length; i++) {
          prev[i] = prev[i] + stdDevT * zd[i];
        }
      }
      return new SchedulerOutput(Tensor.wrap(prev, sample.shape()), predOriginalSample);
    }
  }

  @Override
  public String toString() {
    return "DDIMScheduler[" + schedule + ", eta=" + eta + ", " + timestepSpacing + "]";
  }
}
