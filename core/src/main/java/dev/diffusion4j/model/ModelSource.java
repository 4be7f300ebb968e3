package dev.diffusion4j.model;

import dev.diffusion4j.Messages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where an ONNX model comes from: a file, or the bytes of a model read from a URL (a jar on the
 * classpath, for example), a stream or memory. ONNX Runtime opens a file by its path and anything
 * else from its bytes, so a URL or stream is read whole when the source is made.
 *
 * <pre>{@code
 * ModelSource file = ModelSource.of(Path.of("models/class-epoch20.onnx"));
 * ModelSource inJar = ModelSource.of(MyApp.class.getResource("/models/my-unet.onnx"));
 * ModelSource remote = ModelSource.of(new URL("https://example.org/unet.onnx"), Duration.ofMinutes(1));
 * try (Diffusion diffusion = Diffusion.mnist(inJar, SessionSettings.DEFAULT)) { ... }
 * }</pre>
 *
 * <p>A model with external data ({@code .onnx.data} beside it, as the large IF exports have) opens
 * only from a file. A URL or stream is read to at most {@link #MAX_BYTES}, and a URL with a connect
 * and read timeout. Immutable and thread-safe; the bytes are not copied again on use.
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
   * The most bytes a model read from a URL or a stream may have: {@value} (protobuf's limit for one
   * ONNX file; a larger model keeps its weights as external data and opens from a file). A stream
   * is also refused once it outgrows half of the heap the JVM may use, before it ends in {@link
   * OutOfMemoryError}.
   */
  public static final long MAX_BYTES = Integer.MAX_VALUE - 8L;

  /** How long {@link #of(URL)} waits for a connection and for each read: 30 seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /**
   * A model at a URL, read whole now ({@code file:}, {@code jar:}, {@code http:} and any other
   * scheme Java can open), waiting at most {@link #DEFAULT_TIMEOUT} to connect and for each read.
   *
   * @param url where the model is
   * @return the source
   * @throws IllegalArgumentException if the URL is null, or announces or delivers more than {@link
   *     #MAX_BYTES}
   * @throws UncheckedIOException if it cannot be read: with the HTTP status for an HTTP error, and
   *     {@link java.net.SocketTimeoutException} as the cause when the server does not answer in
   *     time
   */
  public static ModelSource of(URL url) {
    return of(url, DEFAULT_TIMEOUT);
  }

  /**
   * A model at a URL, read whole now, waiting at most {@code timeout} to connect and at most {@code
   * timeout} for each read (a download that stalls for that long fails; a slow one that keeps
   * arriving does not).
   *
   * @param url where the model is
   * @param timeout the connect and read timeout, positive
   * @return the source
   * @throws IllegalArgumentException if the URL is null, the timeout is not positive, or the model
   *     announces or delivers more than {@link #MAX_BYTES}
   * @throws UncheckedIOException if it cannot be read (see {@link #of(URL)})
   */
  public static ModelSource of(URL url, Duration timeout) {
    if (url == null) {
      throw new IllegalArgumentException("model url must not be null");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, but is: " + timeout);
    }
    int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    String name = Messages.quote(url);
    URLConnection connection = null;
    try {
      connection = url.openConnection();
      connection.setConnectTimeout(millis);
      connection.setReadTimeout(millis);
      if (connection instanceof HttpURLConnection http) {
        int status = http.getResponseCode();
        if (status != HttpURLConnection.HTTP_OK) {
          String message =
              "cannot read the model at "
                  + name
                  + ": the server answered HTTP "
                  + status
                  + (http.getResponseMessage() == null
                      ? ""
                      : " " + Messages.quote(http.getResponseMessage()));
          throw new UncheckedIOException(message, new IOException(message));
        }
      }
      long announced = connection.getContentLengthLong();
      if (announced > MAX_BYTES) {
        throw new IllegalArgumentException(
            "the model at "
                + name
                + " announces "
                + announced
                + " bytes; at most ModelSource.MAX_BYTES = "
                + MAX_BYTES
                + " are read from a URL (download it and open the file)");
      }
      try (InputStream in = connection.getInputStream()) {
        return new ModelSource(url.toString(), null, readBounded(in, name, MAX_BYTES));
      }
    } catch (SocketTimeoutException e) {
      throw new UncheckedIOException(
          "cannot read the model at " + name + ": no answer within " + timeout, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model at " + name + ": " + e, e);
    } finally {
      if (connection instanceof HttpURLConnection http) {
        http.disconnect();
      }
    }
  }

  /**
   * A model read whole from a stream now, at most {@link #MAX_BYTES}. The stream is not closed.
   *
   * @param in the stream
   * @param name a name for messages, e.g. the file name the stream came from
   * @return the source
   * @throws IllegalArgumentException if the stream or name is null, or the stream is longer than
   *     {@link #MAX_BYTES} or than half the heap (an endless stream, say)
   * @throws UncheckedIOException if the stream cannot be read
   */
  public static ModelSource of(InputStream in, String name) {
    return of(in, name, MAX_BYTES);
  }

  /**
   * A model read whole from a stream now, at most {@code maxBytes}. The stream is not closed.
   *
   * @param in the stream
   * @param name a name for messages, e.g. the file name the stream came from
   * @param maxBytes the most bytes to read, in {@code [1, MAX_BYTES]}
   * @return the source
   * @throws IllegalArgumentException if the stream or name is null, {@code maxBytes} is out of
   *     range, or the stream is longer than {@code maxBytes} or than half the heap
   * @throws UncheckedIOException if the stream cannot be read
   */
  public static ModelSource of(InputStream in, String name, long maxBytes) {
    if (in == null) {
      throw new IllegalArgumentException("model stream must not be null");
    }
    if (name == null) {
      throw new IllegalArgumentException("name must not be null");
    }
    if (maxBytes < 1 || maxBytes > MAX_BYTES) {
      throw new IllegalArgumentException(
          "maxBytes must be in [1, " + MAX_BYTES + "], but is: " + maxBytes);
    }
    try {
      return new ModelSource(name, null, readBounded(in, Messages.quote(name), maxBytes));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the model " + Messages.quote(name) + ": " + e.getMessage(), e);
    }
  }

  /** Reads at most {@code maxBytes} (and at most half the heap), failing on more. */
  private static byte[] readBounded(InputStream in, String name, long maxBytes) throws IOException {
    long heapBound = Runtime.getRuntime().maxMemory() / 2;
    long limit = Math.min(maxBytes, heapBound);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[1 << 16];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      total += n;
      if (total > limit) {
        throw new IllegalArgumentException(
            "the model "
                + name
                + " is longer than "
                + limit
                + " bytes"
                + (limit < maxBytes
                    ? ", half of the JVM's heap (-Xmx); open a large model from a file"
                    : limit == MAX_BYTES
                        ? " (ModelSource.MAX_BYTES); open a large model from a file"
                        : " (maxBytes)"));
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
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
