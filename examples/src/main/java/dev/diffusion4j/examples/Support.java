package dev.diffusion4j.examples;

import dev.diffusion4j.image.ImageGrid;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Helpers shared by the example commands: model paths, output folders, progress, grids. */
final class Support {

  private Support() {}

  /** The default seed of every command, so that two commands without --seed agree. */
  static final String DEFAULT_SEED = "180";

  /** The default seed as a number. */
  static final long SEED = Long.parseLong(DEFAULT_SEED);

  /** Finds {@code testdata/<relative>} from the working directory or one of its parents. */
  static Path testdata(String relative) {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("testdata").resolve(relative);
      if (Files.exists(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    return Paths.get("testdata").resolve(relative);
  }

  /**
   * The default time model of {@code mnist-sample}: the time-conditioned UNet trained on the 59,000
   * standard MNIST training digits at the write-up's settings, with averaged weights. The runs on
   * the 9,000 npm digits ({@code time-epoch5/20/60}) stay shipped and are picked with {@code
   * --epoch}.
   */
  static final String TIME_DEFAULT = "time60k-epoch20";

  /**
   * The message for a model file that is not there: the option that gives another, and where the
   * shipped models are.
   */
  static String missingModel(Path file, String hint) {
    return "model file does not exist: "
        + dev.diffusion4j.Messages.quote(file)
        + " ("
        + hint
        + "; the shipped MNIST models are in the artifact dev.diffusion4j:diffusion4j-core with"
        + " classifier models: "
        + ExampleData.HOW
        + ")";
  }

  /** The shipped model {@code mnist-sample} uses for a kind when given neither epoch nor file. */
  static Path defaultModel(String kind, Path models) {
    return ExampleData.model(models, kind.equals("time") ? TIME_DEFAULT : kind + "-epoch20");
  }

  /**
   * The epochs of the shipped {@code <kind>-epoch<N>} models, ascending, e.g. {@code [5, 20]}, from
   * the library's own list of them ({@code MnistModels.NAMES}).
   */
  static List<Integer> shippedEpochs(String kind) {
    Pattern name = Pattern.compile(Pattern.quote(kind) + "-epoch(\\d+)");
    return dev.diffusion4j.MnistModels.NAMES.stream()
        .map(name::matcher)
        .filter(Matcher::matches)
        .map(m -> Integer.parseInt(m.group(1)))
        .sorted()
        .toList();
  }

  /** A shipped MNIST model by name, e.g. {@code time-epoch20}. */
  static Path shipped(String name) {
    return ExampleData.model(null, name);
  }

  /** The shipped MNIST model of a kind at an epoch, e.g. ("class", 20). */
  static Path mnistModel(String kind, int epoch) {
    return ExampleData.model(null, kind + "-epoch" + epoch);
  }

  /**
   * Creates the output folder and proves it can be written, before any sampling starts.
   *
   * @throws IllegalArgumentException naming the folder if it cannot be written
   */
  /** The default peer interpreter of the benchmarks, used when it exists. */
  static final String DEFAULT_PYTHON = "/usr/bin/python3";

  /**
   * Resolves a benchmark's --python: an explicit path must be an executable file (a typo is named,
   * not silently skipped); without one, the default is used when present.
   */
  static String python(String given) {
    if (given == null) {
      return DEFAULT_PYTHON;
    }
    if (!Files.isRegularFile(Path.of(given)) || !Files.isExecutable(Path.of(given))) {
      throw new IllegalArgumentException(
          "python must be an executable file, but is: "
              + given
              + (Files.exists(Path.of(given)) ? " (not an executable file)" : " (does not exist)"));
    }
    return given;
  }

  static Path prepareOutput(Path dir) {
    if (dir == null || dir.toString().isBlank()) {
      // Path.of("") is the working directory: an empty --out must not write there
      throw new IllegalArgumentException("out must name a folder, but is empty");
    }
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".write-check", ".tmp");
      Files.delete(probe);
      return dir;
    } catch (IOException | SecurityException e) {
      throw new IllegalArgumentException(
          "out folder cannot be written: " + dir + " (" + e + ")", e);
    }
  }

  /** Renders every image of a batch as grid tiles. */
  static List<BufferedImage> tiles(Tensor batch, ValueRange range) {
    List<BufferedImage> out = new ArrayList<>();
    for (int i = 0; i < batch.dim(0); i++) {
      out.add(Images.toImage(batch.clamp(rangeMin(range), 1f), i, range));
    }
    return out;
  }

  private static float rangeMin(ValueRange range) {
    return range == ValueRange.ZERO_TO_ONE ? 0f : -1f;
  }

  /** Writes a grid of a batch to a PNG. */
  static void writeGrid(
      Tensor batch, ValueRange range, int columns, int scale, List<String> captions, Path path) {
    Images.write(ImageGrid.render(tiles(batch, range), columns, scale, captions), path);
  }
}
