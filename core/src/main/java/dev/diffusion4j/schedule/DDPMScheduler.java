package dev.diffusion4j.schedule;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.util.Arrays;

/**
 * The DDPM reverse step of Ho et al. (2020), "Denoising Diffusion Probabilistic Models", over any
 * strictly descending pair of timesteps, as diffusers' {@code DDPMScheduler} (v0.27.2, {@code
 * schedulers/scheduling_ddpm.py}) computes it, in the same float32 operations and order.
 *
 * <p>Settings, with diffusers' names and defaults:
 *
 * <ul>
 *   <li>{@code variance_type} ({@link VarianceType}): {@code fixed_small} (diffusers' default, the
 *       posterior variance), {@code fixed_large} ({@code beta_t}, part B's sampler), {@code
 *       learned} (the model's output is the variance) and {@code learned_range} (Nichol and
 *       Dhariwal 2021: the model's value {@code v} in [-1, 1] interpolates the log variance between
 *       the posterior variance and {@code beta_t}, as DeepFloyd IF does).
 *   <li>{@code clip_sample} and {@code clip_sample_range}: clamp {@code x0_hat} to {@code [-range,
 *       range]} (diffusers' default: on, 1.0; off in this class unless asked for, see {@link
 *       #withClipSample(boolean, double)}); ignored when thresholding is on.
 *   <li>{@code thresholding}, {@code dynamic_thresholding_ratio} and {@code sample_max_value}
 *       (Saharia et al. 2022, Imagen): per sample, {@code s = clamp(quantile(|x0_hat|, ratio), 1,
 *       sampleMaxValue)}, then {@code x0_hat = clamp(x0_hat, -s, s) / s}. Off by default.
 * </ul>
 *
 * <p>As a {@link Scheduler}, a run walks a list of timesteps: the list of {@link
 * #setTimesteps(int)} (one UNet pass per step) or an explicit one ({@link
 * #setTimesteps(Timesteps)}, diffusers' {@code set_timesteps(timesteps=...)}). Whether a run of a
 * list takes one more step from its last entry to the clean image (diffusers' rule, the default) or
 * stops at its last entry (the write-up's) is {@link #lastStepToClean()}. The run draws its step
 * noise itself, from the noise source it is given, just before the step that needs it.
 *
 * <p>A step may end at timestep -1 (diffusers' last step, from {@code t = 0}): there {@code abar_t'
 * = 1}, no noise is added, and the step returns the (clipped or thresholded) {@code x0_hat}. Part
 * B's linear schedule has its clean image at timestep 0 instead ({@link NoiseSchedule#linear}, part
 * B's {@code t} is diffusers' {@code t - 1}), so there the last step ends at 0.
 *
 * <p>The loop that {@link dev.diffusion4j.Pipeline} runs, written out by hand with the MNIST
 * sampler (the pipeline adds guidance, views and masks around the same two calls):
 *
 * <pre>{@code
 * DDPMScheduler scheduler = DDPMScheduler.mnist();
 * NoiseSource noise = NoiseSource.seeded(1);
 * Scheduler.Run run = scheduler.setTimesteps(50);     // 300, 294, ..., 6; the last step ends at 0
 * Tensor x = noise.next(1, 1, 28, 28);
 * for (int t : run.timesteps()) {
 *   Tensor eps = denoiser.predict(x, new int[] {t}, MnistUNet.oneHot(7)).noise();
 *   x = run.step(eps, t, x, noise).prevSample();       // draws the step's noise when it needs it
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe: {@link #step} keeps no state between calls.
 */
public final class DDPMScheduler implements Scheduler {

  /** How the variance of the reverse step is chosen (diffusers' {@code variance_type}). */
  public enum VarianceType {
    /**
     * {@code fixed_small}, diffusers' default: the posterior variance {@code max((1 - abar_t') / (1
     * - abar_t) * beta_t, 1e-20)}.
     */
    FIXED_SMALL,
    /** {@code fixed_large}: {@code sigma = sqrt(beta_t)} (part B's sampler). */
    FIXED_LARGE,
    /** {@code learned}: the model's variance output is the variance itself. */
    LEARNED,
    /**
     * {@code learned_range}: the model's value {@code v} in [-1, 1] interpolates the log variance
     * between the posterior variance ({@code v = -1}) and {@code beta_t} ({@code v = 1}).
     */
    LEARNED_RANGE;

    /**
     * Tells whether the step reads the model's variance output.
     *
     * @return whether {@code varianceValues} are needed
     */
    public boolean learned() {
      return this == LEARNED || this == LEARNED_RANGE;
    }

    /**
     * Returns the type of a diffusers {@code variance_type} string.
     *
     * @param name {@code fixed_small}, {@code fixed_large}, {@code learned} or {@code
     *     learned_range}
     * @return the type
     * @throws IllegalArgumentException for another name, listing the valid ones
     */
    public static VarianceType fromDiffusers(String name) {
      for (VarianceType v : values()) {
        if (v.name().toLowerCase(java.util.Locale.ROOT).equals(name)) {
          return v;
        }
      }
      throw new IllegalArgumentException(
          "unknown variance_type '"
              + dev.diffusion4j.Messages.quote(name)
              + "'; supported: [fixed_small, fixed_large, learned, learned_range]");
    }
  }

  /**
   * Dynamic thresholding settings.
   *
   * @param ratio the quantile of {@code |x0_hat|} per sample, in (0, 1]; IF uses 0.95 (diffusers'
   *     {@code dynamic_thresholding_ratio}, default 0.995)
   * @param sampleMaxValue the upper clamp of the threshold, at least 1; IF stage I uses 1.5
   *     (diffusers' {@code sample_max_value}, default 1.0)
   */
  public record Thresholding(double ratio, double sampleMaxValue) {
    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if a value is out of range
     */
    public Thresholding {
      if (!(ratio > 0 && ratio <= 1)) {
        throw new IllegalArgumentException("ratio must be in (0, 1], but is: " + ratio);
      }
      if (!(sampleMaxValue >= 1)) {
        throw new IllegalArgumentException(
            "sampleMaxValue must be >= 1, but is: " + sampleMaxValue);
      }
    }
  }

  /** diffusers' default {@code clip_sample_range}. */
  public static final double DEFAULT_CLIP_SAMPLE_RANGE = 1.0;

  private final NoiseSchedule schedule;
  private final VarianceType varianceType;
  private final boolean clipSample;
  private final double clipSampleRange;
  private final Thresholding thresholding;
  private final boolean noiseAtFinalStep;
  private final boolean fullChainBeta;
  private final boolean lastStepToClean;

  /**
   * Creates a scheduler without clipping.
   *
   * @param schedule the noise schedule
   * @param varianceType how the step variance is chosen
   * @param thresholding dynamic thresholding, or {@code null} for none
   * @param noiseAtFinalStep whether noise is added on a step that ends at the clean image
   *     (diffusers does whenever {@code t > 0}; part B's sampler never does)
   */
  public DDPMScheduler(
      NoiseSchedule schedule,
      VarianceType varianceType,
      Thresholding thresholding,
      boolean noiseAtFinalStep) {
    this(
        schedule,
        varianceType,
        false,
        DEFAULT_CLIP_SAMPLE_RANGE,
        thresholding,
        noiseAtFinalStep,
        false,
        true);
  }

  private DDPMScheduler(
      NoiseSchedule schedule,
      VarianceType varianceType,
      boolean clipSample,
      double clipSampleRange,
      Thresholding thresholding,
      boolean noiseAtFinalStep,
      boolean fullChainBeta,
      boolean lastStepToClean) {
    if (schedule == null) {
      throw new IllegalArgumentException("schedule must not be null");
    }
    if (varianceType == null) {
      throw new IllegalArgumentException("varianceType must not be null");
    }
    if (!(clipSampleRange > 0)) {
      throw new IllegalArgumentException("clipSampleRange must be > 0, but is: " + clipSampleRange);
    }
    this.schedule = schedule;
    this.varianceType = varianceType;
    this.clipSample = clipSample;
    this.clipSampleRange = clipSampleRange;
    this.thresholding = thresholding;
    this.noiseAtFinalStep = noiseAtFinalStep;
    this.fullChainBeta = fullChainBeta;
    this.lastStepToClean = lastStepToClean;
  }

  /**
   * Part B's sampler: the linear schedule of 300 steps, {@code sqrt(beta)} noise, none on the last
   * step, no clipping, and on a full-chain step ({@code t' = t - 1}) the schedule's own {@code
   * beta_t} (part B's formula) where diffusers takes {@code 1 - abar_t / abar_t'}.
   *
   * @return the scheduler
   */
  public static DDPMScheduler mnist() {
    return new DDPMScheduler(
        NoiseSchedule.mnist(),
        VarianceType.FIXED_LARGE,
        false,
        DEFAULT_CLIP_SAMPLE_RANGE,
        null,
        false,
        true,
        true);
  }

  /**
   * The write-up's IF sampler: cosine schedule of 1000 steps, learned-range variance, noise on
   * every step, no clipping and no thresholding. The schedulers of an IF models folder come from
   * its {@code config.json} instead (thresholding and clipping as diffusers' configs say).
   *
   * @return the scheduler
   */
  public static DDPMScheduler deepFloydIF() {
    return new DDPMScheduler(NoiseSchedule.cosine(1000), VarianceType.LEARNED_RANGE, null, true);
  }

  // Copied from dev.diffusion4j.schedule.DDIMScheduler#schedule
  @Override
  public NoiseSchedule schedule() {
    return schedule;
  }

  /**
   * Returns the variance type.
   *
   * @return the variance type
   */
  public VarianceType varianceType() {
    return varianceType;
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

  /**
   * Tells whether {@code x0_hat} is clamped to {@code [-clipSampleRange(), clipSampleRange()]}
   * (when thresholding is off).
   *
   * @return diffusers' {@code clip_sample}
   */
  public boolean clipSample() {
    return clipSample;
  }

  /**
   * Returns the clamp bound of {@link #clipSample()}.
   *
   * @return diffusers' {@code clip_sample_range}
   */
  public double clipSampleRange() {
    return clipSampleRange;
  }

  /**
   * Returns a copy of this scheduler with other thresholding settings.
   *
   * @param thresholding the settings, or {@code null} for none
   * @return the new scheduler
   */
  public DDPMScheduler withThresholding(Thresholding thresholding) {
    return new DDPMScheduler(
        schedule,
        varianceType,
        clipSample,
        clipSampleRange,
        thresholding,
        noiseAtFinalStep,
        fullChainBeta,
        lastStepToClean);
  }

  /**
   * Returns a copy of this scheduler with other clipping settings (diffusers' {@code clip_sample}
   * and {@code clip_sample_range}).
   *
   * @param clipSample whether {@code x0_hat} is clamped when thresholding is off
   * @param clipSampleRange the bound, {@code > 0}
   * @return the new scheduler
   */
  public DDPMScheduler withClipSample(boolean clipSample, double clipSampleRange) {
    return new DDPMScheduler(
        schedule,
        varianceType,
        clipSample,
        clipSampleRange,
        thresholding,
        noiseAtFinalStep,
        fullChainBeta,
        lastStepToClean);
  }

  /**
   * Returns a copy of this scheduler with another variance type.
   *
   * @param varianceType the variance type
   * @return the new scheduler
   */
  public DDPMScheduler withVarianceType(VarianceType varianceType) {
    return new DDPMScheduler(
        schedule,
        varianceType,
        clipSample,
        clipSampleRange,
        thresholding,
        noiseAtFinalStep,
        fullChainBeta,
        lastStepToClean);
  }

  /**
   * Returns a copy of this scheduler with another last-step rule (the rule of {@link
   * dev.diffusion4j.Variant}).
   *
   * @param lastStepToClean {@code true} (the default, diffusers' rule) for a run of a list that
   *     takes one more step from its last entry to the clean image, {@code false} (the write-up's
   *     rule) for one that stops at its last entry
   * @return the new scheduler
   */
  public DDPMScheduler withLastStepToClean(boolean lastStepToClean) {
    return new DDPMScheduler(
        schedule,
        varianceType,
        clipSample,
        clipSampleRange,
        thresholding,
        noiseAtFinalStep,
        fullChainBeta,
        lastStepToClean);
  }

  /**
   * Tells whether a run of a timestep list takes one more step from the list's last entry to the
   * clean image ({@link #cleanTimestep()}), as diffusers' pipelines do (one UNet pass per entry),
   * or stops at the last entry, as the write-up's loop does (one pass fewer). A list that ends at
   * the clean image (part B's lists end at 0) runs the same either way.
   *
   * @return the rule; {@code true} by default
   */
  public boolean lastStepToClean() {
    return lastStepToClean;
  }

  /**
   * {@inheritDoc}
   *
   * <p>-1 for a schedule indexed from its first noisy step (IF's cosine; diffusers' {@code
   * alphas_cumprod[-1]} is 1), 0 for part B's linear schedule, whose timestep 0 is the clean image.
   */
  @Override
  public int cleanTimestep() {
    return schedule.kind() == NoiseSchedule.Kind.LINEAR ? 0 : -1;
  }

  /**
   * Tells whether {@link #step} will use noise for a step from {@code timestep} to {@code
   * prevTimestep}: as diffusers, when {@code timestep} is not the first noisy timestep of the
   * schedule ({@code t > 0}, part B's {@code t > 1}), and for part B's sampler only when the step
   * does not end at the clean image.
   *
   * @param timestep the timestep the step starts at
   * @param prevTimestep the timestep the step ends at
   * @return whether the caller must pass a noise tensor
   */
  public boolean needsNoise(int timestep, int prevTimestep) {
    int clean = cleanTimestep();
    return timestep > clean + 1 && (noiseAtFinalStep || prevTimestep > clean);
  }

  private float alphaProd(int timestep) {
    return timestep < 0 ? 1f : schedule.alphaCumprod(timestep);
  }

  /**
   * The forward process: {@code x_t = sqrt(abar_t) * x0 + sqrt(1 - abar_t) * eps}, as diffusers'
   * {@code add_noise}; a copy of {@code originalSamples} at {@link #cleanTimestep()}.
   *
   * @param originalSamples clean images {@code x0}. Not modified.
   * @param noise {@code eps}, the same shape. Not modified.
   * @param timestep {@code t}
   * @return {@code x_t}
   */
  @Override
  public Tensor addNoise(Tensor originalSamples, Tensor noise, int timestep) {
    originalSamples.requireSameShape(noise, "noise");
    if (timestep == cleanTimestep()) {
      return originalSamples.mul(1f);
    }
    float abar = schedule.alphaCumprod(timestep);
    return originalSamples.axpby((float) Math.sqrt(abar), noise, (float) Math.sqrt(1f - abar));
  }

  /**
   * The one-step clean estimate: {@code x0_hat = (x_t - sqrt(1 - abar_t) * eps) / sqrt(abar_t)}, in
   * float32 in this order (diffusers' formula 15 of Ho et al.).
   *
   * @param sample {@code x_t}. Not modified.
   * @param noisePred the noise estimate {@code eps}, the same shape. Not modified.
   * @param timestep {@code t}
   * @return {@code x0_hat}, neither clipped nor thresholded
   */
  public Tensor predOriginalSample(Tensor sample, Tensor noisePred, int timestep) {
    sample.requireSameShape(noisePred, "noisePred");
    float alphaProdT = schedule.alphaCumprod(timestep);
    float sqrtBetaProdT = (float) Math.sqrt(1f - alphaProdT);
    float sqrtAlphaProdT = (float) Math.sqrt(alphaProdT);
    float[] x = sample.data();
    float[] eps = noisePred.data();
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (x[i] - sqrtBetaProdT * eps[i]) / sqrtAlphaProdT;
    }
    return Tensor.wrap(out, sample.shape());
  }

  /**
   * {@inheritDoc}
   *
   * <p>The list: part B's linear schedule takes {@link Timesteps#evenly(int, int) evenly(T, n)}
   * ({@code n + 1} entries ending at its clean timestep 0); IF's cosine schedule takes diffusers'
   * {@code set_timesteps(n)} with its {@code leading} spacing ({@code (n - 1 - i) * (T / n)}, the
   * last step to the clean image) when {@link #lastStepToClean()}, and {@code evenly(990, n)} (the
   * write-up's spacing, stopping at 0) otherwise. Either way a run of {@code n} steps makes {@code
   * n} UNet passes.
   *
   * @throws IllegalArgumentException if {@code numInferenceSteps} is not in {@code [1, T]} ({@code
   *     [1, 990]} for the write-up's cosine list)
   */
  @Override
  public Run setTimesteps(int numInferenceSteps) {
    int n = numInferenceSteps;
    if (schedule.kind() == NoiseSchedule.Kind.COSINE && lastStepToClean) {
      int numTrainTimesteps = schedule.numTrainTimesteps();
      if (n < 1 || n > numTrainTimesteps) {
        throw new IllegalArgumentException(
            "numInferenceSteps must be in [1, " + numTrainTimesteps + "], but is: " + n);
      }
      // diffusers' DDPMScheduler.set_timesteps(n), timestep_spacing="leading"
      int[] timesteps =
          TimestepSpacing.LEADING.timesteps(numTrainTimesteps, numTrainTimesteps, n, 0);
      return new DDPMRun(timesteps, cleanTimestep());
    }
    int start = firstTimestep(schedule);
    if (n < 1 || n > start) {
      throw new IllegalArgumentException(
          "numInferenceSteps must be in [1, " + start + "], but is: " + n);
    }
    return setTimesteps(Timesteps.evenly(start, n));
  }

  /**
   * The first timestep of an evenly spaced list: 990 on IF's cosine schedule (the write-up's), the
   * last timestep otherwise.
   */
  static int firstTimestep(NoiseSchedule schedule) {
    return schedule.kind() == NoiseSchedule.Kind.COSINE
        ? Math.min(990, schedule.maxTimestep())
        : schedule.maxTimestep();
  }

  /**
   * {@inheritDoc}
   *
   * <p>One step from each entry to the next; from the last entry one more step to the clean image
   * when {@link #lastStepToClean()} (unless the list already ends there), none otherwise.
   */
  @Override
  public Run setTimesteps(Timesteps timesteps) {
    if (timesteps == null) {
      throw new IllegalArgumentException("timesteps must not be null");
    }
    timesteps.checkAgainst(schedule);
    int last = timesteps.get(timesteps.size() - 1);
    int finalTimestep = lastStepToClean ? cleanTimestep() : last;
    int count = last > finalTimestep ? timesteps.size() : timesteps.size() - 1;
    return new DDPMRun(Arrays.copyOf(timesteps.toArray(), count), finalTimestep);
  }

  /** A run over a list: each step ends at the list's next entry, the last at the final timestep. */
  private final class DDPMRun extends ListRun {

    DDPMRun(int[] timesteps, int finalTimestep) {
      super(timesteps, finalTimestep);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The step ends at the entry after {@code timestep} (diffusers' {@code previous_timestep});
     * the variance channels of a learned-variance model output feed {@link VarianceType#LEARNED}
     * and {@link VarianceType#LEARNED_RANGE}. The step's noise is drawn from {@code noise} when
     * {@link DDPMScheduler#needsNoise(int, int)} says so.
     */
    @Override
    public SchedulerOutput step(
        Tensor modelOutput, int timestep, Tensor sample, NoiseSource noise) {
      if (modelOutput == null) {
        throw new IllegalArgumentException("modelOutput must not be null");
      }
      if (sample == null) {
        throw new IllegalArgumentException("sample must not be null");
      }
      sample.requireRank(4, "sample");
      modelOutput.requireRank(4, "modelOutput");
      // 1. the step's end: diffusers' previous_timestep, the next entry of the list
      int index = -1;
      for (int i = 0; i < timesteps.length; i++) {
        if (timesteps[i] == timestep) {
          index = i;
        }
      }
      if (index < 0) {
        throw new IllegalArgumentException(
            "timestep must be one of the run's timesteps "
                + Arrays.toString(timesteps)
                + ", but is: "
                + timestep);
      }
      int prevTimestep = index + 1 < timesteps.length ? timesteps[index + 1] : finalTimestep();
      // 2. split the model output into the noise estimate and the variance values
      int c = sample.dim(1);
      Tensor noisePred = modelOutput;
      Tensor varianceValues = null;
      if (modelOutput.dim(1) == 2 * c) {
        noisePred = modelOutput.channels(0, c);
        varianceValues = modelOutput.channels(c, 2 * c);
      }
      // 3. draw the step noise, then step
      Tensor z = null;
      if (needsNoise(timestep, prevTimestep)) {
        if (noise == null) {
          throw new IllegalArgumentException(
              "noise must not be null for a step from timestep "
                  + timestep
                  + " to "
                  + prevTimestep);
        }
        z = noise.next(sample.shape());
      }
      return DDPMScheduler.this.step(noisePred, varianceValues, timestep, prevTimestep, sample, z);
    }
  }

  /**
   * One reverse step from {@code timestep} to {@code prevTimestep}, diffusers' {@code step}.
   *
   * @param noisePred the noise estimate {@code eps} for {@code sample}. Not modified.
   * @param varianceValues the model's variance output (same shape) for {@link VarianceType#LEARNED}
   *     and {@link VarianceType#LEARNED_RANGE}; ignored and may be {@code null} for the fixed
   *     types. Not modified.
   * @param timestep {@code t}
   * @param prevTimestep {@code t'}, smaller than {@code t} and at least {@link #cleanTimestep()}
   * @param sample {@code x_t}. Not modified.
   * @param noise {@code z ~ N(0, I)} of the same shape when {@link #needsNoise(int, int)} says so,
   *     otherwise ignored (may be {@code null}). Not modified.
   * @return {@code x_t'} and the clean estimate used for it
   */
  public SchedulerOutput step(
      Tensor noisePred,
      Tensor varianceValues,
      int timestep,
      int prevTimestep,
      Tensor sample,
      Tensor noise) {
    schedule.checkTimestep("timestep", timestep);
    if (prevTimestep != cleanTimestep()) {
      schedule.checkTimestep("prevTimestep", prevTimestep);
    }
    if (prevTimestep >= timestep) {
      throw new IllegalArgumentException(
          "prevTimestep must be < timestep (" + timestep + "), but is: " + prevTimestep);
    }
    sample.requireSameShape(noisePred, "noisePred");
    boolean learned = varianceType.learned();
    boolean addNoise = needsNoise(timestep, prevTimestep);
    if (learned && addNoise) {
      if (varianceValues == null) {
        throw new IllegalArgumentException(
            "varianceValues must not be null for VarianceType." + varianceType);
      }
      sample.requireSameShape(varianceValues, "varianceValues");
    }
    if (addNoise) {
      if (noise == null) {
        throw new IllegalArgumentException(
            "noise must not be null for a step from timestep " + timestep + " to " + prevTimestep);
      }
      sample.requireSameShape(noise, "noise");
    }

    // 1. compute alphas, betas (float32): alpha_t = abar_t / abar_t', beta_t = 1 - alpha_t, with
    //    abar_{-1} = 1; part B's sampler takes the schedule's own beta_t on the full chain
    float alphaProdT = alphaProd(timestep);
    float alphaProdTPrev = alphaProd(prevTimestep);
    float betaProdT = 1f - alphaProdT;
    float betaProdTPrev = 1f - alphaProdTPrev;
    float currentAlphaT;
    float currentBetaT;
    if (fullChainBeta && prevTimestep == timestep - 1) {
      currentBetaT = schedule.beta(timestep);
      currentAlphaT = 1f - currentBetaT;
    } else {
      currentAlphaT = alphaProdT / alphaProdTPrev;
      currentBetaT = 1f - currentAlphaT;
    }

    // 2. predicted original sample: x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)
    Tensor predOriginalSample = predOriginalSample(sample, noisePred, timestep);

    // 3. clip or threshold x0_hat
    if (thresholding != null) {
      predOriginalSample = threshold(predOriginalSample, thresholding);
    } else if (clipSample) {
      predOriginalSample =
          predOriginalSample.clamp((float) -clipSampleRange, (float) clipSampleRange);
    }

    // 4. coefficients of x0_hat and x_t in the posterior mean (formula 7 of Ho et al.)
    float predOriginalSampleCoeff = (float) Math.sqrt(alphaProdTPrev) * currentBetaT / betaProdT;
    float currentSampleCoeff = (float) Math.sqrt(currentAlphaT) * betaProdTPrev / betaProdT;

    // 5. posterior mean
    float[] x0 = predOriginalSample.data();
    float[] xt = sample.data();
    float[] out = new float[xt.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = predOriginalSampleCoeff * x0[i] + currentSampleCoeff * xt[i];
    }

    // 6. add noise: sigma * z, sigma from the variance type
    if (addNoise) {
      float[] z = noise.data();
      // the posterior variance (formulas 6 and 7 of Ho et al.), clamped for its log
      float variance = Math.max(betaProdTPrev / betaProdT * currentBetaT, 1e-20f);
      switch (varianceType) {
        case FIXED_SMALL -> addScaled(out, (float) Math.sqrt(variance), z);
        case FIXED_LARGE -> addScaled(out, (float) Math.sqrt(currentBetaT), z);
        case LEARNED -> {
          float[] v = varianceValues.data();
          for (int i = 0; i < out.length; i++) {
            out[i] += (float) Math.sqrt(v[i]) * z[i];
          }
        }
        case LEARNED_RANGE -> {
          // logvar = frac * log(beta_t) + (1 - frac) * log(variance), frac = (v + 1) / 2
          float minLog = (float) Math.log(variance);
          float maxLog = (float) Math.log(currentBetaT);
          float[] v = varianceValues.data();
          for (int i = 0; i < out.length; i++) {
            float frac = (v[i] + 1f) / 2f;
            float logVariance = frac * maxLog + (1f - frac) * minLog;
            out[i] += (float) Math.exp(0.5f * logVariance) * z[i];
          }
        }
        default -> throw new IllegalStateException("unknown variance type: " + varianceType);
      }
    }
    return new SchedulerOutput(Tensor.wrap(out, sample.shape()), predOriginalSample);
  }

  private static void addScaled(float[] out, float sigma, float[] z) {
    for (int i = 0; i < out.length; i++) {
      out[i] += sigma * z[i];
    }
  }

  /**
   * Dynamic thresholding, diffusers' {@code _threshold_sample}: per sample, {@code s =
   * clamp(quantile(|x|, ratio), 1, sampleMaxValue)}, then {@code clamp(x, -s, s) / s}. The quantile
   * interpolates linearly in float32, as {@code torch.quantile}.
   *
   * @param sample a batch {@code [N, ...]}. Not modified.
   * @param settings the ratio and the upper clamp
   * @return the thresholded batch
   */
  public static Tensor threshold(Tensor sample, Thresholding settings) {
    int n = sample.dim(0);
    int per = sample.size() / n;
    float[] in = sample.data();
    float[] out = new float[in.length];
    float[] abs = new float[per];
    // torch.quantile: rank = q * (n - 1) in the input's dtype, then lerp between its neighbours
    float rank = (float) settings.ratio() * (per - 1);
    int below = (int) Math.floor(rank);
    int above = (int) Math.ceil(rank);
    float weight = rank - below;
    float maxValue = (float) settings.sampleMaxValue();
    for (int b = 0; b < n; b++) {
      int base = b * per;
      for (int i = 0; i < per; i++) {
        abs[i] = Math.abs(in[base + i]);
      }
      Arrays.sort(abs);
      float lo = abs[below];
      float hi = abs[above];
      float q = weight < 0.5f ? lo + weight * (hi - lo) : hi - (hi - lo) * (1f - weight);
      float s = Math.min(Math.max(q, 1f), maxValue);
      for (int i = 0; i < per; i++) {
        out[base + i] = Math.min(s, Math.max(-s, in[base + i])) / s;
      }
    }
    return Tensor.wrap(out, sample.shape());
  }
}
