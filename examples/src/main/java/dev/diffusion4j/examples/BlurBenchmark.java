package dev.diffusion4j.examples;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times the library's Gaussian blur (k = 33, sigma = 2) on 3x64x64 and 3x256x256 images and, in the
 * same run, torch's conv2d-based blur (torchvision's algorithm: reflect padding, one 2-D conv with
 * the outer-product kernel) through a Python interpreter that has torch, one thread each.
 */
@Command(
    name = "bench-blur",
    mixinStandardHelpOptions = true,
    description = "Benchmarks the Gaussian blur against torch's conv2d blur, same thread count.")
final class BlurBenchmark implements Callable<Integer> {

  @Option(
      names = "--python",
      description =
          "Python with torch for the peer run (default: /usr/bin/python3, skipped when"
              + " absent).")
  String python;

  @Option(
      names = "--seconds",
      defaultValue = "3",
      description = "Time spent measuring each case (default: ${DEFAULT-VALUE}).")
  double seconds;

  private static final String TORCH_SCRIPT =
      """
      import sys, time, torch, torch.nn.functional as F
      torch.set_num_threads(1)
      k, s, secs = 33, 2.0, float(sys.argv[1])
      half = (k - 1) * 0.5
      x = torch.linspace(-half, half, steps=k)
      pdf = torch.exp(-0.5 * (x / s).pow(2)); k1 = pdf / pdf.sum(); k2 = torch.outer(k1, k1)
      for size in (64, 256):
          img = torch.rand(1, 3, size, size)
          w = k2.expand(3, 1, k, k).contiguous()
          def blur():
              return F.conv2d(F.pad(img, [k // 2] * 4, mode="reflect"), w, groups=3)
          with torch.no_grad():
              for _ in range(5): blur()
              n, start = 0, time.perf_counter()
              while time.perf_counter() - start < secs:
                  blur(); n += 1
              print(size, (time.perf_counter() - start) / n * 1e3)
      """;

  @Override
  public Integer call() throws Exception {
    if (!(seconds > 0 && seconds <= 3600)) {
      throw new IllegalArgumentException("seconds must be in (0, 3600], but is: " + seconds);
    }
    python = Support.python(python);
    GaussianBlur blur = new GaussianBlur(33, 2.0);
    int[] sizes = {64, 256};
    double[] javaMs = new double[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      Tensor img = NoiseSource.seeded(1).next(1, 3, sizes[i], sizes[i]);
      for (int w = 0; w < 200; w++) {
        blur.apply(img);
      }
      long start = System.nanoTime();
      long n = 0;
      while (System.nanoTime() - start < seconds * 1e9) {
        blur.apply(img);
        n++;
      }
      javaMs[i] = (System.nanoTime() - start) / 1e6 / n;
    }
    double[] torchMs = runTorch();
    System.out.println("Gaussian blur k=33 sigma=2, one thread each, mean time per image:");
    for (int i = 0; i < sizes.length; i++) {
      String peer =
          torchMs == null
              ? "torch: not available"
              : String.format(
                  Locale.ROOT,
                  "torch %.3f ms, ratio torch/java = %.1fx",
                  torchMs[i],
                  torchMs[i] / javaMs[i]);
      System.out.printf(
          Locale.ROOT, "  3x%dx%d: java %.3f ms; %s%n", sizes[i], sizes[i], javaMs[i], peer);
    }
    return 0;
  }

  private double[] runTorch() throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of(python))) {
      return null;
    }
    Path script = Files.createTempFile("blur-bench", ".py");
    try {
      Files.writeString(script, TORCH_SCRIPT);
      Process p =
          new ProcessBuilder(python, script.toString(), Double.toString(seconds))
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        System.err.println("torch peer failed: " + out.strip());
        return null;
      }
      List<Double> ms = new ArrayList<>();
      for (String line : out.strip().split("\n")) {
        ms.add(Double.parseDouble(line.trim().split("\\s+")[1]));
      }
      return new double[] {ms.get(0), ms.get(1)};
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
