package dev.diffusion4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.DiffusionException;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.ForkedJvm;
import dev.diffusion4j.testing.HostileChild;
import dev.diffusion4j.testing.OnnxWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile models and model inputs: each is refused with a message that names the culprit. */
class HostileModelTest {

  private static final SessionSettings CPU = SessionSettings.on(Device.cpu());

  @TempDir Path dir;

  /** A time-conditioned MNIST UNet contract whose eps is computed by the given nodes from x. */
  private OnnxWriter timeModel() {
    return new OnnxWriter()
        .value("x", false, 1, -1, 1, 28, 28)
        .value("t", false, 1, -1)
        .value("eps", true, 1, -1, 1, 28, 28);
  }

  @Test
  void nanOutputIsRefusedNamingModelAndTimestep() {
    // eps = (x - x) / (x - x) = NaN
    Path nan =
        timeModel()
            .node("Sub", List.of("x", "x"), List.of("z"))
            .node("Div", List.of("z", "z"), List.of("eps"))
            .write(dir.resolve("nan.onnx"));
    try (MnistUNet unet = MnistUNet.timeConditioned(nan, CPU)) {
      assertThatThrownBy(
              () ->
                  unet.predict(
                      NoiseSource.seeded(0).next(2, 1, 28, 28), new int[] {250, 250}, null))
          .isInstanceOf(DiffusionException.class)
          .hasMessageContaining("model " + nan)
          .hasMessageContaining("output 'eps' at timestep 250")
          .hasMessageContaining("NaN at [0, 0, 0, 0]");
    }
  }

  @Test
  void infiniteOutputIsRefused() {
    // eps = 1 / (x - x) = +-Inf
    Path inf =
        timeModel()
            .initializer("one", new float[] {1f}, 1)
            .node("Sub", List.of("x", "x"), List.of("z"))
            .node("Div", List.of("one", "z"), List.of("eps"))
            .write(dir.resolve("inf.onnx"));
    try (MnistUNet unet = MnistUNet.timeConditioned(inf, CPU)) {
      assertThatThrownBy(
              () -> unet.predict(NoiseSource.seeded(0).next(1, 1, 28, 28), new int[] {7}, null))
          .isInstanceOf(DiffusionException.class)
          .hasMessageContaining("model " + inf)
          .hasMessageContaining("at timestep 7")
          .hasMessageContaining("Infinity");
    }
  }

  @Test
  void outputOfTheWrongBatchSizeNamesTheFile() {
    Path twice =
        timeModel()
            .node("Concat", List.of("x", "x"), List.of("eps"), "axis", 0L)
            .write(dir.resolve("twice.onnx"));
    try (MnistUNet unet = MnistUNet.timeConditioned(twice, CPU)) {
      assertThatThrownBy(
              () ->
                  unet.predict(NoiseSource.seeded(0).next(3, 1, 28, 28), new int[] {1, 1, 1}, null))
          .isInstanceOf(DiffusionException.class)
          .hasMessageContaining("model " + twice)
          .hasMessageContaining("of shape [6, 1, 28, 28] at timestep 1")
          .hasMessageContaining("ask for shape [3, 1, 28, 28]");
    }
  }

  @Test
  void nanInputIsRefusedNamingTheInput() {
    Path identity =
        timeModel().node("Identity", List.of("x"), List.of("eps")).write(dir.resolve("id.onnx"));
    float[] d = new float[784];
    d[5] = Float.NaN;
    try (MnistUNet unet = MnistUNet.timeConditioned(identity, CPU)) {
      assertThatThrownBy(() -> unet.predict(Tensor.wrap(d, 1, 1, 28, 28), new int[] {3}, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sample fed to model " + identity + " at timestep 3")
          .hasMessageContaining("NaN at [0, 0, 0, 5]");
    }
  }

  /**
   * Zero strides, dilations, kernel sizes and groups make ONNX Runtime divide by zero in native
   * code. Each case runs in a child JVM: if the check regresses, the child dies with SIGFPE and
   * this test fails instead of the build.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "Conv strides",
        "Conv dilations",
        "Conv group",
        "AveragePool strides",
        "ConvTranspose strides",
        "MaxPool kernel_shape"
      })
  void zeroWindowAttributesAreRefusedBeforeOnnxRuntimeSeesThem(String which) {
    String op = which.split(" ")[0];
    String attribute = which.split(" ")[1];
    OnnxWriter w = timeModel().initializer("w", new float[9], 1, 1, 3, 3);
    Object[] attributes =
        switch (attribute) {
          case "strides" -> new Object[] {"strides", new long[] {0, 0}};
          case "dilations" -> new Object[] {"dilations", new long[] {1, 0}};
          case "group" -> new Object[] {"group", 0L};
          default -> new Object[] {"kernel_shape", new long[] {0, 0}};
        };
    List<String> in = op.startsWith("Conv") ? List.of("x", "w") : List.of("x");
    if (!op.startsWith("Conv") && !attribute.equals("kernel_shape")) {
      attributes = new Object[] {attributes[0], attributes[1], "kernel_shape", new long[] {3, 3}};
    }
    Path model = w.node(op, in, List.of("eps"), attributes).write(dir.resolve("zero.onnx"));
    ForkedJvm.Result r =
        ForkedJvm.run(
            HostileChild.class, List.of("-Xmx128m"), 60, "load-and-run", model.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output())
        .contains("REFUSED java.lang.IllegalArgumentException: model file " + model)
        .contains("(" + op + ") has " + attribute);
  }

  @Test
  void oneZeroAmongStridesIsFoundInProcess() {
    // checked in-process: the refusal comes before ONNX Runtime sees the file
    Path model =
        timeModel()
            .initializer("w", new float[9], 1, 1, 3, 3)
            .node("Conv", List.of("x", "w"), List.of("eps"), "strides", new long[] {2, 0})
            .write(dir.resolve("zero2.onnx"));
    assertThatThrownBy(() -> MnistUNet.timeConditioned(model, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("node 'conv0' (Conv) has strides [2, 0]");
  }

  @Test
  void aDirectoryOrAFifoIsReportedAsWhatItIs() throws Exception {
    Path folder = Files.createDirectory(dir.resolve("model.onnx"));
    assertThatThrownBy(() -> MnistUNet.timeConditioned(folder, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("model file is a directory: " + folder);
    Path fifo = dir.resolve("fifo.onnx");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    if (mkfifo.waitFor() == 0) {
      assertThatThrownBy(() -> MnistUNet.timeConditioned(fifo, CPU))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("model file is not a regular file (a FIFO, a device or a socket): " + fifo);
    }
    Path device = Path.of("/dev/null");
    assertThatThrownBy(() -> MnistUNet.timeConditioned(device, CPU))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a regular file");
  }

  @Test
  void threadCountsAreBounded() {
    assertThatThrownBy(() -> CPU.withIntraOpThreads(100_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "intraOpThreads must be <= "
                + SessionSettings.MAX_INTRA_OP_THREADS
                + ", but is: 100000");
  }

  /** A model whose Loop runs 2^62 times: it never returns on its own. */
  private Path endlessLoop() {
    OnnxWriter body =
        new OnnxWriter()
            .value("i", false, 7)
            .value("c_in", false, 9)
            .value("x_in", false, 1, -1, 1, 28, 28)
            .value("c_out", true, 9)
            .value("x_out", true, 1, -1, 1, 28, 28)
            .node("Identity", List.of("c_in"), List.of("c_out"))
            .node("Neg", List.of("x_in"), List.of("x_out"));
    byte[] trips =
        java.nio.ByteBuffer.allocate(8)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .putLong(1L << 62)
            .array();
    return timeModel()
        .initializerRaw("M", 7, trips)
        .initializerRaw("cond", 9, new byte[] {1})
        .node("Loop", List.of("M", "cond", "x"), List.of("eps"), "body", body)
        .write(dir.resolve("loop.onnx"));
  }

  @Test
  void aRunThatNeverEndsCanBeCancelled() throws Exception {
    Path loop = endlessLoop();
    try (dev.diffusion4j.Diffusion d = dev.diffusion4j.Diffusion.mnist(loop, CPU)) {
      java.util.concurrent.CompletableFuture<Object> run =
          new java.util.concurrent.CompletableFuture<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  run.complete(d.pipeline().steps(1).seed(1).generate());
                } catch (Throwable e) {
                  run.completeExceptionally(e);
                }
              });
      t.setDaemon(true);
      t.start();
      Thread.sleep(500);
      assertThat(run).isNotDone();
      d.cancel();
      assertThatThrownBy(() -> run.get(20, java.util.concurrent.TimeUnit.SECONDS))
          .hasCauseInstanceOf(DiffusionException.class)
          .hasMessageContaining("running loop.onnx was cancelled");
    }
  }
}
