package dev.diffusion4j.examples;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.image.MnistDigits;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Serves the live demo: a page to draw a digit (or pick a held-out one), choose a technique and
 * watch every step of the run, {@code x_t} and the clean estimate side by side.
 *
 * <pre>
 * java -jar examples/target/diffusion4j-examples.jar serve
 * # diffusion4j demo: http://127.0.0.1:8080/
 * </pre>
 *
 * <p>Binds to 127.0.0.1 unless {@code --host} says otherwise; runs until stopped (Ctrl-C).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves the live demo page: draw a digit, pick a technique, watch each step.",
      "Binds to 127.0.0.1 unless --host says otherwise; runs until stopped (Ctrl-C)."
    })
final class Serve implements Callable<Integer> {

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port to listen on, 0 for any free one (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description =
          "Address to bind to (default ${DEFAULT-VALUE}: this machine only; 0.0.0.0 for every"
              + " interface).")
  String host;

  @Option(
      names = "--queue",
      defaultValue = "8",
      description =
          "Runs that may wait for a free worker; more are refused with 429 (default"
              + " ${DEFAULT-VALUE}).")
  int queue;

  @Option(
      names = "--parallel",
      defaultValue = "1",
      description = "Runs computed at a time (default ${DEFAULT-VALUE}).")
  int parallel;

  @Option(
      names = "--models",
      description =
          "Folder of the MNIST models, class-epoch20.onnx (default: the repository's"
              + " testdata/models/mnist, else the models jar on the classpath).")
  Path models;

  @Option(
      names = "--data",
      description =
          "Folder of the held-out digits the page may pick from (default: the repository's"
              + " testdata/mnist, else the models jar).")
  Path data;

  @Option(
      names = "--if-models",
      description =
          "A DeepFloyd IF models folder (see README): the page then also takes a prompt and a"
              + " negative prompt.")
  Path ifModels;

  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "auto, cpu, cuda or cuda:N (default ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535], but is: " + port);
    }
    if (queue < 0 || queue > 1024) {
      throw new IllegalArgumentException("queue must be in [0, 1024], but is: " + queue);
    }
    if (parallel < 1 || parallel > 64) {
      throw new IllegalArgumentException("parallel must be in [1, 64], but is: " + parallel);
    }
    if (ifModels != null && !Files.isDirectory(ifModels)) {
      throw new IllegalArgumentException(
          "if-models must be an IF models folder, but " + ifModels + " is not a folder");
    }
    SessionSettings settings = SessionSettings.on(Device.parse(device));
    Path model = ExampleData.model(models, "class-epoch20");
    MnistDigits heldout =
        MnistDigits.read(
            ExampleData.data(data, ExampleData.HELDOUT_IMAGES),
            ExampleData.data(data, ExampleData.HELDOUT_LABELS));
    Diffusion mnist = Diffusion.mnist(model, settings);
    Diffusion deepFloyd = null;
    DemoServer server;
    try {
      deepFloyd = ifModels == null ? null : Diffusion.deepFloyd(ifModels, settings);
      server = new DemoServer(mnist, deepFloyd, heldout, host, port, queue, parallel);
    } catch (io.javalin.util.JavalinBindException e) {
      mnist.close();
      if (deepFloyd != null) {
        deepFloyd.close();
      }
      throw new IllegalArgumentException(
          "cannot listen on " + host + ":" + port + " (in use? try --port 0): " + e.getMessage(),
          e);
    } catch (RuntimeException e) {
      mnist.close();
      if (deepFloyd != null) {
        deepFloyd.close();
      }
      throw e;
    }
    String shown = host.contains(":") ? "[" + host + "]" : host;
    System.out.println("diffusion4j demo: http://" + shown + ":" + server.port() + "/");
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }
}
