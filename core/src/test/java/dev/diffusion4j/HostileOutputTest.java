package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.diffusion4j.image.AnimatedGif;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.ModelSource;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile outputs and sources: file-name patterns that leave the output folder, a file given as a
 * folder, GIF frames of two sizes, images of the wrong rank or value range, endless streams and
 * servers that never answer.
 */
class HostileOutputTest {

  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);

  @TempDir Path tmp;

  private static Diffusion contract() {
    return Diffusion.mnist(TestData.path("models/contract/class-d4.onnx"), CPU);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../escape-%d.png",
        "sub/../../escape-%d.png",
        "/tmp/absolute-%d.png",
        "a/b-%d.png",
        "..\\\\escape-%d.png",
        ".."
      })
  void aPatternThatLeavesTheFolderIsRefusedAndWritesNothing(String pattern) throws Exception {
    Path out = Files.createDirectories(tmp.resolve("out"));
    try (Diffusion d = contract()) {
      Generation g = d.pipeline().label(3).steps(1).samples(1).seed(5).generate();
      assertThatThrownBy(() -> g.save(out, pattern))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "pattern must make plain file names (no folder, '..' or absolute");
    }
    try (var files = Files.walk(tmp)) {
      assertThat(files.filter(Files::isRegularFile).toList()).isEmpty();
    }
  }

  @Test
  void aFileGivenAsTheFolderIsSaidToBeAFile() throws Exception {
    Path existing = Files.writeString(tmp.resolve("existing.png"), "x");
    try (Diffusion d = contract()) {
      Generation g = d.pipeline().label(3).steps(1).seed(5).generate();
      assertThatThrownBy(() -> g.save(existing))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "dir must be a folder to save the samples in, but is a file: " + existing);
    }
  }

  @Test
  void gifFramesOfTwoSizesAreRefused() {
    List<BufferedImage> frames =
        List.of(
            new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY),
            new BufferedImage(14, 28, BufferedImage.TYPE_BYTE_GRAY));
    Path gif = tmp.resolve("run.gif");
    assertThatThrownBy(() -> AnimatedGif.write(frames, 100, 500, gif))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("frames must all have one size, but frame 0 is 28x28 and frame 1 is 14x28");
    assertThat(gif).doesNotExist();
  }

  @Test
  void forwardRefusesAnImageOfAnotherRankOrRange() {
    try (Diffusion d = contract()) {
      NoiseSource noise = NoiseSource.seeded(1);
      assertThatThrownBy(() -> d.forward(Tensor.zeros(28, 28), 300, noise))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "image must have shape [N, 1, 28, 28] for this model, but has shape: [28, 28]; add"
                  + " the batch and channel axes: reshape(1, 1, H, W)");
      assertThatThrownBy(() -> d.forward(Tensor.full(1e6f, 1, 1, 28, 28), 300, noise))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "image must hold values in the model's range [0, 1] (accepted: [-0.25, 1.25]), but"
                  + " holds 1000000.0 at flat index 0");
      // a [-1, 1] image on the [0, 1] model
      assertThatThrownBy(() -> d.forward(Tensor.full(-1f, 1, 1, 28, 28), 300, noise))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("but holds -1.0");
      Tensor x0 = Tensor.full(0.5f, 2, 1, 28, 28);
      assertThat(d.forward(x0, 300, NoiseSource.seeded(1)))
          .isEqualTo(
              d.denoiser().scheduler().addNoise(x0, NoiseSource.seeded(1).next(2, 1, 28, 28), 300));
    }
  }

  @Test
  void valueRangesAcceptASampleThatStraysALittle() {
    assertThat(ValueRange.MINUS_ONE_TO_ONE.requireWithin(Tensor.full(1.4f, 1, 3, 2, 2), "x"))
        .isNotNull();
    assertThatThrownBy(
            () -> ValueRange.MINUS_ONE_TO_ONE.requireWithin(Tensor.full(255f, 1, 3, 2, 2), "x"))
        .hasMessageStartingWith(
            "x must hold values in the model's range [-1, 1] (accepted: [-1.5,");
    assertThatThrownBy(
            () -> ValueRange.ZERO_TO_ONE.requireWithin(Tensor.full(Float.NaN, 1, 1, 2, 2), "x"))
        .hasMessageContaining("but holds NaN");
  }

  /** An endless stream: read to the bound, then refused (it ran the JVM out of memory). */
  @Test
  void anEndlessStreamIsReadToItsBoundOnly() {
    InputStream endless =
        new InputStream() {
          @Override
          public int read() {
            return 0;
          }

          @Override
          public int read(byte[] b, int off, int len) {
            return len;
          }
        };
    assertThatThrownBy(() -> ModelSource.of(endless, "endless\n", 1 << 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the model endless\\n is longer than 1048576 bytes (maxBytes)");
    assertThatThrownBy(() -> ModelSource.of(endless, "x", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("maxBytes must be in [1, ");
  }

  /** A server that accepts and never answers: a timeout instead of blocking forever. */
  @Test
  void aServerThatNeverAnswersTimesOut() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  Thread.sleep(10_000);
                } catch (Exception e) {
                  // closed by the test
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      URL url = new URL("http://127.0.0.1:" + server.getLocalPort() + "/unet.onnx");
      assertThatThrownBy(() -> ModelSource.of(url, Duration.ofMillis(300)))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage("cannot read the model at " + url + ": no answer within PT0.3S")
          .hasCauseInstanceOf(SocketTimeoutException.class);
      acceptor.interrupt();
    }
  }

  /** A 404 is reported once, with its status; a huge announced length is refused before reading. */
  @Test
  void httpErrorsAndHugeModelsAreReportedWithTheirStatusOrSize() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/missing.onnx",
        x -> {
          x.sendResponseHeaders(404, -1);
          x.close();
        });
    server.createContext(
        "/huge.onnx",
        x -> {
          x.getResponseHeaders().add("Content-Length", Long.toString(10L << 30));
          x.sendResponseHeaders(200, 10L << 30);
          try (OutputStream out = x.getResponseBody()) {
            out.write(new byte[16]);
            out.flush();
            Thread.sleep(5_000);
          } catch (Exception e) {
            // the client went away
          }
        });
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      URL missing = new URL(base + "/missing.onnx");
      assertThatThrownBy(() -> ModelSource.of(missing, Duration.ofSeconds(5)))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessage(
              "cannot read the model at " + missing + ": the server answered HTTP 404 Not Found");
      URL huge = new URL(base + "/huge.onnx");
      assertThatThrownBy(() -> ModelSource.of(huge, Duration.ofSeconds(5)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(
              "the model at "
                  + huge
                  + " announces 10737418240 bytes; at most ModelSource.MAX_BYTES");
    } finally {
      server.stop(0);
    }
  }
}
