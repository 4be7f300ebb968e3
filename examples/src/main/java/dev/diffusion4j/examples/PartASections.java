package dev.diffusion4j.examples;

import dev.diffusion4j.Condition;
import dev.diffusion4j.Generation;
import dev.diffusion4j.Variant;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The techniques of part A. Each runs on the class-conditioned MNIST UNet by default (a digit as
 * the condition, the study's settings rescaled from T = 1000 to T = 300: timesteps 300, 290, ...,
 * 0, i_start = 10, noise levels t = 75, 150, 225) or, with {@code --if-models DIR}, on DeepFloyd IF
 * with the study's own prompts and settings. Every section runs the study's loop ({@link
 * Variant#STUDY}: no pass at timestep 0, no thresholding), as the study did; the library's default
 * is diffusers' loop.
 */
final class PartASections {

  private PartASections() {}

  /** A part A section: runs on MNIST, or on IF with {@code --if-models}. */
  abstract static class Technique extends Section {
    @Option(
        names = "--if-models",
        description = "Run on a DeepFloyd IF models folder instead of MNIST.")
    Path ifModels;

    @Option(
        names = "--image",
        description = "The IF test image (PNG or JPEG; default: a drawn scene).")
    Path image;

    @Override
    String part() {
      return ifModels != null ? "IF" : "A";
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
              : "t = 75, 150, 225 of T = 300 (the study's 250, 500, 750 of 1000).");
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
          : "A Gaussian blur (k = 3, σ = 0.875: the study's k = 5, σ = 2 at 64 px rescaled to 28 px) of the "
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
  static final class Sampling extends Technique {
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
          s.diffusion
              .pipeline()
              .variant(Variant.STUDY)
              .conditions(conds)
              .guidance(1)
              .timesteps(s.strided)
              .seed(ctx.seed)
              .generate()
              .images();
      Tensor cfg =
          s.diffusion
              .pipeline()
              .variant(Variant.STUDY)
              .conditions(conds)
              .guidance(s.guidance)
              .timesteps(s.strided)
              .seed(ctx.seed)
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

  @Command(
      name = "mnist-sdedit",
      mixinStandardHelpOptions = true,
      description = "Part A 1.7: SDEdit on a real image and on drawings.")
  static final class SdEdit extends Technique {
    @Override
    String title() {
      return "Image-to-image translation (SDEdit)";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "An image is noised to t = ts[i_start] and denoised with CFG under its own condition, for i_start = 1, "
          + "3, 5, 7, 10, 20. Little noise lets the model invent; much keeps the image. Rows: "
          + (deepFloyd
              ? "the test image, then a drawing made with Java2D."
              : "a held-out digit, then three digits drawn with Java2D strokes.");
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      List<Tensor> all = new ArrayList<>();
      List<String> caps = new ArrayList<>();
      List<Tensor> inputs = new ArrayList<>(List.of(s.testImage));
      List<Condition> conds = new ArrayList<>(List.of(s.testCondition));
      inputs.addAll(List.of(s.drawings));
      conds.addAll(List.of(s.drawingConditions));
      if (!s.isIf()) {
        inputs.set(0, ctx.digit(5));
        conds.set(0, Condition.label(5));
      }
      for (int r = 0; r < inputs.size(); r++) {
        for (int start : s.sdeditStarts) {
          all.add(
              s.diffusion
                  .pipeline()
                  .variant(Variant.STUDY)
                  .condition(conds.get(r))
                  .guidance(s.guidance)
                  .timesteps(s.strided)
                  .image(inputs.get(r), start)
                  .seed(ctx.seed + start)
                  .generate()
                  .images());
          caps.add("i_start " + start);
        }
        all.add(inputs.get(r));
        caps.add(r == 0 ? "original" : "drawn");
      }
      Support.writeGrid(
          cat(all), s.range, s.sdeditStarts.length + 1, 3, caps, ctx.out.resolve("sdedit.png"));
      return List.of(
          new Figure(
              "sdedit.png", "Each row: SDEdit at i_start = 1, 3, 5, 7, 10, 20, then the input."));
    }
  }

  @Command(
      name = "mnist-inpaint",
      mixinStandardHelpOptions = true,
      description = "Part A 1.7.2: inpainting (RePaint).")
  static final class Inpaint extends Technique {
    @Override
    String title() {
      return "Inpainting";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "Starting from noise, after every step the region outside the mask is replaced by the original noised "
          + "to the current timestep: x_t ← m x_t + (1 − m) forward(x_orig, t). "
          + (deepFloyd
              ? "The study's mask: rows 2-19, columns 24-41."
              : "The masked top of a “7” is regenerated under the label 7 (left) and 9 (right).");
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      Tensor original = s.isIf() ? s.testImage : ctx.digit(7);
      Tensor m = s.mask.values();
      Tensor keep = m.mul(-1f).add(1f);
      Tensor maskShown = s.isIf() ? Tensor.concatChannels(m, m, m).mul(2f).add(-1f) : m;
      Tensor kept =
          s.isIf()
              ? original
                  .mul(Tensor.concatChannels(keep, keep, keep))
                  .add(Tensor.concatChannels(m, m, m).mul(-1f))
              : original.mul(keep);
      List<Tensor> all = new ArrayList<>(List.of(original, maskShown, kept));
      List<String> caps = new ArrayList<>(List.of("original", "mask", "kept"));
      List<Condition> conds =
          s.isIf() ? List.of(s.inpaintCondition) : List.of(Condition.label(7), Condition.label(9));
      for (Condition c : conds) {
        for (int k = 0; k < 2; k++) {
          all.add(
              s.diffusion
                  .pipeline()
                  .variant(Variant.STUDY)
                  .condition(c)
                  .guidance(s.guidance)
                  .timesteps(s.strided)
                  .image(original, 0)
                  .mask(s.mask)
                  .seed(ctx.seed + 10L * all.size() + k)
                  .generate()
                  .images());
          caps.add(s.label(c));
        }
      }
      Support.writeGrid(cat(all), s.range, all.size(), 3, caps, ctx.out.resolve("inpaint.png"));
      return List.of(
          new Figure(
              "inpaint.png", "Original, mask (white = regenerate), kept region, then results."));
    }
  }

  @Command(
      name = "mnist-translate",
      mixinStandardHelpOptions = true,
      description = "Part A 1.7.3: conditional image-to-image translation.")
  static final class Translate extends Technique {
    @Override
    String title() {
      return "Conditional image-to-image translation";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "SDEdit under another condition over the same i_start sweep; with less noise the result keeps more of "
          + "the source. "
          + (deepFloyd
              ? "The test image as “a rocket ship”, “a pencil”, “a photo of a dog”."
              : "A held-out “3” denoised as an 8, and a “4” as a 9.");
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      List<Tensor> all = new ArrayList<>();
      List<String> caps = new ArrayList<>();
      for (Condition[] pair : s.translations) {
        Tensor src = s.isIf() ? s.testImage : ctx.digit(((Condition.Label) pair[0]).value());
        for (int start : s.sdeditStarts) {
          all.add(
              s.diffusion
                  .pipeline()
                  .variant(Variant.STUDY)
                  .condition(pair[1])
                  .guidance(s.guidance)
                  .timesteps(s.strided)
                  .image(src, start)
                  .seed(ctx.seed + start)
                  .generate()
                  .images());
          caps.add("i_start " + start);
        }
        all.add(src);
        caps.add("→ " + s.label(pair[1]));
      }
      Support.writeGrid(
          cat(all), s.range, s.sdeditStarts.length + 1, 3, caps, ctx.out.resolve("translate.png"));
      return List.of(
          new Figure("translate.png", "One row per target condition; last column the source."));
    }
  }

  @Command(
      name = "mnist-anagram",
      mixinStandardHelpOptions = true,
      description =
          "Part A 1.8: visual anagrams; writes DIR/anagram_<i>.png (as the image reads upright).")
  static final class Anagram extends Technique {
    @Option(
        names = "--upright",
        defaultValue = "6",
        description = "Digit read upright (default ${DEFAULT-VALUE}).")
    int upright = 6;

    @Option(
        names = "--other",
        defaultValue = "9",
        description = "Digit read through the view (default ${DEFAULT-VALUE}).")
    int other = 9;

    @Option(
        names = "--view",
        defaultValue = "rot180",
        description = "flip, rot90, rot180 or rot270 (default ${DEFAULT-VALUE}).")
    String view = "rot180";

    @Option(
        names = "--count",
        defaultValue = "4",
        description = "Number of anagrams (default ${DEFAULT-VALUE}).")
    int count = 4;

    @Override
    String title() {
      return "Visual anagrams";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "ε = (ε_1(x_t) + v⁻¹(ε_2(v(x_t))))/2, each with CFG (variance averaged the same way): one image that "
          + "reads one way upright and another through the view v. "
          + (deepFloyd
              ? "“an oil painting of an old man” upright, “people around a campfire” upside down."
              : "A “6” that is a “9” turned by 180°, and a “2” that is a “5” upside down (vertical flip, the study's view).");
    }

    @Override
    public Integer call() {
      if (count <= 0) {
        throw new IllegalArgumentException("count must be > 0, but is: " + count);
      }
      if (!List.of("flip", "rot90", "rot180", "rot270").contains(view)) {
        throw new IllegalArgumentException(
            "view must be one of flip, rot90, rot180, rot270, but is: " + view);
      }
      checkDigit("upright", upright);
      checkDigit("other", other);
      if (ifModels != null) {
        return super.call();
      }
      return writeEach(
          "anagram_",
          s ->
              s.diffusion
                  .pipeline()
                  .variant(Variant.STUDY)
                  .label(upright)
                  .anagram(Condition.label(other), View.named(view))
                  .guidance(s.guidance)
                  .timesteps(s.strided)
                  .samples(count)
                  .seed(run.seed)
                  .generate()
                  .images());
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      List<Tensor> all = new ArrayList<>();
      List<String> caps = new ArrayList<>();
      int n = s.isIf() ? 2 : 4;
      for (int k = 0; k < s.anagrams.length; k++) {
        View v = s.anagramViews[k];
        Tensor x =
            s.diffusion
                .pipeline()
                .variant(Variant.STUDY)
                .condition(s.anagrams[k][0])
                .anagram(s.anagrams[k][1], v)
                .guidance(s.guidance)
                .timesteps(s.strided)
                .samples(n)
                .seed(ctx.seed)
                .generate()
                .images();
        all.add(x);
        all.add(v.apply(x));
        for (int i = 0; i < n; i++) {
          caps.add(s.label(s.anagrams[k][0]));
        }
        for (int i = 0; i < n; i++) {
          caps.add(v.name() + ": " + s.label(s.anagrams[k][1]));
        }
      }
      Support.writeGrid(cat(all), s.range, n, 3, caps, ctx.out.resolve("anagrams.png"));
      return List.of(
          new Figure(
              "anagrams.png", "Pairs of rows: anagrams as generated, then seen through the view."));
    }
  }

  static void checkDigit(String name, int d) {
    if (d < 0 || d > 9) {
      throw new IllegalArgumentException(name + " must be a digit in [0, 9], but is: " + d);
    }
  }

  @Command(
      name = "mnist-hybrid",
      mixinStandardHelpOptions = true,
      description = "Part A 1.9: hybrid images; writes DIR/hybrid_<i>.png.")
  static final class Hybrid extends Technique {
    @Option(
        names = "--low",
        defaultValue = "8",
        description = "Digit in the low frequencies (default ${DEFAULT-VALUE}).")
    int low = 8;

    @Option(
        names = "--high",
        defaultValue = "1",
        description = "Digit in the high frequencies (default ${DEFAULT-VALUE}).")
    int high = 1;

    @Option(
        names = "--count",
        defaultValue = "4",
        description = "Number of hybrids (default ${DEFAULT-VALUE}).")
    int count = 4;

    @Override
    String title() {
      return "Hybrid images";
    }

    @Override
    String describe(boolean deepFloyd) {
      GaussianBlur b = GaussianBlur.forHybrid(deepFloyd ? 64 : 28);
      return "Factorized diffusion: ε = lowpass(ε_1) + highpass(ε_2), variance averaged, with a Gaussian blur of k = "
          + b.kernelSize()
          + ", σ = "
          + b.sigma()
          + (deepFloyd ? "" : " (the study's k = 33, σ = 2 at 64 px, scaled to 28 px)")
          + ". One condition lives in the low frequencies (seen from afar), the other in the high (seen up close): "
          + (deepFloyd ? "a skull and waterfalls." : "an " + low + " and a " + high + ".");
    }

    @Override
    public Integer call() {
      if (count <= 0) {
        throw new IllegalArgumentException("count must be > 0, but is: " + count);
      }
      checkDigit("low", low);
      checkDigit("high", high);
      if (ifModels != null) {
        return super.call();
      }
      return writeEach(
          "hybrid_",
          s ->
              s.diffusion
                  .pipeline()
                  .variant(Variant.STUDY)
                  .label(low)
                  .hybrid(Condition.label(high))
                  .guidance(s.guidance)
                  .timesteps(s.strided)
                  .samples(count)
                  .seed(run.seed)
                  .generate()
                  .images());
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      Condition lowC = s.isIf() ? s.hybrid[0] : Condition.label(low);
      Condition highC = s.isIf() ? s.hybrid[1] : Condition.label(high);
      int n = s.isIf() ? 2 : 4;
      Tensor x =
          s.diffusion
              .pipeline()
              .variant(Variant.STUDY)
              .condition(lowC)
              .hybrid(highC)
              .guidance(s.guidance)
              .timesteps(s.strided)
              .samples(n)
              .seed(ctx.seed)
              .generate()
              .images();
      GaussianBlur b = GaussianBlur.forHybrid(x.dim(2));
      float mid = s.range == ValueRange.ZERO_TO_ONE ? 0.5f : 0f;
      Support.writeGrid(
          cat(List.of(x, b.lowPass(x), b.highPass(x).add(mid))),
          s.range,
          n,
          3,
          null,
          ctx.out.resolve("hybrids.png"));
      Support.writeGrid(
          x.resizeBilinear(x.dim(2) / 3, x.dim(3) / 3),
          s.range,
          n,
          3,
          null,
          ctx.out.resolve("hybrids_far.png"));
      return List.of(
          new Figure(
              "hybrids.png",
              "Rows: the hybrids; their low-pass ("
                  + s.label(lowC)
                  + "); their high-pass, "
                  + "shifted to mid-grey ("
                  + s.label(highC)
                  + ")."),
          new Figure("hybrids_far.png", "The same hybrids shrunk to a third, as seen from afar."));
    }
  }

  @Command(
      name = "if-upscale",
      mixinStandardHelpOptions = true,
      description = "Part A 2: stage II upsampling to 256x256 (needs --if-models with stage II).")
  static final class Upscale extends Technique {
    @Override
    String title() {
      return "Stage II: upsampling to 256x256";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "Stage I samples at 64x64 are upscaled (bilinear, align_corners), noised to level 250 and fed beside "
          + "x_t to the stage II UNet, denoised from noise with guidance 4 over 50 steps; then an anagram through "
          + "both stages.";
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      if (!s.isIf() || !s.diffusion.hasUpscaler()) {
        throw new IllegalArgumentException("if-upscale needs --if-models with a stage II UNet");
      }
      Condition p = Condition.prompt("a photo of a dog");
      Tensor small =
          s.diffusion
              .pipeline()
              .variant(Variant.STUDY)
              .condition(p)
              .samples(2)
              .seed(ctx.seed)
              .generate()
              .images();
      Tensor big =
          s.diffusion
              .upscaler()
              .variant(Variant.STUDY)
              .condition(p)
              .lowResolution(small)
              .seed(ctx.seed)
              .generate()
              .images();
      Support.writeGrid(
          small.resizeBilinear(256, 256), s.range, 2, 1, null, ctx.out.resolve("stage1.png"));
      Support.writeGrid(big, s.range, 2, 1, null, ctx.out.resolve("stage2.png"));
      Tensor anagram64 =
          s.diffusion
              .pipeline()
              .variant(Variant.STUDY)
              .condition(s.anagrams[0][0])
              .anagram(s.anagrams[0][1])
              .seed(ctx.seed)
              .generate()
              .images();
      Tensor anagram256 =
          s.diffusion
              .upscaler()
              .variant(Variant.STUDY)
              .condition(s.anagrams[0][0])
              .anagram(s.anagrams[0][1])
              .lowResolution(anagram64)
              .seed(ctx.seed)
              .generate()
              .images();
      Support.writeGrid(
          cat(List.of(anagram256, anagram256.flipVertical())),
          s.range,
          2,
          1,
          null,
          ctx.out.resolve("anagram256.png"));
      return List.of(
          new Figure(
              "stage1.png", "Stage I samples of “a photo of a dog” (64x64, shown enlarged)."),
          new Figure("stage2.png", "The same samples after stage II (256x256)."),
          new Figure("anagram256.png", "An anagram through both stages, upright and flipped."));
    }
  }
}
