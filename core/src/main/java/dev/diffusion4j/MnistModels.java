package dev.diffusion4j;

import dev.diffusion4j.model.MnistDenoiser;
import dev.diffusion4j.model.ModelSource;
import dev.diffusion4j.model.SessionSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;

/**
 * The trained MNIST models that ship with the library, opened from the classpath. They live in the
 * artifact {@code dev.diffusion4j:diffusion4j-core} with classifier {@code models}, each with its
 * model card (a JSON file of the training settings and the measured quality):
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>dev.diffusion4j</groupId>
 *   <artifactId>diffusion4j-core</artifactId>
 *   <version>0.2.0-SNAPSHOT</version>
 *   <classifier>models</classifier>
 * </dependency>
 * }</pre>
 *
 * <table>
 *   <caption>The shipped models</caption>
 *   <tr><th>name</th><th>what</th><th>opened by</th></tr>
 *   <tr><td>class-epoch20, class-epoch5</td><td>the class-conditioned UNet (a digit 0-9 as the
 *       condition; classifier-free guidance), after 20 and 5 epochs</td>
 *       <td>{@link #classConditioned()}, {@link #open(String)}</td></tr>
 *   <tr><td>time60k-epoch20</td><td>the time-conditioned UNet (unconditional sampling), 20 epochs
 *       on 59,000 digits</td><td>{@link #time()}</td></tr>
 *   <tr><td>time-epoch5, time-epoch20, time-epoch60</td><td>the time-conditioned UNet trained on
 *       9,000 digits</td><td>{@link #open(String)}</td></tr>
 *   <tr><td>denoiser-epoch1, denoiser-epoch5, denoiser-epoch10</td><td>the one-step denoiser
 *       ({@code sigma = 0.5})</td><td>{@link #denoiser()}, {@link #denoiser(String,
 *       SessionSettings)}</td></tr>
 * </table>
 *
 * <pre>{@code
 * try (Diffusion diffusion = MnistModels.time()) {
 *   diffusion.pipeline().steps(100).samples(8).seed(1).generate().save(Path.of("digits"));
 * }
 * }</pre>
 *
 * <p>The models are the part B models of the write-up this library follows (see the overview). All
 * methods are thread-safe; each {@code open} reads the model from the jar and returns a new
 * instance that the caller owns and closes.
 */
public final class MnistModels {

  /** The names of the shipped models, the file names without {@code .onnx}. */
  public static final List<String> NAMES =
      List.of(
          "class-epoch20",
          "class-epoch5",
          "time60k-epoch20",
          "time-epoch60",
          "time-epoch20",
          "time-epoch5",
          "denoiser-epoch10",
          "denoiser-epoch5",
          "denoiser-epoch1");

  /** The default class-conditioned model ({@link Diffusion#mnist()}). */
  public static final String DEFAULT_CLASS = "class-epoch20";

  /** The default time-conditioned model. */
  public static final String DEFAULT_TIME = "time60k-epoch20";

  /** The default one-step denoiser. */
  public static final String DEFAULT_DENOISER = "denoiser-epoch10";

  /** Where the models lie in the models jar. */
  static final String FOLDER = "dev/diffusion4j/models/mnist/";

  private MnistModels() {}

  /**
   * Opens the class-conditioned UNet, {@value #DEFAULT_CLASS}.
   *
   * @return a new instance, owned by the caller
   * @throws IllegalStateException if the models jar is not on the classpath
   */
  public static Diffusion classConditioned() {
    return open(DEFAULT_CLASS);
  }

  /**
   * Opens the time-conditioned UNet, {@value #DEFAULT_TIME}.
   *
   * @return a new instance, owned by the caller
   * @throws IllegalStateException if the models jar is not on the classpath
   */
  public static Diffusion time() {
    return open(DEFAULT_TIME);
  }

  /**
   * Opens a shipped UNet by name with the default session settings.
   *
   * @param name one of the class or time models in {@link #NAMES}
   * @return a new instance, owned by the caller
   * @throws IllegalArgumentException for an unknown name or a denoiser's name
   * @throws IllegalStateException if the models jar is not on the classpath
   */
  public static Diffusion open(String name) {
    return open(name, SessionSettings.DEFAULT);
  }

  /**
   * Opens a shipped UNet by name.
   *
   * @param name one of the class or time models in {@link #NAMES}
   * @param settings how to open the session
   * @return a new instance, owned by the caller
   * @throws IllegalArgumentException for an unknown name or a denoiser's name
   * @throws IllegalStateException if the models jar is not on the classpath
   */
  public static Diffusion open(String name, SessionSettings settings) {
    checkName(name);
    if (name.startsWith("denoiser-")) {
      throw new IllegalArgumentException(
          "name must be a class or time model, but is the one-step denoiser "
              + name
              + ": open it with MnistModels.denoiser(name, settings)");
    }
    return Diffusion.mnist(source(name), settings);
  }

  /**
   * Opens the one-step denoiser, {@value #DEFAULT_DENOISER}.
   *
   * @return a new instance, owned by the caller
   * @throws IllegalStateException if the models jar is not on the classpath
   */
  public static MnistDenoiser denoiser() {
    return denoiser(DEFAULT_DENOISER, SessionSettings.DEFAULT);
  }

  /**
   * Opens a one-step denoiser by name.
   *
   * @param name {@code denoiser-epoch1}, {@code denoiser-epoch5} or {@code denoiser-epoch10}
   * @param settings how to open the session
   * @return a new instance, owned by the caller
   * @throws IllegalArgumentException for an unknown name or a UNet's name
   * @throws IllegalStateException if the models jar is not on the classpath
   */
  public static MnistDenoiser denoiser(String name, SessionSettings settings) {
    checkName(name);
    if (!name.startsWith("denoiser-")) {
      throw new IllegalArgumentException(
          "name must be a denoiser (denoiser-epoch1, denoiser-epoch5, denoiser-epoch10), but is: "
              + name);
    }
    return MnistDenoiser.load(source(name), settings);
  }

  /**
   * Returns a shipped model as a source, for the lower-level model classes ({@code MnistUNet},
   * {@code MnistDenoiser}).
   *
   * @param name a name in {@link #NAMES}
   * @return the model's bytes, read from the jar
   * @throws IllegalArgumentException for an unknown name
   * @throws IllegalStateException if the models jar is not on the classpath
   */
  public static ModelSource source(String name) {
    return ModelSource.of(url(name, ".onnx"));
  }

  /**
   * Returns the model card of a shipped model: a JSON object with the training settings, any change
   * from the write-up's, the final loss and the measured quality.
   *
   * @param name a name in {@link #NAMES}
   * @return the card's text
   * @throws IllegalArgumentException for an unknown name
   * @throws IllegalStateException if the models jar is not on the classpath
   */
  public static String card(String name) {
    URL url = url(name, ".json");
    try (InputStream in = url.openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + url + ": " + e.getMessage(), e);
    }
  }

  /**
   * Tells whether the models jar is on the classpath.
   *
   * @return whether {@link #classConditioned()} and the others can open their models
   */
  public static boolean available() {
    return resource(FOLDER + DEFAULT_CLASS + ".onnx") != null;
  }

  private static URL url(String name, String extension) {
    checkName(name);
    URL url = resource(FOLDER + name + extension);
    if (url == null) {
      throw new IllegalStateException(
          "the MNIST model "
              + name
              + " is not on the classpath: add the models artifact, "
              + coordinates()
              + " with <classifier>models</classifier> (Maven) or "
              + coordinates()
              + ":models (Gradle), or open a model file with Diffusion.mnist(Path)");
    }
    return url;
  }

  private static URL resource(String path) {
    ClassLoader loader = MnistModels.class.getClassLoader();
    URL url = loader == null ? null : loader.getResource(path);
    if (url == null) {
      ClassLoader context = Thread.currentThread().getContextClassLoader();
      url = context == null ? null : context.getResource(path);
    }
    return url;
  }

  private static void checkName(String name) {
    if (name == null || !NAMES.contains(name)) {
      throw new IllegalArgumentException(
          "name must be one of the shipped MNIST models "
              + NAMES
              + ", but is: "
              + Messages.quote(name));
    }
  }

  /** The library's own coordinates, {@code group:artifact:version}, as the build wrote them. */
  static String coordinates() {
    Properties p = new Properties();
    try (InputStream in = MnistModels.class.getResourceAsStream("diffusion4j.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to the defaults
    }
    return p.getProperty("groupId", "dev.diffusion4j")
        + ":"
        + p.getProperty("artifactId", "diffusion4j-core")
        + ":"
        + p.getProperty("version", "VERSION");
  }
}
