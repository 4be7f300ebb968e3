package dev.diffusion4j.schedule;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;

/**
 * What a denoising loop asks of a sampler: the part of diffusers' scheduler API that its pipelines
 * call ({@code set_timesteps}, {@code timesteps}, {@code step}, {@code add_noise}).
 *
 * <p>diffusers' schedulers carry the state of a run ({@code set_timesteps} resets it, {@code step}
 * advances it). Here the scheduler is an immutable setting, and {@link #setTimesteps(int)} returns
 * that state as a fresh {@link Run}, so that one scheduler can serve many runs and threads:
 *
 * <pre>{@code
 * Scheduler scheduler = DPMSolverMultistepScheduler.builder(NoiseSchedule.mnist()).build();
 * Scheduler.Run run = scheduler.setTimesteps(20);
 * Tensor x = noise.next(1, 1, 28, 28);                 // init_noise_sigma is 1
 * for (int t : run.timesteps()) {
 *   Tensor eps = model.predict(x, t);                  // the noise estimate (C or 2C channels)
 *   x = run.step(eps, t, x, noise).prevSample();
 * }
 * }</pre>
 *
 * <p>Timesteps are the library's (those a model is called with): for IF's cosine schedule they are
 * diffusers' own; for part B's linear schedule, whose timestep 0 is the clean image ({@link
 * NoiseSchedule#linear}), they are diffusers' plus one. The sigma-scaled samplers (Euler Ancestral,
 * LMS) start from noise of standard deviation {@link Run#initNoiseSigma()} and scale the model's
 * input ({@link Run#scaleModelInput}); for the others both are the identity.
 *
 * <p>Implementations are immutable and thread-safe; a {@link Run} is not.
 */
public interface Scheduler {

  /**
   * Returns the noise schedule.
   *
   * @return the schedule
   */
  NoiseSchedule schedule();

  /**
   * Returns the timestep of the clean image, where a run ends: -1 for a schedule whose timestep 0
   * is already noisy (IF's cosine; diffusers' {@code alphas_cumprod[-1]} of 1), 0 for part B's
   * linear schedule.
   *
   * @return -1 or 0
   */
  int cleanTimestep();

  /**
   * Starts a run of {@code numInferenceSteps} steps: diffusers' {@code set_timesteps}.
   *
   * @param numInferenceSteps the number of denoising steps, at least 1
   * @return the run, holding its timesteps and the state its steps share
   * @throws IllegalArgumentException if the count is out of range for this scheduler
   */
  Run setTimesteps(int numInferenceSteps);

  /**
   * Starts a run over an explicit list of timesteps: diffusers' {@code
   * set_timesteps(timesteps=...)}. Only schedulers that step between any two timesteps take one
   * ({@link DDPMScheduler}); the others refuse it, as diffusers' do.
   *
   * @param timesteps the list, noisiest first, within this scheduler's schedule
   * @return the run
   * @throws IllegalArgumentException if this scheduler takes no explicit list, or the list does not
   *     fit its schedule
   */
  default Run setTimesteps(Timesteps timesteps) {
    throw new IllegalArgumentException(
        getClass().getSimpleName()
            + " takes no explicit timestep list; use setTimesteps(numInferenceSteps), but got: "
            + timesteps);
  }

  /**
   * The forward process at {@code timestep}: {@code x_t = alpha_t * x0 + sigma_t * noise},
   * diffusers' {@code add_noise}. The start of an SDEdit run ({@code timesteps()[start]}) and the
   * known region of an inpainting step ({@code timesteps()[i + 1]}). At {@link #cleanTimestep()} it
   * returns a copy of {@code originalSamples}, as diffusers' inpainting pipelines take the original
   * at the last step.
   *
   * @param originalSamples clean images {@code x0}. Not modified.
   * @param noise {@code N(0, I)} noise, the same shape. Not modified.
   * @param timestep a timestep of the schedule, or {@link #cleanTimestep()}
   * @return {@code x_t}
   * @throws IllegalArgumentException if the shapes differ or the timestep is out of range
   */
  Tensor addNoise(Tensor originalSamples, Tensor noise, int timestep);

  /**
   * The state of one run: its timesteps and whatever its steps carry from one to the next (the
   * model outputs of a multistep solver). Not thread-safe: one per run.
   */
  interface Run {

    /**
     * Returns the timesteps of the run, noisiest first, one model call and one {@link #step} each
     * (diffusers' {@code scheduler.timesteps}). An SDEdit run starts at an index {@code start > 0}
     * of this list from {@link Scheduler#addNoise} at {@code timesteps()[start]}.
     *
     * @return a copy of the timesteps
     */
    int[] timesteps();

    /**
     * Returns the number of steps of the run, {@code timesteps().length}.
     *
     * @return the step count
     */
    int numInferenceSteps();

    /**
     * Returns the timestep the run's last step ends at, so that a loop can name where each step
     * ends: step {@code i} ends at {@code timesteps()[i + 1]}, the last at this one. Usually {@link
     * Scheduler#cleanTimestep()}; a noisy timestep where the scheduler stops short of the clean
     * image (DDIM without {@code set_alpha_to_one}, or whose last stride lands at 0 or above;
     * DPM-Solver++ with {@code final_sigmas_type="sigma_min"}).
     *
     * @return the last step's end
     */
    int finalTimestep();

    /**
     * One reverse step from {@code timestep}, diffusers' {@code step}.
     *
     * @param modelOutput the model's noise estimate for {@code sample} (after guidance), with the
     *     sample's channels or, for a learned-variance model, twice as many, the second half being
     *     the variance, which these samplers ignore as diffusers does. Not modified.
     * @param timestep the timestep of {@code sample}, the run's next entry of {@link #timesteps()}
     * @param sample {@code x_t}, {@code [N, C, H, W]}. Not modified.
     * @param noise where a stochastic step draws its noise (one tensor of the sample's shape per
     *     step that needs it); may be {@code null} for a deterministic scheduler
     * @return {@code x_t'} and the clean estimate used for it
     * @throws IllegalArgumentException if a shape or the timestep does not fit
     * @throws IllegalStateException if the run has taken all its steps
     */
    SchedulerOutput step(Tensor modelOutput, int timestep, Tensor sample, NoiseSource noise);

    /**
     * Scales the sample before the model sees it, as diffusers' {@code scale_model_input}; the
     * identity for schedulers that do not scale.
     *
     * @param sample the current sample; not modified
     * @param timestep the timestep of this step
     * @return the scaled sample, or {@code sample} itself
     */
    default Tensor scaleModelInput(Tensor sample, int timestep) {
      return sample;
    }

    /**
     * The standard deviation of the initial noise, as diffusers' {@code init_noise_sigma}: 1 for
     * schedulers that start from unit Gaussian noise.
     *
     * @return the factor the loop multiplies the initial noise by
     */
    default double initNoiseSigma() {
      return 1.0;
    }
  }
}
