package dev.diffusion4j.examples;

import dev.diffusion4j.Messages;
import dev.diffusion4j.MnistModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where the examples find the shipped MNIST models and the held-out digits, so that the examples
 * jar runs from any folder: a folder given with {@code --models DIR} or {@code --data DIR} first;
 * else the repository's {@code testdata/} (looked for from the working directory upwards); else the
 * models jar on the classpath ({@code dev/diffusion4j/models/mnist/}), whose files are copied once
 * per JVM to a temporary folder that is deleted on exit.
 */
final class ExampleData {

  /** Where the models jar keeps the models and the held-out digits. */
  static final String RESOURCE_FOLDER = "dev/diffusion4j/models/mnist/";

  /** The held-out digits' image file. */
  static final String HELDOUT_IMAGES = "heldout-images-idx3-ubyte";

  /** The held-out digits' label file. */
  static final String HELDOUT_LABELS = "heldout-labels-idx1-ubyte";

  /** How to put the models jar on the classpath, for --help and the messages. */
  static final String HOW =
      "the MNIST models and held-out digits are taken from --models DIR / --data DIR, else from"
          + " the repository's testdata/ (looked for from the working directory upwards), else"
          + " from the models jar on the classpath: java -cp diffusion4j-examples.jar:"
          + "diffusion4j-core-<version>-models.jar dev.diffusion4j.examples.Main ...";

  private static Path extracted;

  private ExampleData() {}

  /**
   * A shipped model file by name, e.g. {@code class-epoch20}.
   *
   * @param dir the folder given with --models, or null
   * @param name the model's name, without .onnx
   * @return the file
   * @throws IllegalArgumentException naming where it was looked for
   */
  static Path model(Path dir, String name) {
    return find(dir, "--models", "models/mnist/", name + ".onnx", "model file");
  }

  /**
   * A held-out digits file ({@link #HELDOUT_IMAGES} or {@link #HELDOUT_LABELS}).
   *
   * @param dir the folder given with --data, or null
   * @param file the file name
   * @return the file
   * @throws IllegalArgumentException naming where it was looked for
   */
  static Path data(Path dir, String file) {
    return find(dir, "--data", "mnist/", file, "held-out digits file");
  }

  private static Path find(Path dir, String option, String testdata, String file, String what) {
    if (dir != null) {
      Path p = dir.resolve(file);
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(
            what + " does not exist: " + Messages.quote(p) + " (in " + option + " " + dir + ")");
      }
      return p;
    }
    Path repo = Support.testdata(testdata + file);
    if (Files.isRegularFile(repo)) {
      return repo;
    }
    Path fromJar = fromClasspath(file);
    if (fromJar != null) {
      return fromJar;
    }
    throw new IllegalArgumentException(what + " " + file + " not found (" + HOW + ")");
  }

  /** Copies a resource of the models jar to this JVM's temporary folder, once. */
  private static synchronized Path fromClasspath(String file) {
    URL url = resource(RESOURCE_FOLDER + file);
    if (url == null) {
      return null;
    }
    try {
      if (extracted == null) {
        extracted = Files.createTempDirectory("diffusion4j-examples-");
        extracted.toFile().deleteOnExit();
      }
      Path target = extracted.resolve(file);
      if (!Files.isRegularFile(target)) {
        try (InputStream in = url.openStream()) {
          Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        target.toFile().deleteOnExit();
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + url + " to a temporary folder: " + e, e);
    }
  }

  private static URL resource(String path) {
    ClassLoader loader = ExampleData.class.getClassLoader();
    URL url = loader == null ? null : loader.getResource(path);
    if (url == null) {
      url = ClassLoader.getSystemResource(path);
    }
    return url;
  }

  /** Whether a model of this name is shipped. */
  static boolean shipped(String name) {
    return MnistModels.NAMES.contains(name);
  }
}
