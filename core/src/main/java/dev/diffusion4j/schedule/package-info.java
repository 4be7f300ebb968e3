/**
 * Noise schedules, timestep lists and the samplers that step through them: {@link
 * dev.diffusion4j.schedule.DDPMScheduler}, {@link dev.diffusion4j.schedule.DDIMScheduler} and
 * {@link dev.diffusion4j.schedule.DPMSolverMultistepScheduler}, all behind the one {@link
 * dev.diffusion4j.schedule.Scheduler} contract that the denoising loop calls.
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
