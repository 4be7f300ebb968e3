package dev.diffusion4j;

import dev.diffusion4j.tensor.Tensor;

/**
 * Where a run is: sent to the progress callback ({@link AbstractPipeline#progress}) after every
 * step, on the thread that runs the pipeline. {@link ConsoleProgress} is a ready display.
 *
 * <p>The step's images come with it, for a live preview (diffusers' {@code callback_on_step_end}
 * sees the latents): {@link #sample()} is {@code x_t} after the step (at {@link #timestep()}, the
 * mask's projection done) and {@link #cleanEstimate()} the scheduler's clean estimate of the step
 * ({@code pred_original_sample}, {@code x0_hat}, after clipping or thresholding). Both are the
 * loop's own tensors, handed over without a copy, so a callback that ignores them costs nothing.
 * Tensors are immutable: the callback may keep them as long as it likes (the loop never writes to
 * them again), but must not write to their {@link Tensor#data()} arrays. Their values are in the
 * model's value range only roughly; {@link dev.diffusion4j.image.Images#toImage} clamps them.
 *
 * @param step the number of steps done, from 1
 * @param totalSteps the number of steps of the run
 * @param timestep the timestep the sample now stands at (0 after the last step)
 * @param sample {@code [N, C, H, W]}: the samples after this step; {@code null} only for a progress
 *     made with the three-argument constructor
 * @param cleanEstimate {@code [N, C, H, W]}: the step's clean estimate of the samples; {@code null}
 *     only for a progress made with the three-argument constructor
 */
public record Progress(
    int step, int totalSteps, int timestep, Tensor sample, Tensor cleanEstimate) {

  /**
   * A progress without images (for tests and displays of the count alone).
   *
   * @param step the number of steps done, from 1
   * @param totalSteps the number of steps of the run
   * @param timestep the timestep the sample now stands at
   */
  public Progress(int step, int totalSteps, int timestep) {
    this(step, totalSteps, timestep, null, null);
  }

  /** Prints the step, total and timestep (the tensors by shape only). */
  @Override
  public String toString() {
    return "Progress[step="
        + step
        + ", totalSteps="
        + totalSteps
        + ", timestep="
        + timestep
        + (sample == null ? "" : ", sample=" + java.util.Arrays.toString(sample.shape()))
        + "]";
  }
}
