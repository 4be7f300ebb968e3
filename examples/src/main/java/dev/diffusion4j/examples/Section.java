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
  dev.diffusion4j.Sampler sampler() {
    return dev.diffusion4j.Sampler.DDPM;
  }

  Context context(Path dir) {
    return run.context(dir, run.settings());
  }

  @Override
  public Integer call() {
    Context ctx = context(run.out);
    ctx.label = title();
    for (Figure f : render(ctx)) {
      System.out.println(run.out.resolve(f.file()) + ": " + f.caption());
    }
    return 0;
  }
}
