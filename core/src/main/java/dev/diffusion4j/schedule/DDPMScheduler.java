package dev.diffusion4j.schedule;

import dev.diffusion4j.tensor.Tensor;
import java.util.Arrays;

/**
 * The DDPM reverse step of Ho et al. (2020), "Denoising Diffusion Probabilistic Models", over any
 * strictly descending pair of timesteps, as diffusers' {@code DDPMScheduler} computes it.
 *
 * <p>Two variance types are supported:
 *
 * <ul>
 *   <li>{@link VarianceType#FIXED_LARGE}: the noise added is {@code sqrt(beta) * z} (part B's
 *       sampler, {@code beta = 1 - abar_t / abar_t'}).
 *   <li>{@link VarianceType#LEARNED_RANGE}: the model returns a value {@code v} in [-1, 1] per
 *       element that interpolates the log variance between {@code log(beta)} and the posterior log
 *       variance (Nichol and Dhariwal 2021), as DeepFloyd IF does.
 * </ul>
 *
 * <p>Optional dynamic thresholding of the clean estimate (Saharia et al. 2022, Imagen): per sample,
 * {@code s = clamp(quantile(|x0_hat|, ratio), 1, sampleMaxValue)}, then {@code x0_hat =
 * clamp(x0_hat, -s, s) / s}. Off by default.
 *
 * <p>The loop that {@link dev.diffusion4j.Pipeline} runs, written out by hand with the MNIST
 * sampler (the pipeline adds guidance, views and masks around the same two calls):
 *
 * <pre>{@code
 * DDPMScheduler scheduler = DDPMScheduler.mnist();
 * NoiseSource noise = NoiseSource.seeded(1);
 * Timesteps ts = Timesteps.evenly(300, 50);
 * Tensor x = noise.next(1, 1, 28, 28);
 * for (int i = 0; i < ts.steps(); i++) {
 *   int t = ts.get(i), prev = ts.get(i + 1);
 *   Tensor eps = denoiser.predict(x, new int[] {t}, MnistUNet.oneHot(7)).noise();
 *   Tensor z = scheduler.needsNoise(prev) ? noise.next(x.shape()) : null;
 *   x = scheduler.step(eps, null, t, prev, x, z).prevSample();
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe: {@link #step} keeps no state between calls.
 */
public final class DDPMScheduler {

  /** How the variance of the reverse step is chosen. */
  public enum VarianceType {
    /** {@code sigma = sqrt(beta)}. */
    FIXED_LARGE,
    /** Interpolated in log space between {@code beta} and the posterior variance by the model. */
    LEARNED_RANGE
  }

  /**
   * Dynamic thresholding settings.
   *
   * @param ratio the quantile of {@code |x0_hat|} per sample, in (0, 1]; IF uses 0.95
   * @param sampleMaxValue the upper clamp of the threshold, at least 1; IF stage I uses 1.5
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

  /**
   * The result of one step.
   *
   * @param prevSample the sample at the previous (less noisy) timestep, {@code x_t'}
   * @param predOriginalSample the clean estimate {@code x0_hat} used for it (after thresholding)
   */
  public record StepOutput(Tensor prevSample, Tensor predOriginalSample) {}

  private final NoiseSchedule schedule;
  private final VarianceType varianceType;
  private final Thresholding thresholding;
  private final boolean noiseAtFinalStep;

  /**
   * Creates a scheduler.
   *
   * @param schedule the noise schedule
   * @param varianceType how the step variance is chosen
   * @param thresholding dynamic thresholding, or {@code null} for none
   * @param noiseAtFinalStep whether noise is added on the step that ends at timestep 0 (the
   *     write-up's IF sampler does; part B's sampler does not, since its timestep 0 is the clean
   *     image)
   */
  public DDPMScheduler(
      NoiseSchedule schedule,
      VarianceType varianceType,
      Thresholding thresholding,
      boolean noiseAtFinalStep) {
    if (schedule == null) {
      throw new IllegalArgumentException("schedule must not be null");
    }
    if (varianceType == null) {
      throw new IllegalArgumentException("varianceType must not be null");
    }
    this.schedule = schedule;
    this.varianceType = varianceType;
    this.thresholding = thresholding;
    this.noiseAtFinalStep = noiseAtFinalStep;
  }

  /**
   * Part B's sampler: the linear schedule of 300 steps, {@code sqrt(beta)} noise, none on the last
   * step.
   *
   * @return the scheduler
   */
  public static DDPMScheduler mnist() {
    return new DDPMScheduler(NoiseSchedule.mnist(), VarianceType.FIXED_LARGE, null, false);
  }

  /**
   * The write-up's IF sampler: cosine schedule of 1000 steps, learned-range variance, noise on
   * every step, no thresholding.
   *
   * @return the scheduler
   */
  public static DDPMScheduler deepFloydIF() {
    return new DDPMScheduler(NoiseSchedule.cosine(1000), VarianceType.LEARNED_RANGE, null, true);
  }

  /**
   * Returns the noise schedule.
   *
   * @return the schedule
   */
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
  public Thresholding thresholding() {
    return thresholding;
  }

  /**
   * Returns a copy of this scheduler with other thresholding settings.
   *
   * @param thresholding the settings, or {@code null} for none
   * @return the new scheduler
   */
  public DDPMScheduler withThresholding(Thresholding thresholding) {
    return new DDPMScheduler(schedule, varianceType, thresholding, noiseAtFinalStep);
  }

  /**
   * Tells whether {@link #step} will use noise for a step that ends at {@code prevTimestep}.
   *
   * @param prevTimestep the timestep the step ends at
   * @return whether the caller must pass a noise tensor
   */
  public boolean needsNoise(int prevTimestep) {
    return prevTimestep > 0 || noiseAtFinalStep;
  }

  /**
   * The forward process: {@code x_t = sqrt(abar_t) * x0 + sqrt(1 - abar_t) * eps}.
   *
   * @param originalSamples clean images {@code x0}. Not modified.
   * @param noise {@code eps}, the same shape. Not modified.
   * @param timestep {@code t}
   * @return {@code x_t}
   */
  public Tensor addNoise(Tensor originalSamples, Tensor noise, int timestep) {
    originalSamples.requireSameShape(noise, "noise");
    float abar = schedule.alphaCumprod(timestep);
    return originalSamples.axpby((float) Math.sqrt(abar), noise, (float) Math.sqrt(1 - abar));
  }

  /**
   * The one-step clean estimate: {@code x0_hat = (x_t - sqrt(1 - abar_t) * eps) / sqrt(abar_t)}.
   *
   * @param sample {@code x_t}. Not modified.
   * @param noisePred the noise estimate {@code eps}, the same shape. Not modified.
   * @param timestep {@code t}
   * @return {@code x0_hat}, not thresholded
   */
  public Tensor predOriginalSample(Tensor sample, Tensor noisePred, int timestep) {
    sample.requireSameShape(noisePred, "noisePred");
    float abar = schedule.alphaCumprod(timestep);
    float inv = (float) (1.0 / Math.sqrt(abar));
    return sample.axpby(inv, noisePred, (float) (-Math.sqrt(1 - abar) * inv));
  }

  /**
   * One reverse step from {@code timestep} to {@code prevTimestep}.
   *
   * @param noisePred the noise estimate {@code eps} for {@code sample}. Not modified.
   * @param varianceValues the model's variance values {@code v} in [-1, 1] (same shape) for {@link
   *     VarianceType#LEARNED_RANGE}; ignored and may be {@code null} for {@link
   *     VarianceType#FIXED_LARGE}. Not modified.
   * @param timestep {@code t}
   * @param prevTimestep {@code t'}, smaller than {@code t}
   * @param sample {@code x_t}. Not modified.
   * @param noise {@code z ~ N(0, I)} of the same shape when {@link #needsNoise(int)} says so,
   *     otherwise ignored (may be {@code null}). Not modified.
   * @return {@code x_t'} and the clean estimate used for it
   */
  public StepOutput step(
      Tensor noisePred,
      Tensor varianceValues,
      int timestep,
      int prevTimestep,
      Tensor sample,
      Tensor noise) {
    schedule.checkTimestep("timestep", timestep);
    schedule.checkTimestep("prevTimestep", prevTimestep);
    if (prevTimestep >= timestep) {
      throw new IllegalArgumentException(
          "prevTimestep must be < timestep (" + timestep + "), but is: " + prevTimestep);
    }
    sample.requireSameShape(noisePred, "noisePred");
    boolean learned = varianceType == VarianceType.LEARNED_RANGE;
    if (learned) {
      if (varianceValues == null) {
        throw new IllegalArgumentException(
            "varianceValues must not be null for VarianceType.LEARNED_RANGE");
      }
      sample.requireSameShape(varianceValues, "varianceValues");
    }
    boolean addNoise = needsNoise(prevTimestep);
    if (addNoise) {
      if (noise == null) {
        throw new IllegalArgumentException(
            "noise must not be null for a step ending at prevTimestep " + prevTimestep);
      }
      sample.requireSameShape(noise, "noise");
    }

    // 1. compute alphas, betas: alpha = abar_t / abar_t', beta = 1 - alpha; on the full chain
    //    (t' = t - 1) the schedule's own beta_t, which the ratio of two float32 products near 1
    //    would only approximate
    double alphaProdT = schedule.alphaCumprod(timestep);
    double alphaProdTPrev = schedule.alphaCumprod(prevTimestep);
    double betaProdT = 1 - alphaProdT;
    double betaProdTPrev = 1 - alphaProdTPrev;
    double currentAlphaT;
    double currentBetaT;
    if (prevTimestep == timestep - 1) {
      currentBetaT = schedule.beta(timestep);
      currentAlphaT = 1 - currentBetaT;
    } else {
      currentAlphaT = alphaProdT / alphaProdTPrev;
      currentBetaT = 1 - currentAlphaT;
    }

    // 2. predicted original sample: x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)
    Tensor predOriginalSample = predOriginalSample(sample, noisePred, timestep);

    // 3. optional dynamic thresholding of x0_hat
    if (thresholding != null) {
      predOriginalSample = threshold(predOriginalSample, thresholding);
    }

    // 4. coefficients of x0_hat and x_t in the posterior mean (formula 7 of Ho et al.)
    float predOriginalSampleCoeff = (float) (Math.sqrt(alphaProdTPrev) * currentBetaT / betaProdT);
    float currentSampleCoeff = (float) (Math.sqrt(currentAlphaT) * betaProdTPrev / betaProdT);

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
      if (learned) {
        // var = max((1 - abar_t') / (1 - abar_t) * beta, 1e-20);
        // logvar = frac * log(beta) + (1 - frac) * log(var), frac = (v + 1) / 2
        double variance = Math.max(betaProdTPrev / betaProdT * currentBetaT, 1e-20);
        float minLog = (float) Math.log(variance);
        float maxLog = (float) Math.log(currentBetaT);
        float[] v = varianceValues.data();
        for (int i = 0; i < out.length; i++) {
          float frac = (v[i] + 1) / 2;
          float logVariance = frac * maxLog + (1 - frac) * minLog;
          out[i] += (float) Math.exp(0.5f * logVariance) * z[i];
        }
      } else {
        float sigma = (float) Math.sqrt(currentBetaT);
        for (int i = 0; i < out.length; i++) {
          out[i] += sigma * z[i];
        }
      }
    }
    return new StepOutput(Tensor.wrap(out, sample.shape()), predOriginalSample);
  }

  /**
   * Dynamic thresholding: per sample, {@code s = clamp(quantile(|x|, ratio), 1, sampleMaxValue)},
   * then {@code clamp(x, -s, s) / s}. The quantile interpolates linearly, as {@code
   * torch.quantile}.
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
    double[] abs = new double[per];
    for (int b = 0; b < n; b++) {
      int base = b * per;
      for (int i = 0; i < per; i++) {
        abs[i] = Math.abs(in[base + i]);
      }
      Arrays.sort(abs);
      double pos = settings.ratio() * (per - 1);
      int lo = (int) Math.floor(pos);
      int hi = Math.min(lo + 1, per - 1);
      double q = abs[lo] + (abs[hi] - abs[lo]) * (pos - lo);
      float s = (float) Math.min(Math.max(q, 1.0), settings.sampleMaxValue());
      for (int i = 0; i < per; i++) {
        out[base + i] = Math.min(s, Math.max(-s, in[base + i])) / s;
      }
    }
    return Tensor.wrap(out, sample.shape());
  }
}
