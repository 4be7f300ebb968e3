/**
 * Noise schedules, timestep lists and the DDPM step.
 *
 * <pre>{@code
 * DDPMScheduler s = DDPMScheduler.deepFloydIF();              // cosine, T = 1000, learned range
 * Tensor xt = s.addNoise(x0, noise.next(x0.shape()), 500);     // forward process
 * StepOutput out = s.step(eps, v, 690, 660, xt, noise.next(xt.shape()));
 * }</pre>
 */
package dev.diffusion4j.schedule;
