package dev.diffusion4j.schedule;

import dev.diffusion4j.tensor.Tensor;

/**
 * The result of one scheduler step, diffusers' {@code DDIMSchedulerOutput}.
 *
 * @param prevSample the sample at the previous (less noisy) timestep, {@code x_t'}
 * @param predOriginalSample the clean estimate {@code x0_hat} the step used (after clipping or
 *     thresholding); for DPM-Solver++ the data prediction it integrates
 */
public record SchedulerOutput(Tensor prevSample, Tensor predOriginalSample) {}
