package dev.diffusion4j.examples;

import dev.diffusion4j.ConsoleProgress;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Generation;
import dev.diffusion4j.Messages;
import dev.diffusion4j.Pipeline;
import dev.diffusion4j.Progress;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Samples digits from the part B UNets of the write-up.
 *
 * <pre>
 * java -jar examples/target/diffusion4j-examples.jar mnist-sample --model class --per-digit 4 \
 *     --guidance 5 --steps 300 --seed 1 --out out/class
 * java -jar examples/target/diffusion4j-examples.jar mnist-sample --model time --count 40 \
 *     --steps 300 --seed 1 --out out/time
 * java -jar examples/target/diffusion4j-examples.jar mnist-sample --model class --per-digit 4 \
 *     --guidance 5 --steps 20 --sampler dpm++ --seed 1 --out out/class-dpm
 * </pre>
 *
 * <p>Writes {@code DIR/digit<c>-<i>.png} (class model) or {@code DIR/sample-<i>.png} (time model),
 * the examples' one file-name pattern {@code <name>-<index>.png} (the library's {@code
 * Generation.DEFAULT_PATTERN}): 28x28 grayscale, white digit on black. Samples are generated in
 * batches of {@value #CHUNK}; the seed of batch {@code b} is {@code seed + b}. At most {@value
 * #MAX_TOTAL} samples a run.
 */
@Command(
    name = "mnist-sample",
    mixinStandardHelpOptions = true,
    description = "Samples digits with the class- or time-conditioned MNIST UNet.")
final class MnistSample implements Callable<Integer> {

  static final int CHUNK = 100;

  /** The most samples one run writes: {@value} (1,000 per digit). */
  static final int MAX_TOTAL = 10_000;

  @Option(names = "--model", required = true, description = "class or time")
  String model;

  @Option(names = "--per-digit", description = "Samples per digit (class model).")
  Integer perDigit;

  @Option(names = "--count", description = "Number of samples (time model).")
  Integer count;

  /** The guidance of the class model when --guidance is not given: the write-up's setting. */
  static final double DEFAULT_GUIDANCE = 5.0;

  @Option(
      names = "--guidance",
      description = "Classifier-free guidance scale (class model only; default 5).")
  Double guidance;

  @Option(
      names = "--steps",
      defaultValue = "300",
      description = "Denoising steps, 1..300; 300 is the full chain (default ${DEFAULT-VALUE}).")
  int steps;

  @picocli.CommandLine.Mixin SamplerOption sampling = new SamplerOption();

  @Option(
      names = "--seed",
      defaultValue = Support.DEFAULT_SEED,
      description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", required = true, description = "Output folder.")
  Path out;

  @Option(
      names = "--epoch",
      description =
          "A shipped checkpoint of the runs on the 9,000 npm digits: 5 or 20 (both models; 20 is the"
              + " class default), 60 (time). Without it the time model is "
              + Support.TIME_DEFAULT
              + ", trained on 59,000 digits.")
  Integer epoch;

  @Option(names = "--model-file", description = "An .onnx file to use instead of the shipped one.")
  Path modelFile;

  @Option(
      names = "--models",
      description =
          "Folder of the shipped MNIST models (default: the repository's testdata/models/mnist,"
              + " else the models jar on the classpath).")
  Path models;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Threads ONNX Runtime may use per operator; 0 lets it choose (default).")
  int threads;

  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "auto, cpu, cuda or cuda:N (default ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() {
    dev.diffusion4j.SamplerSettings settings = sampling.settings();
    boolean classModel;
    switch (model) {
      case "class" -> classModel = true;
      case "time" -> classModel = false;
      default ->
          throw new IllegalArgumentException("model must be class or time, but is: " + model);
    }
    // options that belong to the other model, or that another option makes moot, are refused
    // rather than ignored
    if (classModel && count != null) {
      throw new IllegalArgumentException(
          "--count is for --model time; the class model samples --per-digit N of each digit");
    }
    if (!classModel && perDigit != null) {
      throw new IllegalArgumentException(
          "--per-digit is for --model class; the time model samples --count N digits");
    }
    if (!classModel && guidance != null) {
      throw new IllegalArgumentException(
          "--guidance is for --model class; the time model has no condition to guide by");
    }
    if (epoch != null && modelFile != null) {
      throw new IllegalArgumentException(
          "--epoch and --model-file both choose the model; give one of them");
    }
    if (models != null && modelFile != null) {
      throw new IllegalArgumentException(
          "--models and --model-file both choose where the model comes from; give one of them");
    }
    double scale = guidance != null ? guidance : DEFAULT_GUIDANCE;
    int total;
    if (classModel) {
      if (perDigit == null) {
        throw new IllegalArgumentException("per-digit is required for --model class");
      }
      if (perDigit <= 0 || perDigit > MAX_TOTAL / 10) {
        throw new IllegalArgumentException(
            "per-digit must be in [1, " + MAX_TOTAL / 10 + "], but is: " + perDigit);
      }
      total = 10 * perDigit;
    } else {
      if (count == null) {
        throw new IllegalArgumentException("count is required for --model time");
      }
      if (count <= 0 || count > MAX_TOTAL) {
        throw new IllegalArgumentException(
            "count must be in [1, " + MAX_TOTAL + "], but is: " + count);
      }
      total = count;
    }
    if (!(scale >= 0)) {
      throw new IllegalArgumentException("guidance must be >= 0, but is: " + scale);
    }
    if (steps < 1 || steps > 300) {
      throw new IllegalArgumentException("steps must be in [1, 300], but is: " + steps);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, but is: " + threads);
    }
    Device dev = Device.parse(device);
    Path file;
    if (modelFile != null) {
      file = modelFile;
    } else if (epoch != null) {
      if (!Support.shippedEpochs(model).contains(epoch)) {
        throw new IllegalArgumentException(
            "epoch must name a shipped "
                + model
                + " checkpoint ("
                + Support.shippedEpochs(model)
                + "), but is: "
                + epoch);
      }
      file = ExampleData.model(models, model + "-epoch" + epoch);
    } else {
      file = Support.defaultModel(model, models);
    }
    Support.prepareOutput(out);

    try (Diffusion diffusion =
        Diffusion.mnist(file, SessionSettings.on(dev).withIntraOpThreads(threads))) {
      boolean fileIsClass = diffusion.encoder() != null;
      if (fileIsClass != classModel) {
        throw new IllegalArgumentException(
            "model file "
                + Messages.quote(file)
                + " is a "
                + (fileIsClass
                    ? "class-conditioned model (it takes a digit label); use --model class"
                    : "time-conditioned model (it takes no label); use --model time")
                + ", or give a "
                + model
                + "-conditioned file");
      }
      ConsoleProgress bar =
          ConsoleProgress.toStandardError()
              .labelled(String.format("%s model, %d samples", model, total));
      int chunks = (total + CHUNK - 1) / CHUNK;
      for (int b = 0; b < chunks; b++) {
        int from = b * CHUNK;
        int n = Math.min(CHUNK, total - from);
        Pipeline p = diffusion.pipeline().sampler(settings).steps(steps).seed(seed + b);
        int[] labels = new int[n];
        if (classModel) {
          for (int i = 0; i < n; i++) {
            labels[i] = (from + i) / perDigit;
          }
          p.labels(labels).guidance(scale);
        } else {
          p.samples(n);
        }
        final int done = b * steps;
        Generation g =
            p.progress(
                    pr -> bar.accept(new Progress(done + pr.step(), chunks * steps, pr.timestep())))
                .generate();
        for (int i = 0; i < n; i++) {
          int k = from + i;
          String name =
              classModel
                  ? "digit" + labels[i] + "-" + (k % perDigit) + ".png"
                  : "sample-" + k + ".png";
          Images.write(g.images(), i, ValueRange.ZERO_TO_ONE, out.resolve(name));
        }
      }
    }
    System.out.println("wrote " + total + " samples to " + out);
    return 0;
  }
}
