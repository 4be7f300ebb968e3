package dev.diffusion4j.schedule;

import dev.diffusion4j.tensor.Tensor;

/**
 * The run of a scheduler that works on the sigma-scaled sample {@code x = x0 + sigma * noise}
 * (upstream's Euler and LMS schedulers, which copy these parts from each other): its sigmas, one
 * per timestep and a final 0, its {@code init_noise_sigma}, the step index, and {@code
 * scale_model_input}.
 */
abstract class SigmaRun extends ListRun {

  /** The run's sigmas: one per timestep, then the final one. */
  final float[] sigmas;

  private final float initNoiseSigma;

  /** The index of the next step, or -1 before the first. */
  int stepIndex = -1;

  SigmaRun(int[] timesteps, int finalTimestep, float[] sigmas, float initNoiseSigma) {
    super(timesteps, finalTimestep);
    this.sigmas = sigmas;
    this.initNoiseSigma = initNoiseSigma;
  }

  @Override
  public final double initNoiseSigma() {
    return initNoiseSigma;
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code sample / (sigma^2 + 1) ** 0.5} with the sigma of the step at {@code timestep} (the
   * run's next one, or upstream's first index for a run not yet begun).
   */
  @Override
  public final Tensor scaleModelInput(Tensor sample, int timestep) {
    int index = SchedulerSupport.stepIndex(timesteps, stepIndex, timestep);
    return SchedulerSupport.divide(sample, (float) Math.sqrt(sigmas[index] * sigmas[index] + 1f));
  }

  /**
   * Upstream's {@code init_noise_sigma}: the largest of {@code sigmas}, or {@code (max ** 2 + 1) **
   * 0.5} for the leading spacing.
   */
  static float initNoiseSigma(float[] sigmas, TimestepSpacing spacing) {
    float max = 0f;
    for (float s : sigmas) {
      max = Math.max(max, s);
    }
    return spacing == TimestepSpacing.LEADING ? (float) Math.sqrt(max * max + 1f) : max;
  }

  /** {@code x0 = x - sigma * eps} in float32, upstream's {@code pred_original_sample}. */
  static float[] predOriginalSample(float[] x, float[] eps, float sigma) {
    float[] pred = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      pred[i] = x[i] - sigma * eps[i];
    }
    return pred;
  }
}
