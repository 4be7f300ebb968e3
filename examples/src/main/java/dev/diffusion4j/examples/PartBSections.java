package dev.diffusion4j.examples;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Generation;
import dev.diffusion4j.image.AnimatedGif;
import dev.diffusion4j.image.ImageGrid;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.MnistDenoiser;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The sections of part B: the MNIST UNets trained from scratch. */
final class PartBSections {

  private PartBSections() {}

  static final float[] SIGMAS = {0f, 0.2f, 0.4f, 0.5f, 0.6f, 0.8f, 1.0f};
  static final ValueRange R = ValueRange.ZERO_TO_ONE;

  /** {@code z = x + sigma * eps} for every sigma, one row per digit. */
  static Tensor noisedRows(Tensor digits, float[] sigmas, NoiseSource noise) {
    List<Tensor> rows = new ArrayList<>();
    for (int i = 0; i < digits.dim(0); i++) {
      Tensor x = digits.slice(i, i + 1);
      for (float s : sigmas) {
        rows.add(x.add(noise.next(x.shape()).mul(s)));
      }
    }
    return Tensor.concatBatch(rows.toArray(new Tensor[0]));
  }

  static List<String> sigmaCaptions(int rows) {
    List<String> c = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      for (float s : SIGMAS) {
        c.add(String.format(Locale.ROOT, "σ=%.1f", s));
      }
    }
    return c;
  }

  /**
   * The width of a copied loss plot: about a 40-digit grid's height (four rows of 28 pixels at
   * scale 3), so that the plot sits beside the samples instead of dwarfing them.
   */
  static final int LOSS_PLOT_WIDTH = 360;

  /** The most frames the step-by-step strip shows, first and last included. */
  static final int STRIP_FRAMES = 8;

  static void copyTrainingFigure(
      Context ctx, String source, String target, List<Figure> figs, String caption) {
    Path src = ctx.models.resolve(source);
    if (Files.exists(src)) {
      try {
        BufferedImage plot = ImageIO.read(src.toFile());
        if (plot == null) {
          throw new IOException("not an image: " + src);
        }
        Images.write(scaleToWidth(plot, LOSS_PLOT_WIDTH), ctx.out.resolve(target));
        figs.add(new Figure(target, caption));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Scales an image down (bilinear) to a width, keeping its aspect ratio; never scales up. */
  static BufferedImage scaleToWidth(BufferedImage img, int width) {
    if (img.getWidth() <= width) {
      return img;
    }
    int height = Math.max(1, Math.round((float) img.getHeight() * width / img.getWidth()));
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(img, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  /** At most {@code n} entries of a list, evenly spread, the first and the last included. */
  static <T> List<T> evenlySpread(List<T> all, int n) {
    if (all.size() <= n) {
      return all;
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(all.get(Math.round((float) i * (all.size() - 1) / (n - 1))));
    }
    return out;
  }

  @Command(
      name = "mnist-noising",
      mixinStandardHelpOptions = true,
      description = "Part B 1.2: the noising process z = x + sigma * eps over sigma.")
  static final class Noising extends Section {
    @Override
    boolean usesModels() {
      return false;
    }

    @Override
    String title() {
      return "The noising process over σ";
    }

    @Override
    String part() {
      return "B";
    }

    @Override
    String description() {
      return "Held-out digits with Gaussian noise of growing strength: z = x + σ·ε, ε ~ N(0, I).";
    }

    @Override
    List<Figure> render(Context ctx) {
      Tensor digits = ctx.digits().slice(0, 5);
      Tensor grid = noisedRows(digits, SIGMAS, NoiseSource.seeded(ctx.seed));
      Support.writeGrid(
          grid, R, SIGMAS.length, 3, sigmaCaptions(5), ctx.out.resolve("noising.png"));
      return List.of(
          new Figure(
              "noising.png",
              "Columns σ = 0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0; one held-out digit per row (values clamped to [0, 1] for display)."));
    }
  }

  @Command(
      name = "mnist-denoise",
      mixinStandardHelpOptions = true,
      description = "Part B 1.2.1: the one-step denoiser at sigma = 0.5 after epochs 1 and 5.")
  static final class Denoise extends Section {
    @Override
    String title() {
      return "One-step denoiser: results after epochs 1 and 5";
    }

    @Override
    String part() {
      return "B";
    }

    @Override
    String description() {
      return "The UNet is trained to map z = x + 0.5·ε back to x with an L2 loss. Rows: clean held-out digits, "
          + "noised at σ = 0.5, denoised by the UNet.";
    }

    @Override
    List<Figure> render(Context ctx) {
      List<Figure> figs = new ArrayList<>();
      Tensor clean = ctx.digits();
      Tensor noisy = clean.add(NoiseSource.seeded(ctx.seed).next(clean.shape()).mul(0.5f));
      for (int epoch : new int[] {1, 5}) {
        try (MnistDenoiser d = ctx.denoiser(epoch)) {
          Tensor out = d.denoise(noisy);
          String file = "denoised_epoch" + epoch + ".png";
          Support.writeGrid(
              Tensor.concatBatch(clean, noisy, out), R, 10, 3, null, ctx.out.resolve(file));
          figs.add(
              new Figure(
                  file,
                  "After epoch " + epoch + ": clean (top), σ = 0.5 (middle), denoised (bottom)."));
        }
      }
      copyTrainingFigure(
          ctx,
          "denoiser-loss.png",
          "denoiser_loss.png",
          figs,
          "Training loss of the one-step denoiser, per batch (log scale).");
      return figs;
    }
  }

  @Command(
      name = "mnist-ood",
      mixinStandardHelpOptions = true,
      description = "Part B 1.2.2: the denoiser trained at sigma = 0.5 on other noise levels.")
  static final class OutOfDistribution extends Section {
    @Override
    String title() {
      return "Out-of-distribution noise levels";
    }

    @Override
    String part() {
      return "B";
    }

    @Override
    String description() {
      return "The denoiser after epoch 5, trained only at σ = 0.5, applied to other noise levels.";
    }

    @Override
    List<Figure> render(Context ctx) {
      Tensor digits = ctx.digits().slice(0, 3);
      Tensor noisy = noisedRows(digits, SIGMAS, NoiseSource.seeded(ctx.seed));
      try (MnistDenoiser d = ctx.denoiser(5)) {
        Tensor out = d.denoise(noisy);
        List<Tensor> rows = new ArrayList<>();
        for (int i = 0; i < digits.dim(0); i++) {
          int n = SIGMAS.length;
          rows.add(noisy.slice(i * n, (i + 1) * n));
          rows.add(out.slice(i * n, (i + 1) * n));
        }
        Support.writeGrid(
            Tensor.concatBatch(rows.toArray(new Tensor[0])),
            R,
            SIGMAS.length,
            3,
            sigmaCaptions(2 * digits.dim(0)),
            ctx.out.resolve("ood.png"));
      }
      return List.of(
          new Figure(
              "ood.png",
              "Pairs of rows: noisy input, then the epoch-5 denoiser's output; columns σ = 0 ... 1.0."));
    }
  }

  /**
   * Grids of samples from the time- or class-conditioned UNet after epochs 5 and 20 (and of other
   * runs).
   */
  abstract static class Samples extends Section {
    @Override
    boolean usesHeldout() {
      return false;
    }

    @picocli.CommandLine.Mixin SamplerOption sampling = new SamplerOption();

    @Override
    dev.diffusion4j.SamplerSettings sampler() {
      return sampling.settings();
    }

    @Option(
        names = "--steps",
        defaultValue = "300",
        description = "Denoising steps, 1..300 (default ${DEFAULT-VALUE}, the full chain).")
    int steps = 300;

    abstract String kind();

    /** The shipped models to sample, in order, by name ({@code <run>-epoch<N>}). */
    List<String> models() {
      return List.of(kind() + "-epoch5", kind() + "-epoch20");
    }

    /** What to say about a model beyond its epoch; empty for the runs at the spec's settings. */
    String about(String model) {
      return "";
    }

    @Override
    String part() {
      return "B";
    }

    @Override
    List<Figure> render(Context ctx) {
      List<Figure> figs = new ArrayList<>();
      for (String model : models()) {
        String epoch = model.substring(model.lastIndexOf("-epoch") + 6);
        try (Diffusion d = ctx.diffusion(model)) {
          var p = d.pipeline().sampler(sampler()).steps(steps).seed(ctx.seed);
          List<String> captions = null;
          if (kind().equals("class")) {
            int[] labels = new int[40];
            captions = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
              labels[i] = i % 10;
              captions.add("“" + labels[i] + "”");
            }
            p.labels(labels).guidance(5);
          } else {
            p.samples(40);
          }
          Tensor x = p.progress(ctx.progress()).generate().images();
          String file =
              model.startsWith(kind() + "-epoch")
                  ? "samples_epoch" + epoch + ".png"
                  : "samples_" + model + ".png";
          Support.writeGrid(x, R, 10, 3, captions, ctx.out.resolve(file));
          figs.add(
              new Figure(
                  file,
                  "After epoch "
                      + epoch
                      + about(model)
                      + ": 40 samples, "
                      + steps
                      + " "
                      + sampler().sampler().cliName().toUpperCase(java.util.Locale.ROOT)
                      + " steps"
                      + (kind().equals("class") ? ", guidance 5, four of each digit." : ".")));
        }
      }
      copyTrainingFigure(
          ctx,
          kind() + "-loss.png",
          kind() + "_loss.png",
          figs,
          "Training loss per batch (log scale).");
      return figs;
    }
  }

  @Command(
      name = "mnist-time-samples",
      mixinStandardHelpOptions = true,
      description =
          "Part B 2: samples of the time-conditioned UNet after epochs 5 and 20, and of the run on all"
              + " the training digits.")
  static final class TimeSamples extends Samples {
    @Override
    String kind() {
      return "time";
    }

    @Override
    List<String> models() {
      return List.of("time-epoch5", "time-epoch20", Support.TIME_DEFAULT);
    }

    @Override
    String about(String model) {
      return model.equals(Support.TIME_DEFAULT)
          ? " of the same UNet trained on the 59,000 standard MNIST training digits (the write-up's"
              + " data; averaged weights)"
          : "";
    }

    @Override
    String title() {
      return "Time-conditioned DDPM: samples after epochs 5 and 20, and trained on 59,000 digits";
    }

    @Override
    String description() {
      return "A UNet conditioned on t/T predicts the noise of x_t; sampling runs the DDPM chain from pure noise "
          + "(linear schedule, T = 300, σ_t = √β_t).";
    }
  }

  @Command(
      name = "mnist-class-samples",
      mixinStandardHelpOptions = true,
      description = "Part B 2: samples of the class-conditioned UNet after epochs 5 and 20.")
  static final class ClassSamples extends Samples {
    @Override
    String kind() {
      return "class";
    }

    @Override
    String title() {
      return "Class-conditioned DDPM: samples after epochs 5 and 20";
    }

    @Override
    String description() {
      return "The UNet is also conditioned on a one-hot digit (dropped 10% of the time in training), so sampling "
          + "can use classifier-free guidance: ε = ε_u + 5 (ε_c − ε_u), both passes in one batch.";
    }
  }

  @Command(
      name = "mnist-gif",
      mixinStandardHelpOptions = true,
      description = "Part B: a GIF of a class-conditioned sampling run.")
  static final class Gif extends Section {
    @Override
    boolean usesHeldout() {
      return false;
    }

    @picocli.CommandLine.Mixin SamplerOption sampling = new SamplerOption();

    @Override
    dev.diffusion4j.SamplerSettings sampler() {
      return sampling.settings();
    }

    @Option(
        names = "--steps",
        defaultValue = "300",
        description = "Denoising steps (default ${DEFAULT-VALUE}).")
    int steps = 300;

    @Override
    String title() {
      return "A sampling run, step by step";
    }

    @Override
    String part() {
      return "B";
    }

    @Override
    String description() {
      return "The ten digits emerging from noise under the class-conditioned UNet (epoch 20, guidance 5).";
    }

    @Override
    List<Figure> render(Context ctx) {
      try (Diffusion d = ctx.diffusion("class", 20)) {
        int every = Math.max(1, steps / 30);
        Generation g =
            d.pipeline()
                .labels(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
                .guidance(5)
                .sampler(sampler())
                .steps(steps)
                .captureEvery(every)
                .seed(ctx.seed)
                .progress(ctx.progress())
                .generate();
        List<BufferedImage> frames = new ArrayList<>();
        for (Tensor x : g.intermediates()) {
          frames.add(ImageGrid.render(Support.tiles(x, R), 10, 3, null));
        }
        AnimatedGif.write(frames, 80, 2000, ctx.out.resolve("sampling.gif"));
        List<Tensor> rows = evenlySpread(g.intermediates(), STRIP_FRAMES);
        List<Integer> at = evenlySpread(g.capturedTimesteps(), STRIP_FRAMES);
        Support.writeGrid(
            Tensor.concatBatch(rows.toArray(new Tensor[0])),
            R,
            10,
            2,
            null,
            ctx.out.resolve("sampling_strip.png"));
        return List.of(
            new Figure(
                "sampling.gif",
                "x_t every " + every + " steps of a " + steps + "-step run (looping)."),
            new Figure(
                "sampling_strip.png",
                rows.size()
                    + " of the frames as rows, top (pure noise, t = "
                    + at.get(0)
                    + ") to bottom (t = "
                    + at.get(at.size() - 1)
                    + ")."));
      }
    }
  }
}
