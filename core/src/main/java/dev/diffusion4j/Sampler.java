package dev.diffusion4j;

import dev.diffusion4j.schedule.DDIMScheduler;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler;
import dev.diffusion4j.schedule.EulerAncestralDiscreteScheduler;
import dev.diffusion4j.schedule.LMSDiscreteScheduler;
import dev.diffusion4j.schedule.NoiseSchedule;
import dev.diffusion4j.schedule.Scheduler;
import dev.diffusion4j.schedule.TimestepSpacing;
import dev.diffusion4j.schedule.UniPCMultistepScheduler;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Which sampler the denoising loop steps with: the table of samplers. Set per run with {@link
 * AbstractPipeline#sampler(Sampler)}, on both stages and with every technique; the default is
 * {@link #DDPM}. Each entry names its short name ({@link #cliName()}, read by the command line, the
 * Spark job's {@code sampler} column and every error message through {@link #cliNames()}) and how
 * it builds its {@link Scheduler} from the model's own {@link DDPMScheduler} ({@link
 * #scheduler(DDPMScheduler)}): its noise schedule, and its clipping and thresholding (as the
 * request's {@link Variant} and {@link AbstractPipeline#thresholding} leave them). A new sampler is
 * one more entry.
 *
 * <p>{@code steps(n)} ({@link AbstractPipeline#steps(int)}) is {@code n} UNet passes per sample
 * with every sampler, at the timesteps of the scheduler's {@code setTimesteps(n)}. Without it,
 * {@link #DDPM} walks the stage's default list and the others take as many steps as that list has
 * (300 on MNIST, 33 on IF stage I, 49 on stage II). Only {@link #DDPM} takes an explicit {@link
 * AbstractPipeline#timesteps} list.
 *
 * <p>Which to choose: on the class-conditioned MNIST model, {@link #EULER_ANCESTRAL} at 10 steps
 * classifies as many samples as requested as {@link #DDPM} at 300 (99.2-99.7% of 1,000 on four
 * seeds, against 99.2%), at a thirtieth of the UNet passes; the deterministic samplers ({@link
 * #DDIM}, {@link #DPM_SOLVER_PP}, {@link #UNIPC}, {@link #LMS}) reach about 97.5% at 20 steps
 * (README, "Samplers: quality against steps").
 *
 * <table>
 *   <caption>The schedulers each sampler builds</caption>
 *   <tr><th>sampler</th><th>part B's linear schedule (MNIST)</th><th>IF's cosine schedule</th></tr>
 *   <tr><td>{@link #DDPM}</td><td>part B's sampler: {@code n} evenly spaced steps from 300 to
 *       0</td><td>the model's config; diffusers' {@code leading} list, or with {@link
 *       Variant#STUDY} {@code n} evenly spaced steps from 990 to 0</td></tr>
 *   <tr><td>{@link #DDIM}</td><td>{@code timestep_spacing="trailing"} (300, 285, ..., 15 for
 *       20 steps), {@code eta=0}, {@code clip_sample} as the model's scheduler (off)</td>
 *       <td>diffusers' defaults ({@code leading}, {@code eta=0}), clipping and thresholding as
 *       the model's scheduler config</td></tr>
 *   <tr><td>{@link #DPM_SOLVER_PP}</td><td colspan="2">diffusers' defaults: {@code linspace},
 *       {@code solver_order=2}, {@code midpoint}, {@code lower_order_final}; thresholding as the
 *       model's scheduler config (DPM-Solver++ has no {@code clip_sample})</td></tr>
 *   <tr><td>{@link #UNIPC}</td><td colspan="2">diffusers' defaults: {@code bh2}, {@code
 *       solver_order=2}, {@code linspace}, {@code lower_order_final}; thresholding as the model's
 *       scheduler config</td></tr>
 *   <tr><td>{@link #EULER_ANCESTRAL}</td><td colspan="2">diffusers' defaults ({@code linspace}:
 *       the model is called at the fractional timestep rounded to an integer; the step uses the
 *       exact sigmas); it draws fresh noise at every step</td></tr>
 *   <tr><td>{@link #LMS}</td><td colspan="2">diffusers' defaults ({@code linspace}, order
 *       4)</td></tr>
 * </table>
 *
 * <p>Combinations to know of: with a mask, {@link Inpainting#REPAINT} re-noises the kept region to
 * each step's end with fresh noise, which a deterministic sampler (DDIM with {@code eta=0},
 * DPM-Solver++) then treats as if its own ODE had produced it; DPM-Solver++'s second-order step
 * also extrapolates from the previous step's clean estimate, which the projection changed outside
 * the mask. Both run and give plausible fills on MNIST, but they are not RePaint's stochastic
 * posterior; {@link Inpainting#DIFFUSERS} (the kept region stays the clean original) is the
 * consistent choice for these samplers. On the upscaler the image condition is always noised by the
 * model's own DDPM scheduler (diffusers' {@code image_noising_scheduler}). {@link
 * Pipeline#denoiseOnce} is the schedule's one-step clean estimate, the same for every sampler. With
 * a sampler other than DDPM, {@link Variant} decides the guidance rule and whether the config's
 * clipping and thresholding apply; where its run ends is the scheduler's ({@code
 * Scheduler.Run.finalTimestep()}).
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
              .build()),
  UNIPC(
      "unipc",
      config ->
          UniPCMultistepScheduler.builder(config.schedule())
              .thresholding(config.thresholding())
              .build()),
  EULER_ANCESTRAL(
      "euler-a", config -> EulerAncestralDiscreteScheduler.builder(config.schedule()).build()),
  LMS("lms", config -> LMSDiscreteScheduler.builder(config.schedule()).build());

  private final String cliName;
  private final Function<DDPMScheduler, Scheduler> factory;

  Sampler(String cliName, Function<DDPMScheduler, Scheduler> factory) {
    this.cliName = cliName;
    this.factory = factory;
  }

  /**
   * Returns the sampler's short name: {@code ddpm}, {@code ddim}, {@code dpm++}, {@code unipc},
   * {@code euler-a} or {@code lms}.
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
        "unknown sampler '" + Messages.quote(name) + "'; choose one of: " + cliNames());
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
