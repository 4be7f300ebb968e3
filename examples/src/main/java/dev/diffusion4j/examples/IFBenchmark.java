package dev.diffusion4j.examples;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.text.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times one IF stage at its real size and matches it against diffusers: first diffusers ({@code
 * onnx-export/if/bench_if_real.py}: {@code IFPipeline} or {@code IFSuperResolutionPipeline}, torch
 * eager, float32) on a diffusers folder, then, in the same run, the library on that folder's ONNX
 * export through the default API ({@code Diffusion.deepFloyd(dir)}, a prompt, the default negative
 * prompt, guidance), on the same random T5-like embeddings and the same noise, with the same thread
 * count. Prints load seconds, peak resident memory, seconds per step (guidance: the UNet runs on a
 * batch of 2), their ratio, the load average, and the largest difference of the images.
 */
@Command(
    name = "bench-if",
    mixinStandardHelpOptions = true,
    description =
        "Benchmarks an IF stage in Java (ONNX Runtime) against diffusers on the same weights, noise"
            + " and embeddings.")
final class IFBenchmark implements Callable<Integer> {

  @Option(
      names = "--models",
      required = true,
      description = "The export_if.py folder (its embeddings.safetensors is written).")
  Path models;

  @Option(
      names = "--source",
      required = true,
      description = "The diffusers folder of the same weights.")
  Path source;

  @Option(
      names = "--stage",
      defaultValue = "1",
      description = "1 (64 px, guidance 7) or 2 (64 to 256 px, guidance 4).")
  int stage;

  @Option(
      names = "--timesteps",
      defaultValue = "999,666,333",
      split = ",",
      description = "The timed run's timesteps (after a warm-up on the first two), at least 2.")
  int[] timesteps;

  @Option(names = "--threads", defaultValue = "2", description = "Threads for both runtimes.")
  int threads;

  @Option(
      names = "--python",
      description = "Python with diffusers (default: /usr/bin/python3; PYTHONPATH as for it).")
  String python;

  @Option(
      names = "--reference",
      description = "Where the diffusers run is written and kept (default: a temporary file).")
  Path reference;

  @Override
  public Integer call() throws Exception {
    if (stage != 1 && stage != 2) {
      throw new IllegalArgumentException("stage must be 1 or 2, but is: " + stage);
    }
    if (timesteps.length < 2) {
      throw new IllegalArgumentException(
          "timesteps must hold at least 2 entries, but are: " + Arrays.toString(timesteps));
    }
    if (threads < 1 || threads > SessionSettings.MAX_INTRA_OP_THREADS) {
      throw new IllegalArgumentException(
          "threads must be in [1, "
              + SessionSettings.MAX_INTRA_OP_THREADS
              + "], but is: "
              + threads);
    }
    Path ref = reference != null ? reference : Files.createTempFile("bench-if-", ".safetensors");
    String loadBefore = loadAverage();
    runDiffusers(ref);
    Safetensors diffusers = Safetensors.read(ref);
    List<Tensor> noise = new ArrayList<>();
    for (int i = 0; diffusers.tensors().containsKey("noise_" + i); i++) {
      noise.add(diffusers.get("noise_" + i));
    }
    SessionSettings settings = SessionSettings.on(Device.cpu()).withIntraOpThreads(threads);
    Timesteps timed = Timesteps.of(timesteps);
    Timesteps warm = Timesteps.of(timesteps[0], timesteps[1]);
    long start = System.nanoTime();
    double loadSecs;
    double stepSecs;
    Tensor images;
    try (Diffusion d = Diffusion.deepFloyd(models, settings)) {
      loadSecs = (System.nanoTime() - start) / 1e9;
      if (stage == 1) {
        d.pipeline().prompt(PROMPT).guidance(7).timesteps(warm).seed(3).generate();
        start = System.nanoTime();
        images =
            d.pipeline()
                .prompt(PROMPT)
                .guidance(7)
                .timesteps(timed)
                .noise(noise)
                .generate()
                .images();
      } else {
        Tensor low = diffusers.get("image64");
        d.upscaler()
            .prompt(PROMPT)
            .guidance(4)
            .noiseLevel(250)
            .lowResolution(low)
            .timesteps(warm)
            .seed(3)
            .generate();
        start = System.nanoTime();
        images =
            d.upscaler()
                .prompt(PROMPT)
                .guidance(4)
                .noiseLevel(250)
                .lowResolution(low)
                .timesteps(timed)
                .noise(noise)
                .generate()
                .images();
      }
      stepSecs = (System.nanoTime() - start) / 1e9 / timesteps.length;
    }
    double javaRss = peakRssGiB();
    double diff = maxAbsDiff(images, diffusers.get("images"));
    double torchLoad = Double.parseDouble(diffusers.metadata().get("load_s"));
    double torchStep = Double.parseDouble(diffusers.metadata().get("step_s"));
    double torchRss = Double.parseDouble(diffusers.metadata().get("peak_rss_kib")) / (1 << 20);
    System.out.printf(
        Locale.ROOT,
        "IF stage %d, %s, timesteps %s, guidance, batch 2 per UNet run, %d threads, diffusers in float32"
            + " (load average %s before, %s after):%n",
        stage,
        models.getFileName(),
        Arrays.toString(timesteps),
        threads,
        loadBefore,
        loadAverage());
    System.out.printf(
        Locale.ROOT,
        "  java (ONNX Runtime): load %.1f s, %.2f s/step, peak RSS %.2f GiB%n",
        loadSecs,
        stepSecs,
        javaRss);
    System.out.printf(
        Locale.ROOT,
        "  diffusers (torch eager): load %.1f s, %.2f s/step, peak RSS %.2f GiB%n",
        torchLoad,
        torchStep,
        torchRss);
    System.out.printf(
        Locale.ROOT,
        "  diffusers/java per step: %.2fx; max |java - diffusers| of the images: %.3g%n",
        torchStep / stepSecs,
        diff);
    if (reference == null) {
      Files.deleteIfExists(ref);
    }
    return 0;
  }

  static final String PROMPT = "random T5-like embeddings";

  private void runDiffusers(Path ref) throws IOException, InterruptedException {
    Path script = script();
    List<String> command =
        List.of(
            Support.python(python),
            script.toString(),
            "--source",
            source.toString(),
            "--models",
            models.toString(),
            "--stage",
            String.valueOf(stage),
            "--timesteps",
            String.join(",", Arrays.stream(timesteps).mapToObj(String::valueOf).toList()),
            "--threads",
            String.valueOf(threads),
            "--out",
            ref.toString());
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    pb.directory(script.getParent().toFile());
    int rc = pb.start().waitFor();
    if (rc != 0) {
      throw new IllegalStateException("diffusers' side failed (exit " + rc + "): " + command);
    }
  }

  private static Path script() {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("onnx-export/if/bench_if_real.py");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "onnx-export/if/bench_if_real.py not found above " + Paths.get("").toAbsolutePath());
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** VmHWM of /proc/self/status: this JVM's peak resident memory. */
  private static double peakRssGiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / (double) (1 << 20);
      }
    }
    return Double.NaN;
  }

  private static double maxAbsDiff(Tensor a, Tensor b) {
    if (!Arrays.equals(a.shape(), b.shape())) {
      throw new IllegalStateException(
          "shapes differ: java "
              + Arrays.toString(a.shape())
              + ", diffusers "
              + Arrays.toString(b.shape()));
    }
    float[] x = a.data();
    float[] y = b.data();
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      max = Math.max(max, Math.abs(x[i] - y[i]));
    }
    return max;
  }
}
