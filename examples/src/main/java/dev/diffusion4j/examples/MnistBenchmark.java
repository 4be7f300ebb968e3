package dev.diffusion4j.examples;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.SessionSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times class-conditioned sampling of 40 digits (4 per digit), 300 steps, guidance 5, both passes
 * in one batch of 80: in Java with ONNX Runtime and, in the same run, with the PyTorch model
 * (eager, same weights, same thread count) through a Python interpreter that has torch. Reports the
 * ratio and the share of Java time spent outside {@code OrtSession.run}.
 */
@Command(
    name = "bench-mnist",
    mixinStandardHelpOptions = true,
    description = "Benchmarks class-conditioned sampling in Java (ONNX Runtime) against PyTorch.")
final class MnistBenchmark implements Callable<Integer> {

  @Option(
      names = "--python",
      description = "Python with torch (default: /usr/bin/python3, skipped when absent).")
  String python;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Threads for both runtimes; 0 = the number of processors.")
  int threads;

  @Option(names = "--steps", defaultValue = "300", description = "Denoising steps.")
  int steps;

  @Option(names = "--model-file", description = "The ONNX model (default: class-epoch20).")
  Path modelFile;

  @Option(
      names = "--torch-weights",
      description =
          "The same model's torch state dict (default: testdata/models/mnist/torch/class-epoch20.pt).")
  Path torchWeights;

  private static final String TORCH_SCRIPT =
      """
      import sys, time, torch
      sys.path.insert(0, sys.argv[1])
      import unet
      weights, threads, steps = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
      torch.set_num_threads(threads)
      model = unet.ClassUNet(64); model.load_state_dict(torch.load(weights)); model.eval()
      T = 300
      betas = torch.linspace(1e-4, 0.02, T); alphas = 1 - betas; abar = torch.cumprod(alphas, 0)
      ts = [round(T - T * i / steps) for i in range(steps + 1)]
      c = torch.nn.functional.one_hot(torch.arange(40) // 4, 10).float()
      cc = torch.cat([c, torch.zeros_like(c)])
      g = torch.Generator().manual_seed(0)
      def run(ts):
          x = torch.randn(40, 1, 28, 28, generator=g)
          for t, p in zip(ts[:-1], ts[1:]):
              eps = model(torch.cat([x, x]), torch.full((80,), t / T), cc)
              e_c, e_u = eps.chunk(2); eps = e_u + 5 * (e_c - e_u)
              a_t = abar[t - 1]; a_p = abar[p - 1] if p > 0 else torch.tensor(1.0)
              alpha = a_t / a_p; beta = 1 - alpha
              x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
              x = a_p.sqrt() * beta / (1 - a_t) * x0 + alpha.sqrt() * (1 - a_p) / (1 - a_t) * x
              if p > 0: x = x + beta.sqrt() * torch.randn(x.shape, generator=g)
          return x
      with torch.no_grad():
          run(ts[:3] + [0])
          start = time.perf_counter(); run(ts); print(time.perf_counter() - start)
      """;

  @Override
  public Integer call() throws Exception {
    if (threads < 0 || threads > SessionSettings.MAX_INTRA_OP_THREADS) {
      throw new IllegalArgumentException(
          "threads must be in [0, "
              + SessionSettings.MAX_INTRA_OP_THREADS
              + "], but is: "
              + threads);
    }
    if (steps < 1 || steps > 300) {
      throw new IllegalArgumentException("steps must be in [1, 300], but is: " + steps);
    }
    python = Support.python(python);
    int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    Path model = modelFile != null ? modelFile : Support.mnistModel("class", 20);
    Path weights =
        torchWeights != null
            ? torchWeights
            : Support.testdata("models/mnist/torch/class-epoch20.pt");
    int[] labels = new int[40];
    for (int i = 0; i < 40; i++) {
      labels[i] = i / 4;
    }
    double javaSecs;
    double outsideShare;
    SessionSettings settings = SessionSettings.on(Device.parse("auto")).withIntraOpThreads(n);
    try (Diffusion d = Diffusion.mnist(model, settings)) {
      d.pipeline().labels(labels).guidance(5).steps(3).seed(1).generate(); // warm-up
      MnistUNet unet = (MnistUNet) d.denoiser();
      long runBefore = unet.onnx().runNanos();
      long start = System.nanoTime();
      d.pipeline().labels(labels).guidance(5).steps(steps).seed(0).generate();
      long total = System.nanoTime() - start;
      long inRun = unet.onnx().runNanos() - runBefore;
      javaSecs = total / 1e9;
      outsideShare = (double) (total - inRun) / total;
    }
    // the same run with ONNX Runtime's intra-op spinning on (the library turns it off; see
    // SessionSettings.ALLOW_SPINNING_PROPERTY), measured here so that its cost is known
    double spinningSecs;
    String before = System.getProperty(SessionSettings.ALLOW_SPINNING_PROPERTY);
    System.setProperty(SessionSettings.ALLOW_SPINNING_PROPERTY, "true");
    try (Diffusion d = Diffusion.mnist(model, settings)) {
      d.pipeline().labels(labels).guidance(5).steps(3).seed(1).generate(); // warm-up
      long start = System.nanoTime();
      d.pipeline().labels(labels).guidance(5).steps(steps).seed(0).generate();
      spinningSecs = (System.nanoTime() - start) / 1e9;
    } finally {
      if (before == null) {
        System.clearProperty(SessionSettings.ALLOW_SPINNING_PROPERTY);
      } else {
        System.setProperty(SessionSettings.ALLOW_SPINNING_PROPERTY, before);
      }
    }
    Double torchSecs = runTorch(weights, n);
    System.out.printf(
        Locale.ROOT,
        "class-conditioned sampling, 40 digits, %d steps, guidance 5, batch 80, %d threads:%n",
        steps,
        n);
    System.out.printf(
        Locale.ROOT,
        "  java (ONNX Runtime): %.2f s, %.1f%% of it outside OrtSession.run%n",
        javaSecs,
        100 * outsideShare);
    System.out.printf(
        Locale.ROOT,
        "  java, ORT spinning on: %.2f s%n  ratio spinning off/on: %.2fx%n",
        spinningSecs,
        javaSecs / spinningSecs);
    if (torchSecs != null) {
      System.out.printf(
          Locale.ROOT,
          "  pytorch (eager):     %.2f s%n  ratio pytorch/java:  %.2fx%n",
          torchSecs,
          torchSecs / javaSecs);
    } else {
      System.out.println(
          "  pytorch: not available (needs " + python + " with torch and " + weights + ")");
    }
    return 0;
  }

  private Double runTorch(Path weights, int n) throws IOException, InterruptedException {
    Path unetDir = Support.testdata("").getParent().resolve("onnx-export/mnist");
    if (!Files.isExecutable(Path.of(python)) || !Files.exists(weights) || !Files.exists(unetDir)) {
      return null;
    }
    Path script = Files.createTempFile("bench-mnist", ".py");
    try {
      Files.writeString(script, TORCH_SCRIPT);
      Process p =
          new ProcessBuilder(
                  python,
                  script.toString(),
                  unetDir.toString(),
                  weights.toString(),
                  Integer.toString(n),
                  Integer.toString(steps))
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor() != 0) {
        System.err.println("pytorch peer failed: " + out);
        return null;
      }
      String[] lines = out.split("\n");
      return Double.parseDouble(lines[lines.length - 1].trim());
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
