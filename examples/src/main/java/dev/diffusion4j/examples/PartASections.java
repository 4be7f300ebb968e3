package dev.diffusion4j.examples;

import dev.diffusion4j.Condition;
import dev.diffusion4j.Generation;
import dev.diffusion4j.Variant;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The techniques of part A. Each runs on the class-conditioned MNIST UNet by default (a digit as
 * the condition, the write-up's settings rescaled from T = 1000 to T = 300: timesteps 300, 290,
 * ..., 0, i_start = 10, noise levels t = 75, 150, 225) or, with {@code --if-models DIR}, on
 * DeepFloyd IF with the write-up's own prompts and settings.
 */
final class PartASections {

  private PartASections() {}

  /** A part A section: runs on MNIST, or on IF with {@code --if-models}. */
  /** A technique that samples, and so takes {@code --sampler ddpm|ddim|dpm++}. */
  abstract static class SamplingTechnique extends Technique {
    @picocli.CommandLine.Mixin SamplerOption sampling = new SamplerOption();

    @Override
    dev.diffusion4j.SamplerSettings sampler() {
      return sampling.settings();
    }
  }

  abstract static class Technique extends Section {
    @Option(
        names = "--if-models",
        description = "Run on a DeepFloyd IF models folder instead of MNIST.")
    Path ifModels;

    @Option(
        names = "--image",
        description =
            "The IF test image (PNG or JPEG; default: a drawn scene); on MNIST, mnist-sdedit,"
                + " mnist-translate and mnist-inpaint take your own drawing.")
    Path image;

    /**
     * Whether {@code --image} on MNIST is the user's own image (SDEdit, translation, inpainting).
     */
    boolean takesOwnImage() {
      return false;
    }

    @Override
    String part() {
      return ifModels != null ? "IF" : "A";
    }

    /** On MNIST the class model and a held-out digit; on IF neither. */
    @Override
    boolean usesModels() {
      return ifModels == null;
    }

    @Override
    boolean usesHeldout() {
      return ifModels == null;
    }

    @Override
    void refuseIgnoredOptions() {
      if (image != null && ifModels == null && !takesOwnImage()) {
        throw new IllegalArgumentException(
            "--image is the test image of the IF run and needs --if-models DIR; on MNIST "
                + commandName()
                + " starts from the held-out digits (give another set with --data DIR); your own"
                + " drawing goes to mnist-sdedit, mnist-translate or mnist-inpaint");
      }
      super.refuseIgnoredOptions();
    }

    @Override
    List<Figure> render(Context ctx) {
      Study study = ifModels != null ? Study.deepFloyd(ctx, ifModels, image) : Study.mnist(ctx);
      try {
        return render(ctx, study);
      } finally {
        study.diffusion.close();
      }
    }

    abstract List<Figure> render(Context ctx, Study s);

    @Override
    String description() {
      return ifModels != null ? describe(true) : describe(false);
    }

    abstract String describe(boolean deepFloyd);

    /** Runs {@code generate} on the MNIST study and writes {@code DIR/<prefix><i>.png}. */
    /**
     * Writes each sample of a generation as {@code prefix<i>.png} and, with {@code animate}, its
     * transition animation as {@code prefix<i>.gif}.
     */
    int writeEach(
        String prefix,
        boolean animate,
        java.util.function.Function<Study, dev.diffusion4j.Generation> generate) {
      Study s = Study.mnist(context(run.out));
      try {
        dev.diffusion4j.Generation g = generate.apply(s);
        Tensor x = g.images();
        for (int i = 0; i < x.dim(0); i++) {
          Images.write(x, i, s.range, run.out.resolve(prefix + i + ".png"));
          if (animate) {
            g.animation(i).write(run.out.resolve(prefix + i + ".gif"));
          }
        }
        System.out.println(
            "wrote "
                + x.dim(0)
                + " images"
                + (animate ? " and animations" : "")
                + " to "
                + run.out);
      } finally {
        s.diffusion.close();
      }
      return 0;
    }

    int writeEach(String prefix, java.util.function.Function<Study, Tensor> generate) {
      Study s = Study.mnist(context(run.out));
      try {
        Tensor x = generate.apply(s);
        for (int i = 0; i < x.dim(0); i++) {
          Images.write(x, i, s.range, run.out.resolve(prefix + i + ".png"));
        }
        System.out.println("wrote " + x.dim(0) + " images to " + run.out);
      } finally {
        s.diffusion.close();
      }
      return 0;
    }

    static int scale(Study s) {
      return s.isIf() ? 3 : 4;
    }
  }

  static Tensor cat(List<Tensor> parts) {
    return Tensor.concatBatch(parts.toArray(new Tensor[0]));
  }

  static List<Tensor> noised(Study s, Context ctx) {
    List<Tensor> out = new ArrayList<>();
    for (int t : s.levels) {
      out.add(s.diffusion.forward(s.testImage, t, NoiseSource.seeded(ctx.seed + t)));
    }
    return out;
  }

  static List<String> levelCaptions(Study s, String... more) {
    List<String> c = new ArrayList<>();
    for (int t : s.levels) {
      c.add("t = " + t);
    }
    for (String m : more) {
      for (int i = 0; i < s.levels.length; i++) {
        c.add(m);
      }
    }
    return c;
  }

  @Command(
      name = "mnist-forward",
      mixinStandardHelpOptions = true,
      description = "Part A 1.1: the forward process at three noise levels.")
  static final class Forward extends Technique {
    @Override
    String title() {
      return "Forward process";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε on the test image, at "
          + (deepFloyd
              ? "t = 250, 500, 750 of T = 1000."
              : "t = 75, 150, 225 of T = 300 (the write-up's 250, 500, 750 of 1000).");
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      List<Tensor> row = new ArrayList<>(List.of(s.testImage));
      row.addAll(noised(s, ctx));
      List<String> caps = new ArrayList<>(List.of("x_0"));
      caps.addAll(levelCaptions(s));
      Support.writeGrid(cat(row), s.range, 4, scale(s), caps, ctx.out.resolve("forward.png"));
      return List.of(
          new Figure(
              "forward.png", "The test image (" + s.testName + ") and its noised versions."));
    }
  }

  @Command(
      name = "mnist-blur",
      mixinStandardHelpOptions = true,
      description = "Part A 1.2: the classical Gaussian-blur baseline on the noised image.")
  static final class Blur extends Technique {
    @Override
    String title() {
      return "Classical denoising: Gaussian blur";
    }

    @Override
    String describe(boolean deepFloyd) {
      return deepFloyd
          ? "A Gaussian blur (k = 5, σ = 2) of the noised image: it removes noise and detail alike."
          : "A Gaussian blur (k = 3, σ = 0.875: the write-up's k = 5, σ = 2 at 64 px rescaled to 28 px) of the "
              + "noised digit: it removes noise and detail alike.";
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      List<Tensor> noisy = noised(s, ctx);
      List<Tensor> all = new ArrayList<>(noisy);
      for (Tensor x : noisy) {
        all.add(s.baseline.apply(x));
      }
      Support.writeGrid(
          cat(all), s.range, 3, scale(s), levelCaptions(s, "blurred"), ctx.out.resolve("blur.png"));
      return List.of(new Figure("blur.png", "Top: noised; bottom: Gaussian-blurred."));
    }
  }

  @Command(
      name = "mnist-one-step",
      mixinStandardHelpOptions = true,
      description = "Part A 1.3: one-step denoising with the UNet.")
  static final class OneStep extends Technique {
    @Override
    String title() {
      return "One-step denoising";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "The UNet estimates the noise of x_t (condition "
          + (deepFloyd ? "“a high quality photo”" : "the digit “3”")
          + ", no guidance) and the clean image "
          + "follows in one step: x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t.";
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      List<Tensor> noisy = noised(s, ctx);
      List<Tensor> all = new ArrayList<>(noisy);
      for (int i = 0; i < s.levels.length; i++) {
        all.add(
            s.diffusion
                .pipeline()
                .variant(Variant.STUDY)
                .condition(s.testCondition)
                .guidance(1)
                .denoiseOnce(noisy.get(i), s.levels[i]));
      }
      Support.writeGrid(
          cat(all),
          s.range,
          3,
          scale(s),
          levelCaptions(s, "one step"),
          ctx.out.resolve("one_step.png"));
      return List.of(
          new Figure("one_step.png", "Top: noised; bottom: the one-step estimate x̂_0."));
    }
  }

  @Command(
      name = "mnist-iterative",
      mixinStandardHelpOptions = true,
      description = "Part A 1.4: iterative denoising over strided timesteps.")
  static final class Iterative extends Technique {
    @Override
    String title() {
      return "Iterative denoising";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "Starting at i_start = 10 of the strided list "
          + (deepFloyd ? "990, 960, ..., 0 (t = 690)" : "300, 290, ..., 0 (t = 200)")
          + " and stepping with the DDPM update to t = 0, compared with one-step denoising and the blur.";
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      int t0 = s.strided.get(s.iStart);
      // the run's first draw from the seed noises the image to ts[i_start]: xt is exactly its start
      Tensor xt = s.diffusion.forward(s.testImage, t0, NoiseSource.seeded(ctx.seed));
      Generation g =
          s.diffusion
              .pipeline()
              .variant(Variant.STUDY)
              .condition(s.testCondition)
              .guidance(1)
              .timesteps(s.strided)
              .image(s.testImage, s.iStart)
              .captureEvery(5)
              .seed(ctx.seed)
              .progress(ctx.progress())
              .generate();
      List<String> caps = new ArrayList<>();
      for (int t : g.capturedTimesteps()) {
        caps.add("t = " + t);
      }
      Support.writeGrid(
          cat(g.intermediates()),
          s.range,
          g.intermediates().size(),
          scale(s),
          caps,
          ctx.out.resolve("iterative_progress.png"));
      Tensor oneStep =
          s.diffusion
              .pipeline()
              .variant(Variant.STUDY)
              .condition(s.testCondition)
              .guidance(1)
              .denoiseOnce(xt, t0);
      Support.writeGrid(
          cat(List.of(s.testImage, xt, g.images(), oneStep, s.baseline.apply(xt))),
          s.range,
          5,
          scale(s),
          List.of("original", "t = " + t0, "iterative", "one step", "blur"),
          ctx.out.resolve("iterative_compare.png"));
      return List.of(
          new Figure("iterative_progress.png", "x_t every 5th step from t = " + t0 + " down to 0."),
          new Figure("iterative_compare.png", "The same noisy image cleaned three ways."));
    }
  }

  @Command(
      name = "mnist-sampling",
      mixinStandardHelpOptions = true,
      description =
          "Part A 1.5-1.6: sampling from noise without and with classifier-free guidance.")
  static final class Sampling extends SamplingTechnique {
    @Override
    String title() {
      return "Sampling, and classifier-free guidance";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "Iterative denoising from pure noise (i_start = 0), "
          + (deepFloyd
              ? "five samples of “a high quality photo”, without guidance and with CFG: ε = ε_u + 7 (ε_c − ε_u)."
              : "one sample per digit, without guidance (conditional estimate only) and with CFG: ε = ε_u + 5 (ε_c − ε_u).");
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      List<Condition> conds = List.of(s.samplingConditions);
      Tensor plain =
          s.pipeline(sampler())
              .variant(Variant.STUDY)
              .conditions(conds)
              .guidance(1)
              .seed(ctx.seed)
              .progress(ctx.progress())
              .generate()
              .images();
      Tensor cfg =
          s.pipeline(sampler())
              .variant(Variant.STUDY)
              .conditions(conds)
              .guidance(s.guidance)
              .seed(ctx.seed)
              .progress(ctx.progress())
              .generate()
              .images();
      Support.writeGrid(
          cat(List.of(plain, cfg)),
          s.range,
          conds.size(),
          s.isIf() ? 3 : 3,
          null,
          ctx.out.resolve("sampling.png"));
      return List.of(
          new Figure(
              "sampling.png", "Top: no guidance; bottom: guidance " + s.guidance + "; same seed."));
    }
  }
}
