package dev.diffusion4j.examples;

import dev.diffusion4j.ConsoleProgress;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.image.MnistDigits;
import dev.diffusion4j.model.MnistDenoiser;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;

/** What every section needs: where to write, the seed, the models and the held-out digits. */
final class Context {

  final Path out;
  final long seed;
  final SessionSettings settings;

  /** The folder of the models and their figures (the repository's, unless --models gives one). */
  final Path models;

  /** The folder given with --models, or null: the shipped models are then found by ExampleData. */
  private final Path modelsOption;

  /** The folder given with --data, or null. */
  private final Path data;

  String label = "";
  private MnistDigits heldout;

  Context(Path out, long seed, SessionSettings settings, Path modelsOption, Path data) {
    this.out = out;
    this.seed = seed;
    this.settings = settings;
    this.modelsOption = modelsOption;
    this.models = modelsOption != null ? modelsOption : Support.testdata("models/mnist");
    this.data = data;
  }

  Path model(String kind, int epoch) {
    return model(kind + "-epoch" + epoch);
  }

  /**
   * A model of the models folder by name, e.g. {@code time-epoch20}.
   *
   * @throws IllegalArgumentException naming the option and the artifact that provide it when the
   *     file is not there
   */
  Path model(String name) {
    if (modelsOption == null) {
      return ExampleData.model(null, name);
    }
    Path file = modelsOption.resolve(name + ".onnx");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          Support.missingModel(file, "give their folder with --models DIR"));
    }
    return file;
  }

  /**
   * A progress display for a run of this section, in the one style of every command: redrawn in
   * place on a console, a line per tenth of the run when piped ({@code System.console() == null}).
   */
  ConsoleProgress progress() {
    return ConsoleProgress.toStandardError().labelled(label);
  }

  Diffusion diffusion(String kind, int epoch) {
    return diffusion(kind + "-epoch" + epoch);
  }

  Diffusion diffusion(String name) {
    return Diffusion.mnist(model(name), settings);
  }

  MnistDenoiser denoiser(int epoch) {
    return MnistDenoiser.load(model("denoiser", epoch), settings);
  }

  synchronized MnistDigits heldout() {
    if (heldout == null) {
      heldout =
          MnistDigits.read(
              ExampleData.data(data, ExampleData.HELDOUT_IMAGES),
              ExampleData.data(data, ExampleData.HELDOUT_LABELS));
    }
    return heldout;
  }

  /** The first held-out digit of a class, {@code [1, 1, 28, 28]}. */
  Tensor digit(int d) {
    return heldout().ofDigit(d, 1);
  }

  /** One held-out digit per class 0-9, {@code [10, 1, 28, 28]}. */
  Tensor digits() {
    Tensor[] all = new Tensor[10];
    for (int d = 0; d < 10; d++) {
      all[d] = digit(d);
    }
    return Tensor.concatBatch(all);
  }
}
