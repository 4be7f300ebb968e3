package dev.diffusion4j.examples;

import static dev.diffusion4j.examples.PartASections.cat;

import dev.diffusion4j.Condition;
import dev.diffusion4j.ConsoleProgress;
import dev.diffusion4j.Variant;
import dev.diffusion4j.examples.PartASections.SamplingTechnique;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.Factorization;
import dev.diffusion4j.view.View;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The illusions of part A: visual anagrams and hybrid images, and IF stage II (see {@link
 * PartASections} for how they run on MNIST or IF).
 */
final class PartAIllusions {

  private PartAIllusions() {}

  @Command(
      name = "mnist-anagram",
      mixinStandardHelpOptions = true,
      description =
          "Part A 1.8: visual anagrams; writes DIR/anagram-<i>.png (as the image reads upright).")
  static final class Anagram extends SamplingTechnique {
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
        description =
            "The view, by its ViewTable name with optional arguments: flip, rot90, rot180, rot270,"
                + " negate, skew, patch_permute:4, pixel_permute, jigsaw, inner_circle,"
                + " square_hinge, ... (default ${DEFAULT-VALUE}).")
    String view = "rot180";

    @Option(
        names = "--reduction",
        description =
            "How the two readings' estimates are combined each step: mean (default), sum or"
                + " alternate.")
    String reduction;

    @Option(
        names = "--animate",
        description = "Also write DIR/anagram-<i>.gif, the image turning into its other reading.")
    boolean animate;

    @Option(
        names = "--count",
        defaultValue = "4",
        description = "Number of anagrams (default ${DEFAULT-VALUE}).")
    int count = 4;

    @Option(
        names = "--guidance",
        description =
            "Classifier-free guidance of both readings (MNIST; default: the pair's tuned value,"
                + " else 7.5).")
    Double guidance;

    @Option(
        names = "--weights",
        split = ",",
        description =
            "Weights of the upright and the viewed reading, e.g. 0.6,0.4 (MNIST; default: the"
                + " pair's tuned weights, else 0.5,0.5).")
    double[] weights;

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
              : "A “6” that is a “9” turned by 180°, and a “2” that is a “5” upside down (vertical flip, the write-up's view).");
    }

    @Override
    public Integer call() {
      if (count <= 0) {
        throw new IllegalArgumentException("count must be > 0, but is: " + count);
      }
      View parsed = View.named(view); // lists every view for an unknown name
      parsed.check(1, 28, 28);
      checkDigit("upright", upright);
      checkDigit("other", other);
      refuseIgnoredOptions();
      if (ifModels != null) {
        refuseGiven(
            " with --if-models: the IF anagrams use the write-up's prompts, views and count",
            "--upright",
            "--other",
            "--view",
            "--count",
            "--reduction",
            "--animate");
        if (guidance != null || weights != null) {
          throw new IllegalArgumentException(
              "--guidance and --weights apply to the MNIST anagrams; with --if-models the"
                  + " showcase's IF settings are used");
        }
        return super.call();
      }
      if (weights != null && weights.length != 2) {
        throw new IllegalArgumentException(
            "--weights must be two weights (upright, viewed), but is: "
                + java.util.Arrays.toString(weights));
      }
      if (weights != null) {
        for (double x : weights) {
          if (!(x >= 0) || Double.isInfinite(x)) {
            throw new IllegalArgumentException(
                "--weights must be finite and >= 0, but is: " + java.util.Arrays.toString(weights));
          }
        }
        double sum = weights[0] + weights[1];
        if (sum == 0 || Double.isInfinite(sum)) {
          throw new IllegalArgumentException(
              "--weights must not both be 0 and must have a finite sum, but is: "
                  + java.util.Arrays.toString(weights));
        }
      }
      if (guidance != null) {
        dev.diffusion4j.guidance.Guidance.checkScale(guidance);
      }
      AnagramSettings tuned = AnagramSettings.of(upright, other, view);
      double g = guidance != null ? guidance : tuned.guidance();
      double[] w = weights != null ? weights : new double[] {tuned.upright(), 1 - tuned.upright()};
      dev.diffusion4j.Technique.Reduction r = reduction(reduction);
      if (r != null && r != dev.diffusion4j.Technique.Reduction.MEAN) {
        if (weights != null) {
          throw new IllegalArgumentException(
              "--weights weigh the mean; they cannot be combined with --reduction " + reduction);
        }
        w = null;
      }
      double[] ws = w;
      return writeEach(
          "anagram-",
          animate,
          s -> {
            dev.diffusion4j.Pipeline p =
                s.pipeline(sampler())
                    .variant(Variant.STUDY)
                    .label(upright)
                    .anagram(Condition.label(other), parsed)
                    .guidance(g)
                    .samples(count)
                    .seed(run.seed)
                    .progress(ConsoleProgress.toStandardError().labelled(title()));
            if (ws != null) {
              p.anagramWeights(ws);
            }
            if (r != null) {
              p.reduction(r);
            }
            return p.generate();
          });
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      List<Tensor> all = new ArrayList<>();
      List<String> caps = new ArrayList<>();
      int n = s.isIf() ? 2 : 4;
      for (int k = 0; k < s.anagrams.length; k++) {
        View v = s.anagramViews[k];
        Tensor x =
            s.pipeline(sampler())
                .variant(Variant.STUDY)
                .condition(s.anagrams[k][0])
                .anagram(s.anagrams[k][1], v)
                .guidance(s.guidance)
                .samples(n)
                .seed(ctx.seed)
                .progress(ctx.progress())
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

  /** Parses --reduction, case-insensitively; null for none. */
  static dev.diffusion4j.Technique.Reduction reduction(String name) {
    if (name == null) {
      return null;
    }
    List<String> names = new ArrayList<>();
    for (dev.diffusion4j.Technique.Reduction r : dev.diffusion4j.Technique.Reduction.values()) {
      if (r.name().equalsIgnoreCase(name.trim())) {
        return r;
      }
      names.add(r.name().toLowerCase(java.util.Locale.ROOT));
    }
    throw new IllegalArgumentException("--reduction must be one of " + names + ", but is: " + name);
  }

  static void checkDigit(String name, int d) {
    if (d < 0 || d > 9) {
      throw new IllegalArgumentException(name + " must be a digit in [0, 9], but is: " + d);
    }
  }

  @Command(
      name = "mnist-hybrid",
      mixinStandardHelpOptions = true,
      description = "Part A 1.9: hybrid images; writes DIR/hybrid-<i>.png.")
  static final class Hybrid extends SamplingTechnique {
    @Option(
        names = "--low",
        defaultValue = "8",
        description = "Digit in the low frequencies (default ${DEFAULT-VALUE}).")
    int low = 8;

    @Option(
        names = "--high",
        arity = "1..*",
        defaultValue = "1",
        description =
            "Digit in the high frequencies (default ${DEFAULT-VALUE}); with --components, one"
                + " digit per component after the first.")
    int[] high = {1};

    @Option(
        names = "--components",
        arity = "2..*",
        description =
            "The factorization, one ViewTable component per digit, e.g. --components"
                + " triple_low_pass triple_medium_pass triple_high_pass, or motion motion_res"
                + " (default: low_pass high_pass with the write-up's blur).")
    List<String> components;

    @Option(
        names = "--reduction",
        description =
            "How the components' estimates are combined: sum (default), mean or alternate.")
    String reduction;

    @Option(
        names = "--animate",
        description = "Also write DIR/hybrid-<i>.gif, the image seen from close to afar.")
    boolean animate;

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
          + (deepFloyd ? "" : " (the write-up's k = 33, σ = 2 at 64 px, scaled to 28 px)")
          + ". One condition lives in the low frequencies (seen from afar), the other in the high (seen up close): "
          + (deepFloyd ? "a skull and waterfalls." : "an " + low + " and a " + high[0] + ".");
    }

    @Override
    public Integer call() {
      if (count <= 0) {
        throw new IllegalArgumentException("count must be > 0, but is: " + count);
      }
      checkDigit("low", low);
      for (int h : high) {
        checkDigit("high", h);
      }
      refuseIgnoredOptions();
      if (ifModels != null) {
        refuseGiven(
            " with --if-models: the IF hybrids use the write-up's prompts and count",
            "--low",
            "--high",
            "--count",
            "--components",
            "--reduction",
            "--animate");
        return super.call();
      }
      Factorization f = null;
      if (components != null) {
        f = Factorization.parse(components.toArray(new String[0]));
        f.check(1, 28, 28);
        if (high.length != f.size() - 1) {
          throw new IllegalArgumentException(
              "--high must give one digit per component after the first ("
                  + (f.size() - 1)
                  + " for --components "
                  + String.join(" ", components)
                  + "), but gives "
                  + high.length);
        }
      } else if (high.length != 1) {
        throw new IllegalArgumentException(
            "--high takes one digit without --components, but gives " + high.length);
      }
      Factorization factorization = f;
      dev.diffusion4j.Technique.Reduction r = reduction(reduction);
      return writeEach(
          "hybrid-",
          animate,
          s -> {
            dev.diffusion4j.Pipeline p =
                s.pipeline(sampler())
                    .variant(Variant.STUDY)
                    .label(low)
                    .guidance(s.guidance)
                    .samples(count)
                    .seed(run.seed)
                    .progress(ConsoleProgress.toStandardError().labelled(title()));
            if (factorization == null) {
              p.hybrid(Condition.label(high[0]));
            } else {
              Condition[] others = new Condition[high.length];
              for (int i = 0; i < high.length; i++) {
                others[i] = Condition.label(high[i]);
              }
              p.hybrid(factorization, others);
            }
            if (r != null) {
              p.reduction(r);
            }
            return p.generate();
          });
    }

    @Override
    List<Figure> render(Context ctx, Study s) {
      Condition lowC = s.isIf() ? s.hybrid[0] : Condition.label(low);
      Condition highC = s.isIf() ? s.hybrid[1] : Condition.label(high[0]);
      int n = s.isIf() ? 2 : 4;
      Tensor x =
          s.pipeline(sampler())
              .variant(Variant.STUDY)
              .condition(lowC)
              .hybrid(highC)
              .guidance(s.guidance)
              .samples(n)
              .seed(ctx.seed)
              .progress(ctx.progress())
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
  static final class Upscale extends SamplingTechnique {
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
              .sampler(sampler())
              .condition(p)
              .samples(2)
              .seed(ctx.seed)
              .progress(ctx.progress())
              .generate()
              .images();
      Tensor big =
          s.diffusion
              .upscaler()
              .variant(Variant.STUDY)
              .sampler(sampler())
              .condition(p)
              .lowResolution(small)
              .seed(ctx.seed)
              .progress(ctx.progress())
              .generate()
              .images();
      Support.writeGrid(
          small.resizeBilinear(256, 256), s.range, 2, 1, null, ctx.out.resolve("stage1.png"));
      Support.writeGrid(big, s.range, 2, 1, null, ctx.out.resolve("stage2.png"));
      Tensor anagram64 =
          s.diffusion
              .pipeline()
              .variant(Variant.STUDY)
              .sampler(sampler())
              .condition(s.anagrams[0][0])
              .anagram(s.anagrams[0][1])
              .seed(ctx.seed)
              .progress(ctx.progress())
              .generate()
              .images();
      Tensor anagram256 =
          s.diffusion
              .upscaler()
              .variant(Variant.STUDY)
              .sampler(sampler())
              .condition(s.anagrams[0][0])
              .anagram(s.anagrams[0][1])
              .lowResolution(anagram64)
              .seed(ctx.seed)
              .progress(ctx.progress())
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
