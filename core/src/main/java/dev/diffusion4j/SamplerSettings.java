package dev.diffusion4j;

import dev.diffusion4j.schedule.DDIMScheduler;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler.AlgorithmType;
import dev.diffusion4j.schedule.EulerAncestralDiscreteScheduler;
import dev.diffusion4j.schedule.LMSDiscreteScheduler;
import dev.diffusion4j.schedule.Scheduler;
import dev.diffusion4j.schedule.TimestepSpacing;
import dev.diffusion4j.schedule.UniPCMultistepScheduler;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A {@link Sampler} with some of its scheduler's options changed from the table on {@link Sampler}:
 * the options that diffusers' users set ({@code use_karras_sigmas}, {@code solver_order}, {@code
 * use_lu_lambdas}, {@code eta}, {@code timestep_spacing}, {@code algorithm_type}, {@code
 * steps_offset}). Each option applies to the samplers whose scheduler has it ({@link
 * Setting#samplers()}); setting it on another is refused, so that no option is silently ignored.
 * Immutable; each setter returns a new value. Give it to {@link AbstractPipeline#sampler(
 * SamplerSettings)}:
 *
 * <pre>{@code
 * SamplerSettings dpm3 = SamplerSettings.of(Sampler.DPM_SOLVER_PP).solverOrder(3).karrasSigmas(true);
 * diffusion.pipeline().label(3).guidance(5).sampler(dpm3).steps(20).generate();
 * }</pre>
 */
public final class SamplerSettings {

  /** A scheduler option, the samplers that have it, and its name in diffusers. */
  public enum Setting {
    /** {@code use_karras_sigmas}: DPM-Solver++, UniPC, LMS (diffusers offers it there). */
    KARRAS_SIGMAS("use_karras_sigmas", Sampler.DPM_SOLVER_PP, Sampler.UNIPC, Sampler.LMS),
    /** {@code solver_order} (DPM-Solver++ and UniPC, 1 to 3) and LMS's {@code order} (1 to 4). */
    SOLVER_ORDER("solver_order", Sampler.DPM_SOLVER_PP, Sampler.UNIPC, Sampler.LMS),
    /** {@code use_lu_lambdas}: DPM-Solver++ only. */
    LU_LAMBDAS("use_lu_lambdas", Sampler.DPM_SOLVER_PP),
    /** {@code eta}, the weight of each step's fresh noise: DDIM only. */
    ETA("eta", Sampler.DDIM),
    /** {@code timestep_spacing}: every sampler but DDPM, which walks its own list. */
    TIMESTEP_SPACING(
        "timestep_spacing",
        Sampler.DDIM,
        Sampler.DPM_SOLVER_PP,
        Sampler.UNIPC,
        Sampler.EULER_ANCESTRAL,
        Sampler.LMS),
    /** {@code algorithm_type} ({@code dpmsolver++} or {@code sde-dpmsolver++}): DPM-Solver++. */
    ALGORITHM("algorithm_type", Sampler.DPM_SOLVER_PP),
    /** {@code steps_offset}, added to the leading spacing's timesteps: every sampler but DDPM. */
    STEPS_OFFSET(
        "steps_offset",
        Sampler.DDIM,
        Sampler.DPM_SOLVER_PP,
        Sampler.UNIPC,
        Sampler.EULER_ANCESTRAL,
        Sampler.LMS);

    private final String diffusersName;
    private final List<Sampler> samplers;

    Setting(String diffusersName, Sampler... samplers) {
      this.diffusersName = diffusersName;
      this.samplers = List.of(samplers);
    }

    /**
     * Returns the option's name in diffusers' scheduler configs.
     *
     * @return e.g. {@code use_karras_sigmas}
     */
    public String diffusersName() {
      return diffusersName;
    }

    /**
     * Returns the samplers whose scheduler has this option, in {@link Sampler}'s order.
     *
     * @return the samplers
     */
    public List<Sampler> samplers() {
      return samplers;
    }

    /**
     * Tells whether {@code sampler}'s scheduler has this option.
     *
     * @param sampler the sampler
     * @return whether it applies
     */
    public boolean appliesTo(Sampler sampler) {
      return samplers.contains(sampler);
    }

    /**
     * Returns the short names of {@link #samplers()}, comma-separated, for messages.
     *
     * @return e.g. {@code dpm++, unipc, lms}
     */
    public String samplerNames() {
      return samplers.stream().map(Sampler::cliName).collect(Collectors.joining(", "));
    }
  }

  private final Sampler sampler;
  private final Map<Setting, Object> values;

  private SamplerSettings(Sampler sampler, Map<Setting, Object> values) {
    this.sampler = sampler;
    this.values = values;
  }

  /**
   * Returns {@code sampler} with the options of {@link Sampler}'s table.
   *
   * @param sampler the sampler
   * @return the settings
   * @throws IllegalArgumentException if {@code sampler} is null, listing the samplers
   */
  public static SamplerSettings of(Sampler sampler) {
    if (sampler == null) {
      throw new IllegalArgumentException(
          "sampler must not be null; choose one of: " + Sampler.cliNames());
    }
    return new SamplerSettings(sampler, new EnumMap<>(Setting.class));
  }

  /**
   * Returns the sampler.
   *
   * @return the sampler
   */
  public Sampler sampler() {
    return sampler;
  }

  /**
   * Tells whether an option was set (rather than left as {@link Sampler}'s table has it).
   *
   * @param setting the option
   * @return whether it was set
   */
  public boolean isSet(Setting setting) {
    return values.containsKey(setting);
  }

  /**
   * Sets {@code use_karras_sigmas}.
   *
   * @param karrasSigmas the setting
   * @return the new settings
   * @throws IllegalArgumentException if the sampler has no such option
   */
  public SamplerSettings karrasSigmas(boolean karrasSigmas) {
    return with(Setting.KARRAS_SIGMAS, karrasSigmas);
  }

  /**
   * Sets {@code solver_order} (LMS: {@code order}).
   *
   * @param solverOrder 1 to 3 (DPM-Solver++, UniPC) or 1 to 4 (LMS); with {@code sde-dpmsolver++}
   *     at most 2
   * @return the new settings
   * @throws IllegalArgumentException if the sampler has no such option or the order is out of range
   */
  public SamplerSettings solverOrder(int solverOrder) {
    return with(Setting.SOLVER_ORDER, solverOrder);
  }

  /**
   * Sets {@code use_lu_lambdas}.
   *
   * @param luLambdas the setting
   * @return the new settings
   * @throws IllegalArgumentException if the sampler has no such option, or with Karras sigmas
   */
  public SamplerSettings luLambdas(boolean luLambdas) {
    return with(Setting.LU_LAMBDAS, luLambdas);
  }

  /**
   * Sets DDIM's {@code eta}.
   *
   * @param eta at least 0 and finite
   * @return the new settings
   * @throws IllegalArgumentException if the sampler has no such option or {@code eta} is out of
   *     range
   */
  public SamplerSettings eta(double eta) {
    return with(Setting.ETA, eta);
  }

  /**
   * Sets {@code timestep_spacing}.
   *
   * @param timestepSpacing the spacing
   * @return the new settings
   * @throws IllegalArgumentException if the sampler has no such option or the spacing is null
   */
  public SamplerSettings timestepSpacing(TimestepSpacing timestepSpacing) {
    if (timestepSpacing == null) {
      throw new IllegalArgumentException("timestepSpacing must not be null");
    }
    return with(Setting.TIMESTEP_SPACING, timestepSpacing);
  }

  /**
   * Sets DPM-Solver++'s {@code algorithm_type}.
   *
   * @param algorithm the solver
   * @return the new settings
   * @throws IllegalArgumentException if the sampler has no such option, {@code algorithm} is null,
   *     or it meets a solver order it does not take
   */
  public SamplerSettings algorithm(AlgorithmType algorithm) {
    if (algorithm == null) {
      throw new IllegalArgumentException("algorithm must not be null");
    }
    return with(Setting.ALGORITHM, algorithm);
  }

  /**
   * Sets {@code steps_offset}; its upper bound, the schedule's last training timestep, is checked
   * when the scheduler is built for a model.
   *
   * @param stepsOffset at least 0
   * @return the new settings
   * @throws IllegalArgumentException if the sampler has no such option or it is negative
   */
  public SamplerSettings stepsOffset(int stepsOffset) {
    if (stepsOffset < 0) {
      throw new IllegalArgumentException("stepsOffset must be >= 0, but is: " + stepsOffset);
    }
    return with(Setting.STEPS_OFFSET, stepsOffset);
  }

  private SamplerSettings with(Setting setting, Object value) {
    if (!setting.appliesTo(sampler)) {
      throw new IllegalArgumentException(
          setting.diffusersName()
              + " does not apply to sampler "
              + sampler.cliName()
              + ", whose scheduler has no such option; it applies to: "
              + setting.samplerNames());
    }
    EnumMap<Setting, Object> next = new EnumMap<>(Setting.class);
    next.putAll(values);
    next.put(setting, value);
    // the builders check each value and their combinations: try them now on part B's schedule,
    // leaving steps_offset, whose bound is the model's schedule, to scheduler(config)
    EnumMap<Setting, Object> check = new EnumMap<>(next);
    check.remove(Setting.STEPS_OFFSET);
    new SamplerSettings(sampler, check).scheduler(DDPMScheduler.mnist());
    return new SamplerSettings(sampler, next);
  }

  /**
   * Builds the sampler's scheduler for a model whose own scheduler is {@code config}: {@link
   * Sampler#scheduler(DDPMScheduler)} with the options set here.
   *
   * @param config the model's DDPM scheduler; not modified
   * @return the scheduler
   * @throws IllegalArgumentException if {@code config} is null, or an option does not fit its
   *     schedule (a {@code steps_offset} past it) or another option
   */
  public Scheduler scheduler(DDPMScheduler config) {
    Scheduler base = sampler.scheduler(config);
    if (values.isEmpty()) {
      return base;
    }
    try {
      return switch (sampler) {
        case DDIM -> {
          DDIMScheduler.Builder b = ((DDIMScheduler) base).toBuilder();
          ifSet(Setting.ETA, Double.class, b::eta);
          ifSet(Setting.TIMESTEP_SPACING, TimestepSpacing.class, b::timestepSpacing);
          ifSet(Setting.STEPS_OFFSET, Integer.class, b::stepsOffset);
          yield b.build();
        }
        case DPM_SOLVER_PP -> {
          DPMSolverMultistepScheduler.Builder b = ((DPMSolverMultistepScheduler) base).toBuilder();
          ifSet(Setting.KARRAS_SIGMAS, Boolean.class, b::useKarrasSigmas);
          ifSet(Setting.SOLVER_ORDER, Integer.class, b::solverOrder);
          ifSet(Setting.LU_LAMBDAS, Boolean.class, b::useLuLambdas);
          ifSet(Setting.ALGORITHM, AlgorithmType.class, b::algorithmType);
          ifSet(Setting.TIMESTEP_SPACING, TimestepSpacing.class, b::timestepSpacing);
          ifSet(Setting.STEPS_OFFSET, Integer.class, b::stepsOffset);
          yield b.build();
        }
        case UNIPC -> {
          UniPCMultistepScheduler.Builder b = ((UniPCMultistepScheduler) base).toBuilder();
          ifSet(Setting.KARRAS_SIGMAS, Boolean.class, b::useKarrasSigmas);
          ifSet(Setting.SOLVER_ORDER, Integer.class, b::solverOrder);
          ifSet(Setting.TIMESTEP_SPACING, TimestepSpacing.class, b::timestepSpacing);
          ifSet(Setting.STEPS_OFFSET, Integer.class, b::stepsOffset);
          yield b.build();
        }
        case EULER_ANCESTRAL -> {
          EulerAncestralDiscreteScheduler.Builder b =
              ((EulerAncestralDiscreteScheduler) base).toBuilder();
          ifSet(Setting.TIMESTEP_SPACING, TimestepSpacing.class, b::timestepSpacing);
          ifSet(Setting.STEPS_OFFSET, Integer.class, b::stepsOffset);
          yield b.build();
        }
        case LMS -> {
          LMSDiscreteScheduler.Builder b = ((LMSDiscreteScheduler) base).toBuilder();
          ifSet(Setting.KARRAS_SIGMAS, Boolean.class, b::useKarrasSigmas);
          ifSet(Setting.SOLVER_ORDER, Integer.class, b::order);
          ifSet(Setting.TIMESTEP_SPACING, TimestepSpacing.class, b::timestepSpacing);
          ifSet(Setting.STEPS_OFFSET, Integer.class, b::stepsOffset);
          yield b.build();
        }
        case DDPM -> throw new IllegalStateException("DDPM has no options: " + values);
      };
    } catch (IllegalStateException e) {
      // a builder's refusal of two options together (solver order 3 with the SDE, Karras with Lu)
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Reads settings written as {@link #spec()} writes them: a sampler's short name ({@link
   * Sampler#cliNames()}), then optionally a colon and {@code name=value} pairs separated by commas,
   * with diffusers' option names ({@link Setting#diffusersName()}): {@code
   * dpm++:solver_order=3,use_karras_sigmas=true}, {@code ddim:eta=0.5}, {@code
   * unipc:timestep_spacing=leading,steps_offset=1}. Spaces around names and values are ignored;
   * booleans are {@code true} or {@code false}. This is the syntax of the Spark request table's
   * {@code sampler} column.
   *
   * @param spec the text
   * @return the settings
   * @throws IllegalArgumentException if {@code spec} is null or blank, names an unknown sampler or
   *     option, an option twice or one the sampler has not, or a value of the wrong kind or range,
   *     naming it and what was expected
   */
  public static SamplerSettings parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException(
          "a sampler spec must not be "
              + (spec == null ? "null" : "blank")
              + "; write e.g. dpm++ or dpm++:solver_order=3,use_karras_sigmas=true");
    }
    int colon = spec.indexOf(':');
    String name = (colon < 0 ? spec : spec.substring(0, colon)).trim();
    SamplerSettings s = of(Sampler.fromName(name));
    if (colon < 0) {
      return s;
    }
    String options = spec.substring(colon + 1);
    if (options.isBlank()) {
      throw new IllegalArgumentException(
          "sampler spec '" + Messages.quote(spec) + "' has a colon but no options after it");
    }
    for (String pair : options.split(",", -1)) {
      int eq = pair.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException(
            "sampler option '"
                + Messages.quote(pair.trim())
                + "' in '"
                + Messages.quote(spec)
                + "' is not name=value; options: "
                + optionNames());
      }
      String key = pair.substring(0, eq).trim();
      String value = pair.substring(eq + 1).trim();
      Setting setting = null;
      for (Setting t : Setting.values()) {
        if (t.diffusersName.equals(key)) {
          setting = t;
        }
      }
      if (setting == null) {
        throw new IllegalArgumentException(
            "unknown sampler option '"
                + Messages.quote(key)
                + "' in '"
                + Messages.quote(spec)
                + "'; options: "
                + optionNames());
      }
      if (s.isSet(setting)) {
        throw new IllegalArgumentException(
            "sampler option " + key + " is given twice in '" + Messages.quote(spec) + "'");
      }
      try {
        s =
            switch (setting) {
              case KARRAS_SIGMAS -> s.karrasSigmas(bool(value));
              case SOLVER_ORDER -> s.solverOrder(integer(value));
              case LU_LAMBDAS -> s.luLambdas(bool(value));
              case ETA -> s.eta(real(value));
              case TIMESTEP_SPACING -> s.timestepSpacing(TimestepSpacing.fromDiffusers(value));
              case ALGORITHM -> s.algorithm(AlgorithmType.fromDiffusers(value));
              case STEPS_OFFSET -> s.stepsOffset(integer(value));
            };
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "sampler option "
                + key
                + "='"
                + Messages.quote(value)
                + "' in '"
                + Messages.quote(spec)
                + "': "
                + e.getMessage(),
            e);
      }
    }
    return s;
  }

  /**
   * Returns these settings in the syntax {@link #parse(String)} reads: the sampler's short name,
   * then, if any option is set, a colon and the options in {@link Setting}'s order, e.g. {@code
   * dpm++:use_karras_sigmas=true,solver_order=3}. {@code parse(spec())} equals this value.
   *
   * @return the spec
   */
  public String spec() {
    return withOptions(",", ":", "");
  }

  /** The sampler's short name, then the options set as name=value, if any, joined as given. */
  private String withOptions(String delimiter, String prefix, String suffix) {
    if (values.isEmpty()) {
      return sampler.cliName();
    }
    return sampler.cliName()
        + values.entrySet().stream()
            .map(e -> e.getKey().diffusersName() + "=" + display(e.getValue()))
            .collect(Collectors.joining(delimiter, prefix, suffix));
  }

  private static String optionNames() {
    return java.util.Arrays.stream(Setting.values())
        .map(Setting::diffusersName)
        .collect(Collectors.joining(", ", "[", "]"));
  }

  private static boolean bool(String v) {
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException("expected true or false");
  }

  private static int integer(String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected an integer", e);
    }
  }

  private static double real(String v) {
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a number", e);
    }
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException("expected a finite number");
    }
    return d;
  }

  private <T> void ifSet(Setting setting, Class<T> type, java.util.function.Consumer<T> setter) {
    Object v = values.get(setting);
    if (v != null) {
      setter.accept(type.cast(v));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SamplerSettings s && sampler == s.sampler && values.equals(s.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sampler, values);
  }

  /** Returns the sampler's short name and the options set, e.g. {@code dpm++[solver_order=3]}. */
  @Override
  public String toString() {
    return withOptions(", ", "[", "]");
  }

  private static String display(Object v) {
    if (v instanceof TimestepSpacing t) {
      return t.name().toLowerCase(java.util.Locale.ROOT);
    }
    if (v instanceof AlgorithmType a) {
      return a.diffusersName();
    }
    return String.valueOf(v);
  }
}
