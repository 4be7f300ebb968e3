package dev.diffusion4j.examples;

import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every section and the showcase share: where to write, the seed, device, models. */
final class RunOptions {

  @Option(names = "--out", required = true, description = "Output folder.")
  Path out;

  @Option(
      names = "--seed",
      defaultValue = Support.DEFAULT_SEED,
      description = "Seed (default ${DEFAULT-VALUE}).")
  long seed = Support.SEED;

  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "auto, cpu, cuda or cuda:N (default ${DEFAULT-VALUE}).")
  String device = "auto";

  @Option(
      names = "--models",
      description =
          "Folder of the MNIST models (default: the repository's testdata/models/mnist, else the"
              + " models jar on the classpath).")
  Path models;

  @Option(
      names = "--data",
      description =
          "Folder of the held-out digits, "
              + ExampleData.HELDOUT_IMAGES
              + " and "
              + ExampleData.HELDOUT_LABELS
              + " (default: the repository's testdata/mnist, else the models jar).")
  Path data;

  SessionSettings settings() {
    return SessionSettings.on(Device.parse(device));
  }

  /** A context writing into {@code dir}, created and checked for writing first. */
  Context context(Path dir, SessionSettings settings) {
    return new Context(Support.prepareOutput(dir), seed, settings, models, data);
  }
}
