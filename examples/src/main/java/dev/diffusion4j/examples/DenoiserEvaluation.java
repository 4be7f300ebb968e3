package dev.diffusion4j.examples;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.MnistDigits;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistDenoiser;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the one-step denoiser on the 1,000 held-out digits at sigma = 0.5 against the best
 * Gaussian blur (searched over odd kernel sizes 3-9 and sigmas 0.5-3), and prints both mean squared
 * errors and their ratio as JSON.
 */
@Command(
    name = "mnist-evaluate-denoiser",
    mixinStandardHelpOptions = true,
    description = "MSE of the one-step denoiser vs the best Gaussian blur on the held-out digits.")
final class DenoiserEvaluation implements Callable<Integer> {

  @Option(
      names = "--epoch",
      defaultValue = "5",
      description = "Denoiser checkpoint (default ${DEFAULT-VALUE}).")
  int epoch;

  @Option(
      names = "--sigma",
      defaultValue = "0.5",
      description = "Noise level (default ${DEFAULT-VALUE}).")
  float sigma;

  @Option(
      names = "--seed",
      defaultValue = Support.DEFAULT_SEED,
      description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--models",
      description =
          "Folder of the shipped MNIST models (default: the repository's testdata/models/mnist,"
              + " else the models jar on the classpath).")
  Path models;

  @Option(
      names = "--data",
      description =
          "Folder of the held-out digits (default: the repository's testdata/mnist, else the"
              + " models jar on the classpath).")
  Path data;

  static double mse(Tensor a, Tensor b) {
    Tensor d = a.sub(b);
    return d.mul(d).mean();
  }

  @Override
  public Integer call() {
    if (!(sigma >= 0 && sigma <= 10)) {
      throw new IllegalArgumentException("sigma must be in [0, 10], but is: " + sigma);
    }
    MnistDigits held =
        MnistDigits.read(
            ExampleData.data(data, ExampleData.HELDOUT_IMAGES),
            ExampleData.data(data, ExampleData.HELDOUT_LABELS));
    Tensor clean = held.images();
    Tensor noisy = clean.add(NoiseSource.seeded(seed).next(clean.shape()).mul(sigma));
    double unet;
    Path model = ExampleData.model(models, "denoiser-epoch" + epoch);
    try (MnistDenoiser d = MnistDenoiser.load(model, SessionSettings.on(Device.parse("auto")))) {
      unet = mse(d.denoise(noisy), clean);
    }
    double best = Double.MAX_VALUE;
    String bestName = "";
    for (int k = 3; k <= 9; k += 2) {
      for (double s = 0.5; s <= 3.0001; s += 0.25) {
        double m = mse(new GaussianBlur(k, s).apply(noisy), clean);
        if (m < best) {
          best = m;
          bestName = String.format(Locale.ROOT, "k=%d sigma=%.2f", k, s);
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "{\"digits\": %d, \"sigma\": %.2f, \"unet_mse\": %.5f, \"best_blur_mse\": %.5f,"
            + " \"best_blur\": \"%s\", \"noisy_mse\": %.5f, \"ratio_unet_to_blur\": %.3f}%n",
        clean.dim(0),
        sigma,
        unet,
        best,
        bestName,
        mse(noisy, clean),
        unet / best);
    return 0;
  }
}
