package dev.diffusion4j;

import dev.diffusion4j.schedule.DDIMScheduler;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler;
import dev.diffusion4j.schedule.NoiseSchedule;
import dev.diffusion4j.schedule.Scheduler;
import dev.diffusion4j.schedule.TimestepSpacing;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Which sampler the denoising loop steps with. Set per run with {@link Pipeline#sampler(Sampler)};
 * the default is {@link #DDPM}, the loop as it always was (its timestep list from {@link
 * AbstractPipeline#steps(int)} or {@link AbstractPipeline#timesteps}).
 *
 * <p>{@link #DDIM} and {@link #DPM_SOLVER_PP} build their {@link Scheduler} from the model's own
 * {@link DDPMScheduler} ({@link #scheduler(DDPMScheduler)}): its noise schedule, and its clipping
 * and thresholding (as the request's {@link Variant} and {@link AbstractPipeline#thresholding}
 * leave them). Their timesteps come from the scheduler's {@code setTimesteps(n)}, {@code n} being
 * the count given to {@link AbstractPipeline#steps(int)} (or the steps of the default list: 300 on
 * MNIST, 33 on IF stage I).
 *
 * <table>
 *   <caption>The schedulers each sampler builds</caption>
 *   <tr><th>sampler</th><th>part B's linear schedule (MNIST)</th><th>IF's cosine schedule</th></tr>
 *   <tr><td>{@link #DDIM}</td><td>{@code timestep_spacing="trailing"} (300, 285, ..., 15 for
 *       20 steps), {@code eta=0}, {@code clip_sample} as the model's scheduler (off)</td>
 *       <td>diffusers' defaults ({@code leading}, {@code eta=0}), clipping and thresholding as
 *       the model's scheduler config</td></tr>
 *   <tr><td>{@link #DPM_SOLVER_PP}</td><td colspan="2">diffusers' defaults: {@code linspace},
 *       {@code solver_order=2}, {@code midpoint}, {@code lower_order_final}; thresholding as the
 *       model's scheduler config (DPM-Solver++ has no {@code clip_sample})</td></tr>
 * </table>
 *
 * <p>Combinations to know of: with a mask, {@link Inpainting#REPAINT} re-noises the kept region to
 * each step's end with fresh noise, which a deterministic sampler (DDIM with {@code eta=0},
 * DPM-Solver++) then treats as if its own ODE had produced it; DPM-Solver++'s second-order step
 * also extrapolates from the previous step's clean estimate, which the projection changed outside
 * the mask. Both run and give plausible fills on MNIST, but they are not RePaint's stochastic
 * posterior; {@link Inpainting#DIFFUSERS} (the kept region stays the clean original) is the
 * consistent choice for these samplers. The upscaler and {@link Pipeline#denoiseOnce} stay on DDPM.
 * With DDIM or DPM-Solver++, {@link Variant} decides the guidance rule and whether the config's
 * clipping and thresholding apply; its "last step" rule is DDPM's (the scheduler decides where its
 * run ends, {@code Scheduler.Run.finalTimestep()}).
 */
public enum Sampler {
  /** The DDPM ancestral sampler of Ho et al. (2020): the model's {@link DDPMScheduler} itself. */
  DDPM("ddpm", config -> config),
  /** Song et al.'s (2021) DDIM: {@link DDIMScheduler}, deterministic ({@code eta=0}). */
  DDIM("ddim", Sampler::ddim),
  /** Lu et al.'s (2022) multistep DPM-Solver++ of order 2: {@link DPMSolverMultistepScheduler}. */
  DPM_SOLVER_PP(
      "dpm++",
      config ->
          DPMSolverMultistepScheduler.builder(config.schedule())
              .thresholding(config.thresholding())
              .build());

  private final String cliName;
  private final Function<DDPMScheduler, Scheduler> factory;

  Sampler(String cliName, Function<DDPMScheduler, Scheduler> factory) {
    this.cliName = cliName;
    this.factory = factory;
  }

  /**
   * Returns the sampler's short name: {@code ddpm}, {@code ddim} or {@code dpm++}.
   *
   * @return the name
   */
  public String cliName() {
    return cliName;
  }

  /**
   * Returns the short names of all samplers, in declaration order: the list that the command line,
   * the Spark job's {@code sampler} column and every error message read.
   *
   * @return the names
   */
  public static List<String> cliNames() {
    return Arrays.stream(values()).map(Sampler::cliName).toList();
  }

  /**
   * Returns the sampler with a short name (case-insensitive).
   *
   * @param name one of {@link #cliNames()}
   * @return the sampler
   * @throws IllegalArgumentException for any other name, listing the valid ones
   */
  public static Sampler fromName(String name) {
    for (Sampler s : values()) {
      if (s.cliName.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown sampler '" + name + "'; choose one of: " + cliNames());
  }

  /**
   * Builds this sampler's {@link Scheduler} for a model whose own scheduler is {@code config}, as
   * the table on this type says; {@link #DDPM} returns {@code config} itself.
   *
   * @param config the model's DDPM scheduler (schedule, clipping, thresholding, last-step rule).
   *     Not modified.
   * @return the scheduler
   * @throws IllegalArgumentException if {@code config} is null
   */
  public Scheduler scheduler(DDPMScheduler config) {
    if (config == null) {
      throw new IllegalArgumentException("config must not be null");
    }
    return factory.apply(config);
  }

  private static Scheduler ddim(DDPMScheduler config) {
    DDIMScheduler.Builder b =
        DDIMScheduler.builder(config.schedule())
            .eta(0.0)
            .clipSample(config.clipSample())
            .clipSampleRange(config.clipSampleRange())
            .thresholding(config.thresholding());
    if (config.schedule().kind() == NoiseSchedule.Kind.LINEAR) {
      b.timestepSpacing(TimestepSpacing.TRAILING);
    }
    return b.build();
  }
}
