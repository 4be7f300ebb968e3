/**
 * Noise schedules, timestep lists and the samplers that step through them: the DDPM step, and
 * {@link dev.diffusion4j.schedule.DDIMScheduler}, {@link
 * dev.diffusion4j.schedule.DPMSolverMultistepScheduler}, {@link
 * dev.diffusion4j.schedule.UniPCMultistepScheduler}, {@link
 * dev.diffusion4j.schedule.EulerAncestralDiscreteScheduler} and {@link
 * dev.diffusion4j.schedule.LMSDiscreteScheduler} behind the {@link
 * dev.diffusion4j.schedule.Scheduler} contract. Euler Ancestral and LMS work on the sigma-scaled
 * sample: start from {@code noise * run.initNoiseSigma()} and call the model on {@code
 * run.scaleModelInput(x, t)}.
 *
 * <pre>{@code
 * DDPMScheduler s = DDPMScheduler.deepFloydIF();              // cosine, T = 1000, learned range
 * Tensor xt = s.addNoise(x0, noise.next(x0.shape()), 500);     // forward process
 * SchedulerOutput out = s.step(eps, v, 690, 660, xt, noise.next(xt.shape())); // one pair
 * Scheduler.Run ddpm = s.setTimesteps(Timesteps.of(990, 660, 330, 0)); // + a step to -1
 *
 * Scheduler dpm = DPMSolverMultistepScheduler.builder(NoiseSchedule.cosine(1000)).build();
 * Scheduler.Run run = dpm.setTimesteps(20);                   // 999, 949, ..., 50
 * for (int t : run.timesteps()) {
 *   x = run.step(model(x, t), t, x, null).prevSample();
 * }
 * }</pre>
 */
package dev.diffusion4j.schedule;
