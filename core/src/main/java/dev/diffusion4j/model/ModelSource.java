package dev.diffusion4j.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Path;

/**
 * Where an ONNX model comes from: a file, or the bytes of a model read from a URL (a jar on the
 * classpath, for example), a stream or memory. ONNX Runtime opens a file by its path and anything
 * else from its bytes, so a URL or stream is read whole when the source is made.
 *
 * <pre>{@code
 * ModelSource file = ModelSource.of(Path.of("models/class-epoch20.onnx"));
 * ModelSource inJar = ModelSource.of(MyApp.class.getResource("/models/my-unet.onnx"));
 * try (Diffusion diffusion = Diffusion.mnist(inJar, SessionSettings.DEFAULT)) { ... }
 * }</pre>
 *
 * <p>A model with external data ({@code .onnx.data} beside it, as the large IF exports have) opens
 * only from a file. Immutable and thread-safe; the bytes are not copied again on use.
 */
public final class ModelSource {

  private final String name;
  private final Path path;
  private final byte[] bytes;

  private ModelSource(String name, Path path, byte[] bytes) {
    this.name = name;
    this.path = path;
    this.bytes = bytes;
  }

  /**
   * A model file.
   *
   * @param path the .onnx file
   * @return the source
   * @throws IllegalArgumentException if the path is null or not an existing file
   */
  public static ModelSource of(Path path) {
    if (path == null) {
      throw new IllegalArgumentException("model path must not be null");
    }
    dev.diffusion4j.RegularFiles.require(path, "model file");
    return new ModelSource(path.toString(), path, null);
  }

  /**
   * A model at a URL, read whole now ({@code file:}, {@code jar:} and any other scheme Java can
   * open).
   *
   * @param url where the model is
   * @return the source
   * @throws IllegalArgumentException if the URL is null
   * @throws UncheckedIOException if it cannot be read
   */
  public static ModelSource of(URL url) {
    if (url == null) {
      throw new IllegalArgumentException("model url must not be null");
    }
    try (InputStream in = url.openStream()) {
      return new ModelSource(url.toString(), null, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model at " + url + ": " + e.getMessage(), e);
    }
  }

  /**
   * A model read whole from a stream now. The stream is not closed.
   *
   * @param in the stream
   * @param name a name for messages, e.g. the file name the stream came from
   * @return the source
   * @throws IllegalArgumentException if the stream or name is null
   * @throws UncheckedIOException if the stream cannot be read
   */
  public static ModelSource of(InputStream in, String name) {
    if (in == null) {
      throw new IllegalArgumentException("model stream must not be null");
    }
    if (name == null) {
      throw new IllegalArgumentException("name must not be null");
    }
    try {
      return new ModelSource(name, null, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * A model in memory. The array is not copied: do not modify it afterwards.
   *
   * @param bytes the bytes of an .onnx file
   * @param name a name for messages
   * @return the source
   * @throws IllegalArgumentException if the bytes are null or empty, or the name is null
   */
  public static ModelSource of(byte[] bytes, String name) {
    if (bytes == null || bytes.length == 0) {
      throw new IllegalArgumentException("model bytes must not be null or empty");
    }
    if (name == null) {
      throw new IllegalArgumentException("name must not be null");
    }
    return new ModelSource(name, null, bytes);
  }

  /**
   * Returns the name used in messages: the path, the URL or the given name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the file, for a source made from a path.
   *
   * @return the path, or {@code null} for a source held in memory
   */
  public Path path() {
    return path;
  }

  byte[] bytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return name;
  }
}
