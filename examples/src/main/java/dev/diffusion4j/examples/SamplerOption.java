package dev.diffusion4j.examples;

import dev.diffusion4j.Sampler;
import dev.diffusion4j.SamplerSettings;
import dev.diffusion4j.SamplerSettings.Setting;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler.AlgorithmType;
import dev.diffusion4j.schedule.TimestepSpacing;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code --sampler} option of the subcommands that sample: a short name of {@link Sampler}'s
 * table ({@link Sampler#cliNames()}), {@code ddpm} by default; and its scheduler's options ({@link
 * SamplerSettings}): {@code --karras}, {@code --solver-order}, {@code --lu-lambdas}, {@code --eta},
 * {@code --timestep-spacing}, {@code --algorithm}, {@code --steps-offset}. An option that the
 * chosen sampler's scheduler does not have is refused, naming the samplers that have it.
 */
final class SamplerOption {

  @Option(
      names = "--sampler",
      defaultValue = "ddpm",
      converter = Names.class,
      completionCandidates = Names.class,
      description =
          "one of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}); --steps is its number of"
              + " UNet passes, at its own timesteps.")
  Sampler sampler = Sampler.DDPM;

  @Option(
      names = "--karras",
      description = "Karras sigmas (use_karras_sigmas; --sampler dpm++, unipc or lms).")
  Boolean karras;

  @Option(
      names = "--solver-order",
      description = "solver_order: 1 to 3 (--sampler dpm++ or unipc), LMS's order 1 to 4 (lms).")
  Integer solverOrder;

  @Option(
      names = "--lu-lambdas",
      description = "Lu's uniform lambdas (use_lu_lambdas; --sampler dpm++).")
  Boolean luLambdas;

  @Option(
      names = "--eta",
      description = "DDIM's eta, the weight of each step's fresh noise, >= 0 (--sampler ddim).")
  Double eta;

  @Option(
      names = "--timestep-spacing",
      description = "linspace, leading or trailing (timestep_spacing; every sampler but ddpm).")
  String timestepSpacing;

  @Option(
      names = "--algorithm",
      description = "dpmsolver++ or sde-dpmsolver++ (algorithm_type; --sampler dpm++).")
  String algorithm;

  @Option(
      names = "--steps-offset",
      description = "steps_offset, added to leading timesteps, >= 0 (every sampler but ddpm).")
  Integer stepsOffset;

  /**
   * Returns the sampler with the scheduler options given.
   *
   * @throws IllegalArgumentException naming the first option the sampler has not, or a bad value
   */
  SamplerSettings settings() {
    SamplerSettings s = SamplerSettings.of(sampler);
    if (karras != null) {
      s = check("--karras", Setting.KARRAS_SIGMAS, s).karrasSigmas(karras);
    }
    if (solverOrder != null) {
      s = check("--solver-order", Setting.SOLVER_ORDER, s).solverOrder(solverOrder);
    }
    if (luLambdas != null) {
      s = check("--lu-lambdas", Setting.LU_LAMBDAS, s).luLambdas(luLambdas);
    }
    if (eta != null) {
      s = check("--eta", Setting.ETA, s).eta(eta);
    }
    if (timestepSpacing != null) {
      s =
          check("--timestep-spacing", Setting.TIMESTEP_SPACING, s)
              .timestepSpacing(TimestepSpacing.fromDiffusers(timestepSpacing));
    }
    if (algorithm != null) {
      s =
          check("--algorithm", Setting.ALGORITHM, s)
              .algorithm(AlgorithmType.fromDiffusers(algorithm));
    }
    if (stepsOffset != null) {
      s = check("--steps-offset", Setting.STEPS_OFFSET, s).stepsOffset(stepsOffset);
    }
    return s;
  }

  private SamplerSettings check(String option, Setting setting, SamplerSettings s) {
    if (!setting.appliesTo(sampler)) {
      throw new IllegalArgumentException(
          option
              + " does not apply to --sampler "
              + sampler.cliName()
              + ", whose scheduler has no "
              + setting.diffusersName()
              + "; it is for --sampler "
              + setting.samplerNames());
    }
    return s;
  }

  /**
   * Reads a sampler's short name, refusing any other with the list of valid ones, and lists the
   * names for the help text.
   */
  static final class Names implements ITypeConverter<Sampler>, Iterable<String> {
    @Override
    public Sampler convert(String value) {
      try {
        return Sampler.fromName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }

    @Override
    public Iterator<String> iterator() {
      return Sampler.cliNames().iterator();
    }
  }
}
