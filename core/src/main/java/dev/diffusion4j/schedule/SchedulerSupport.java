package dev.diffusion4j.schedule;

import dev.diffusion4j.tensor.Tensor;
import java.util.Arrays;

/**
 * What the schedulers of diffusers copy from one another ({@code # Copied from ...} upstream), kept
 * once: the timestep spacings, diffusers' indexing of a schedule, Karras sigmas, {@code
 * _sigma_to_t}, the noise-prediction split, {@code index_for_timestep}, {@code add_noise} on the
 * sigma-scaled and the variance-preserving sample, and the checks of the settings, a step count and
 * a timestep. Each method names the upstream function it follows; all are static and thread-safe.
 *
 * <p>diffusers indexes the training timesteps {@code 0..T-1}, its 0 being the first noisy one. IF's
 * cosine schedule is indexed the same way (offset 0, clean timestep -1); part B's linear schedule
 * counts its clean image as 0 (offset 1, clean timestep 0).
 */
final class SchedulerSupport {

  private SchedulerSupport() {}

  /**
   * The offset between the library's timesteps and diffusers' indices: 1 for part B's linear
   * schedule (whose timestep 0 is the clean image), 0 for the cosine one.
   */
  static int offset(NoiseSchedule schedule) {
    return schedule.kind() == NoiseSchedule.Kind.LINEAR ? 1 : 0;
  }

  /** Returns diffusers' timesteps in the library's indexing: each plus {@code offset}. */
  static int[] toLibrary(int[] timesteps, int offset) {
    int[] library = new int[timesteps.length];
    for (int i = 0; i < library.length; i++) {
      library[i] = timesteps[i] + offset;
    }
    return library;
  }

  /**
   * Checks a builder's {@code timestep_spacing}.
   *
   * @return {@code timestepSpacing}
   * @throws IllegalArgumentException if it is null
   */
  static TimestepSpacing requireSpacing(TimestepSpacing timestepSpacing) {
    if (timestepSpacing == null) {
      throw new IllegalArgumentException("timestepSpacing must not be null");
    }
    return timestepSpacing;
  }

  /**
   * Checks a builder's {@code steps_offset} against the schedule's training timesteps.
   *
   * @return {@code stepsOffset}
   * @throws IllegalArgumentException if it is not in {@code [0, T - 1]}
   */
  static int checkStepsOffset(int stepsOffset, int numTrainTimesteps) {
    if (stepsOffset < 0 || stepsOffset >= numTrainTimesteps) {
      throw new IllegalArgumentException(
          "stepsOffset must be in [0, " + (numTrainTimesteps - 1) + "], but is: " + stepsOffset);
    }
    return stepsOffset;
  }

  /**
   * Refuses a spaced timestep (diffusers' indexing) that the leading spacing's {@code steps_offset}
   * pushed past the schedule's last.
   */
  static void checkWithinSchedule(int[] timesteps, int stepsOffset, int numTrainTimesteps) {
    for (int t : timesteps) {
      if (t > numTrainTimesteps - 1) {
        throw pastSchedule(String.valueOf(t), stepsOffset, numTrainTimesteps);
      }
    }
  }

  /** As {@link #checkWithinSchedule(int[], int, int)} for upstream's float32 timesteps. */
  static void checkWithinSchedule(float[] timesteps, int stepsOffset, int numTrainTimesteps) {
    for (float t : timesteps) {
      if (t > numTrainTimesteps - 1) {
        throw pastSchedule(String.valueOf(t), stepsOffset, numTrainTimesteps);
      }
    }
  }

  private static IllegalArgumentException pastSchedule(
      String timestep, int stepsOffset, int numTrainTimesteps) {
    return new IllegalArgumentException(
        "stepsOffset "
            + stepsOffset
            + " puts timestep "
            + timestep
            + " past the schedule's last, "
            + (numTrainTimesteps - 1)
            + " (diffusers' indexing)");
  }

  /** {@code alphas_cumprod} in diffusers' indexing {@code 0..T-1}. */
  static float[] alphasCumprod(NoiseSchedule schedule) {
    int offset = offset(schedule);
    return Arrays.copyOfRange(
        schedule.alphasCumprod(), offset, offset + schedule.numTrainTimesteps());
  }

  /** {@code ((1 - alphas_cumprod) / alphas_cumprod) ** 0.5} in float32, per training timestep. */
  static float[] sigmas(float[] alphasCumprod) {
    float[] sigmas = new float[alphasCumprod.length];
    for (int i = 0; i < sigmas.length; i++) {
      float a = alphasCumprod[i];
      sigmas[i] = (float) Math.sqrt((1f - a) / a);
    }
    return sigmas;
  }

  /** {@code np.log(sigmas)} in float32. */
  static float[] logSigmas(float[] sigmas) {
    float[] out = new float[sigmas.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) Math.log(sigmas[i]);
    }
    return out;
  }

  /**
   * Refuses a step count below 1 or above the training timesteps (diffusers' DDIM refuses more
   * steps than training timesteps; the others would repeat timesteps).
   */
  static void checkNumInferenceSteps(int numInferenceSteps, int numTrainTimesteps) {
    if (numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps) {
      throw new IllegalArgumentException(
          "numInferenceSteps must be in [1, "
              + numTrainTimesteps
              + "] (the training timesteps), but is: "
              + numInferenceSteps);
    }
  }

  /**
   * The timesteps of DPM-Solver's and UniPC's {@code set_timesteps} (diffusers' indexing), {@code
   * n} of them (without the last {@code -1} that numpy's {@code arange} adds in the trailing
   * spacing for some {@code n}, as {@link DDIMScheduler} drops it): {@code linspace} rounds {@code
   * linspace(0, L - 1, n + 1)} and drops its 0; {@code leading} takes {@code i * (L // (n + 1)) +
   * steps_offset} for {@code i = n..1}; {@code trailing} rounds {@code arange(L, 0, -T / n)} and
   * subtracts 1. {@code L} is the last timestep kept ({@code T} unless DPM-Solver's {@code
   * lambda_min_clipped} drops some).
   */
  static int[] multistepTimesteps(
      TimestepSpacing spacing, int numTrainTimesteps, int lastTimestep, int n, int stepsOffset) {
    int[] timesteps;
    switch (spacing) {
      case LINSPACE -> {
        // np.linspace(0, L - 1, n + 1).round()[::-1][:-1]
        double[] y = TimestepSpacing.linspace(0, lastTimestep - 1, n + 1);
        timesteps = new int[n];
        for (int i = 0; i < n; i++) {
          timesteps[i] = (int) Math.rint(y[n - i]);
        }
      }
      case LEADING -> {
        // (np.arange(0, n + 1) * (L // (n + 1))).round()[::-1][:-1] + steps_offset
        int stepRatio = lastTimestep / (n + 1);
        timesteps = new int[n];
        for (int i = 0; i < n; i++) {
          timesteps[i] = (n - i) * stepRatio + stepsOffset;
        }
      }
      case TRAILING -> {
        // np.arange(L, 0, -T / n).round() - 1
        double[] y = TimestepSpacing.arangeDown(lastTimestep, 0, -((double) numTrainTimesteps / n));
        timesteps = TimestepSpacing.trailingWithoutOvershoot(y, n);
      }
      default -> throw new IllegalStateException("unknown spacing: " + spacing);
    }
    return timesteps;
  }

  /**
   * The timesteps of Euler's and LMS's {@code set_timesteps} (diffusers' indexing, float32), {@code
   * n} of them (without the last {@code -1} that numpy's {@code arange} adds for some {@code n}):
   * {@code linspace} is {@code linspace(0, T - 1, n)} reversed, fractional; {@code leading} {@code
   * i * (T // n) + steps_offset} for {@code i = n-1..0}; {@code trailing} {@code arange(T, 0, -T /
   * n).round() - 1}.
   */
  static float[] discreteTimesteps(
      TimestepSpacing spacing, int numTrainTimesteps, int n, int stepsOffset) {
    float[] timesteps;
    switch (spacing) {
      case LINSPACE -> {
        // np.linspace(0, T - 1, n, dtype=np.float32)[::-1]
        double[] y = TimestepSpacing.linspace(0, numTrainTimesteps - 1, n);
        timesteps = new float[n];
        for (int i = 0; i < n; i++) {
          timesteps[i] = (float) y[n - 1 - i];
        }
      }
      case LEADING -> {
        // (np.arange(0, n) * (T // n)).round()[::-1] + steps_offset
        int stepRatio = numTrainTimesteps / n;
        timesteps = new float[n];
        for (int i = 0; i < n; i++) {
          timesteps[i] = (n - 1 - i) * stepRatio + stepsOffset;
        }
      }
      case TRAILING -> {
        // np.arange(T, 0, -T / n).round() - 1
        double[] y =
            TimestepSpacing.arangeDown(numTrainTimesteps, 0, -((double) numTrainTimesteps / n));
        int[] kept = TimestepSpacing.trailingWithoutOvershoot(y, n);
        timesteps = new float[kept.length];
        for (int i = 0; i < kept.length; i++) {
          timesteps[i] = kept[i];
        }
      }
      default -> throw new IllegalStateException("unknown spacing: " + spacing);
    }
    return timesteps;
  }

  /**
   * {@code np.interp(x, np.arange(len(fp)), fp)} in double: linear between the neighbours, the end
   * values outside (so that a timestep of -1 takes the sigma of timestep 0, as upstream).
   */
  static double interp(double x, float[] fp) {
    if (x <= 0) {
      return fp[0];
    }
    int last = fp.length - 1;
    if (x >= last) {
      return fp[last];
    }
    int j = (int) Math.floor(x);
    double slope = ((double) fp[j + 1] - fp[j]) / 1.0;
    return slope * (x - j) + fp[j];
  }

  /**
   * The sigmas of Karras et al. (2022), eq. (5), upstream's {@code _convert_to_karras}: {@code (max
   * ** (1 / rho) + ramp * (min ** (1 / rho) - max ** (1 / rho))) ** rho}, {@code rho = 7}, {@code
   * ramp = linspace(0, 1, n)}, in double.
   */
  static double[] karras(double sigmaMin, double sigmaMax, int n) {
    double rho = 7.0;
    double[] ramp = TimestepSpacing.linspace(0, 1, n);
    double minInvRho = Math.pow(sigmaMin, 1 / rho);
    double maxInvRho = Math.pow(sigmaMax, 1 / rho);
    double[] sigmas = new double[n];
    for (int i = 0; i < n; i++) {
      sigmas[i] = Math.pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
    }
    return sigmas;
  }

  /**
   * Upstream's {@code _sigma_to_t}: the fractional training timestep of {@code sigma}, linear in
   * {@code log(sigma)} between the two training timesteps around it, clipped to {@code [0, T - 1]}.
   * In numpy 1.x's types, which upstream runs on: the float64 {@code log(sigma)} meets the float32
   * {@code log_sigmas} as float32.
   */
  static double sigmaToT(double sigma, float[] logSigmas) {
    float logSigma = (float) Math.log(Math.max(sigma, 1e-10));
    // low_idx = cumsum(dists >= 0).argmax().clip(max=T - 2): the last log_sigma <= log(sigma)
    int lowIdx = 0;
    for (int i = 0; i < logSigmas.length; i++) {
      if (logSigma - logSigmas[i] >= 0) {
        lowIdx = i;
      }
    }
    lowIdx = Math.min(lowIdx, logSigmas.length - 2);
    int highIdx = lowIdx + 1;
    float low = logSigmas[lowIdx];
    float high = logSigmas[highIdx];
    float w = (low - logSigma) / (low - high);
    w = Math.max(0f, Math.min(1f, w));
    return (double) (1f - w) * lowIdx + (double) w * highIdx;
  }

  /**
   * The noise estimate: the model output, or its first half for a learned-variance model (the
   * variance channels are dropped, as upstream's {@code variance_type="learned_range"} and
   * IFPipeline's {@code noise_pred.split} do).
   */
  static Tensor noisePrediction(Tensor modelOutput, Tensor sample) {
    if (modelOutput == null) {
      throw new IllegalArgumentException("modelOutput must not be null");
    }
    if (sample == null) {
      throw new IllegalArgumentException("sample must not be null");
    }
    sample.requireRank(4, "sample");
    modelOutput.requireRank(4, "modelOutput");
    int c = sample.dim(1);
    if (modelOutput.dim(1) == 2 * c) {
      modelOutput = modelOutput.channels(0, c);
    }
    sample.requireSameShape(modelOutput, "modelOutput (its noise channels)");
    return modelOutput;
  }

  /**
   * The index of a run's step at {@code timestep}: the next one ({@code stepIndex}) once the run
   * has begun, which must be {@code timesteps[stepIndex]}; for the first step, upstream's {@code
   * index_for_timestep} (the second of several equal entries, so that an SDEdit start does not skip
   * a sigma), except that the run's first timestep is index 0 (a list that starts with a repeated
   * timestep, as Karras sigmas on the cosine schedule give, would otherwise overrun). Where
   * upstream takes the last index for a timestep not in the list, this throws.
   *
   * @param stepIndex the run's next index, or -1 before its first step
   */
  static int stepIndex(int[] timesteps, int stepIndex, int timestep) {
    if (stepIndex >= timesteps.length) {
      throw new IllegalStateException("this run has taken all its " + timesteps.length + " steps");
    }
    if (stepIndex >= 0) {
      if (timesteps[stepIndex] != timestep) {
        throw new IllegalArgumentException(
            "timestep must be "
                + timesteps[stepIndex]
                + " (entry "
                + stepIndex
                + " of the run's timesteps), but is: "
                + timestep);
      }
      return stepIndex;
    }
    if (timesteps[0] == timestep) {
      return 0;
    }
    int first = -1;
    for (int i = 0; i < timesteps.length; i++) {
      if (timesteps[i] == timestep) {
        if (first >= 0) {
          return i;
        }
        first = i;
      }
    }
    if (first < 0) {
      throw new IllegalArgumentException(
          "timestep must be one of the run's timesteps "
              + Arrays.toString(timesteps)
              + ", but is: "
              + timestep);
    }
    return first;
  }

  /** Refuses a timestep {@link Scheduler#addNoise} cannot place. */
  static void checkTimestep(int timestep, int offset, int numTrainTimesteps) {
    if (timestep < offset - 1 || timestep > offset + numTrainTimesteps - 1) {
      throw new IllegalArgumentException(
          "timestep must be in ["
              + offset
              + ", "
              + (offset + numTrainTimesteps - 1)
              + "] (or "
              + (offset - 1)
              + ", the clean image), but is: "
              + timestep);
    }
  }

  /**
   * Refuses a library timestep outside the noisy training timesteps (a step cannot start at the
   * clean image).
   *
   * @throws IllegalArgumentException naming the range
   */
  static void checkNoisyTimestep(int timestep, int offset, int numTrainTimesteps) {
    if (timestep < offset || timestep > offset + numTrainTimesteps - 1) {
      throw new IllegalArgumentException(
          "timestep must be in ["
              + offset
              + ", "
              + (offset + numTrainTimesteps - 1)
              + "] (or "
              + (offset - 1)
              + ", the clean image), but is: "
              + timestep);
    }
  }

  /**
   * {@code add_noise} of the schedulers on the sigma-scaled sample (Euler, LMS): {@code x_t = x0 +
   * sigma_t * noise} with the training timestep's sigma; the clean timestep returns a copy.
   */
  static Tensor addSigmaNoise(
      Tensor originalSamples, Tensor noise, int timestep, int offset, float[] sigmas) {
    originalSamples.requireSameShape(noise, "noise");
    checkTimestep(timestep, offset, sigmas.length);
    if (timestep == offset - 1) {
      return originalSamples.mul(1f);
    }
    return originalSamples.axpby(1f, noise, sigmas[timestep - offset]);
  }

  /**
   * {@code add_noise} of the multistep schedulers (DPM-Solver++, UniPC): {@code alpha_t * x0 +
   * sigma_t * noise}, both from the training timestep's sigma as {@link #sigmaToAlphaSigmaT}; the
   * clean timestep returns a copy.
   */
  static Tensor addAlphaSigmaNoise(
      Tensor originalSamples, Tensor noise, int timestep, int offset, float[] sigmas) {
    originalSamples.requireSameShape(noise, "noise");
    checkTimestep(timestep, offset, sigmas.length);
    if (timestep == offset - 1) {
      return originalSamples.mul(1f);
    }
    float[] alphaSigma = sigmaToAlphaSigmaT(sigmas[timestep - offset]);
    return originalSamples.axpby(alphaSigma[0], noise, alphaSigma[1]);
  }

  /**
   * Upstream's {@code _sigma_to_alpha_sigma_t}: {@code alpha_t = 1 / (sigma^2 + 1) ** 0.5}, {@code
   * sigma_t = sigma * alpha_t} (float32).
   */
  static float[] sigmaToAlphaSigmaT(float sigma) {
    float alphaT = 1f / (float) Math.sqrt(sigma * sigma + 1f);
    return new float[] {alphaT, sigma * alphaT};
  }

  /** {@code lambda = log(alpha_t) - log(sigma_t)} (float32); +infinity at {@code sigma = 0}. */
  static float lambda(float[] alphaSigma) {
    return (float) Math.log(alphaSigma[0]) - (float) Math.log(alphaSigma[1]);
  }

  /** {@code sample / divisor} element-wise in float32, as torch divides by a scalar. */
  static Tensor divide(Tensor sample, float divisor) {
    float[] x = sample.data();
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] / divisor;
    }
    return Tensor.wrap(out, sample.shape());
  }

  /**
   * {@code exp(d)} in float32 as torch computes it on the CPU: SLEEF's {@code expf_u10} (with fused
   * multiply-adds, as torch's AVX2 kernels run it), which is not always correctly rounded. The
   * third-order coefficients of DPM-Solver++ cancel ({@code (e^-h - 1 + h) / h^2 - 1/2}), so that
   * one unit in the last place of {@code e^-h} moves a run by more than the tests' 1e-5; with the
   * same exp the runs agree with upstream's.
   */
  static float torchExp(float d) {
    if (d < -104f) {
      return 0f;
    }
    if (d > 100f) {
      return Float.POSITIVE_INFINITY;
    }
    float q =
        (float)
            Math.rint(d * 1.442695040888963407359924681001892137426645954152985934135449406931f);
    float s = Math.fma(q, -0.693145751953125f, d);
    s = Math.fma(q, -1.428606765330187045e-06f, s);
    float u = 0.000198527617612853646278381f;
    u = Math.fma(u, s, 0.00139304355252534151077271f);
    u = Math.fma(u, s, 0.00833336077630519866943359f);
    u = Math.fma(u, s, 0.0416664853692054748535156f);
    u = Math.fma(u, s, 0.166666671633720397949219f);
    u = Math.fma(u, s, 0.5f);
    u = 1f + Math.fma(s * s, u, s);
    return Math.scalb(u, (int) q);
  }
}
