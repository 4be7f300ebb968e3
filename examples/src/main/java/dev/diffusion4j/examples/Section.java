package dev.diffusion4j.examples;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/**
 * One section of the write-up: a subcommand on its own, and a part of the showcase. A section
 * writes its figures into a folder and returns them with captions.
 */
abstract class Section implements Callable<Integer> {

  @Mixin RunOptions run = new RunOptions();

  /** The section's title in the gallery. */
  abstract String title();

  /** Which part of the write-up the section belongs to: "A" or "B". */
  abstract String part();

  /** One paragraph on what the section shows. */
  abstract String description();

  /** Writes the figures into {@code ctx.out} and returns them. */
  abstract List<Figure> render(Context ctx);

  /** The sampler of the section's pipelines: DDPM, unless the subcommand takes --sampler. */
  dev.diffusion4j.SamplerSettings sampler() {
    return dev.diffusion4j.SamplerSettings.of(dev.diffusion4j.Sampler.DDPM);
  }

  Context context(Path dir) {
    return run.context(dir, run.settings());
  }

  /** Whether this run reads the MNIST models, so that {@code --models} matters. */
  boolean usesModels() {
    return true;
  }

  /** Whether this run reads the held-out digits, so that {@code --data} matters. */
  boolean usesHeldout() {
    return true;
  }

  /** The command's spec when picocli made this section (null when the showcase made it). */
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * Refuses the options among {@code names} that the command line gave, with the reason they do not
   * apply.
   *
   * @throws IllegalArgumentException naming the first such option
   */
  void refuseGiven(String why, String... names) {
    if (spec == null || spec.commandLine().getParseResult() == null) {
      return;
    }
    for (String name : names) {
      if (spec.commandLine().getParseResult().hasMatchedOption(name)) {
        throw new IllegalArgumentException(name + " does not apply to " + commandName() + why);
      }
    }
  }

  /** The subcommand's name, for messages. */
  String commandName() {
    picocli.CommandLine.Command c = getClass().getAnnotation(picocli.CommandLine.Command.class);
    return c != null ? c.name() : getClass().getSimpleName();
  }

  /**
   * Refuses, before any work, a shared option that this run would ignore (README: options that
   * would be ignored are refused).
   *
   * @throws IllegalArgumentException naming the option and why it does not apply
   */
  void refuseIgnoredOptions() {
    sampler(); // refuses a scheduler option that the chosen sampler has not
    if (run.models != null && !usesModels()) {
      throw new IllegalArgumentException(
          "--models does not apply to " + commandName() + ": this run reads no MNIST model");
    }
    if (run.data != null && !usesHeldout()) {
      throw new IllegalArgumentException(
          "--data does not apply to " + commandName() + ": this run reads no held-out digit");
    }
  }

  @Override
  public Integer call() {
    refuseIgnoredOptions();
    Context ctx = context(run.out);
    ctx.label = title();
    for (Figure f : render(ctx)) {
      System.out.println(run.out.resolve(f.file()) + ": " + f.caption());
    }
    return 0;
  }
}
