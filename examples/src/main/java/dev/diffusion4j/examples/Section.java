package dev.diffusion4j.examples;

import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * One section of the study: a subcommand on its own, and a part of the showcase. A section writes
 * its figures into a folder and returns them with captions.
 */
abstract class Section implements Callable<Integer> {

  @Option(names = "--out", required = true, description = "Output folder.")
  Path out;

  @Option(names = "--seed", defaultValue = "180", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "auto, cpu, cuda or cuda:N (default ${DEFAULT-VALUE}).")
  String device;

  @Option(
      names = "--models",
      description = "Folder of the MNIST models (default: testdata/models/mnist).")
  Path models;

  /** The section's title in the gallery. */
  abstract String title();

  /** Which part of the study the section belongs to: "A" or "B". */
  abstract String part();

  /** One paragraph on what the section shows. */
  abstract String description();

  /** Writes the figures into {@code ctx.out} and returns them. */
  abstract List<Figure> render(Context ctx);

  Context context(Path dir) {
    Path m = models != null ? models : Support.testdata("models/mnist");
    return new Context(
        Support.prepareOutput(dir), seed, SessionSettings.on(Device.parse(device)), m);
  }

  @Override
  public Integer call() {
    Context ctx = context(out);
    for (Figure f : render(ctx)) {
      System.out.println(out.resolve(f.file()) + ": " + f.caption());
    }
    return 0;
  }
}
