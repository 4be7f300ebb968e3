package dev.diffusion4j.examples;

import dev.diffusion4j.Condition;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Generation;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The techniques of part A, run on the class-conditioned MNIST UNet with a digit as the condition
 * and the study's settings rescaled from T = 1000 to T = 300: timesteps 300, 290, ..., 0 (stride
 * 10), {@code i_start = 10} (t = 200), noise levels t = 75, 150, 225.
 */
final class PartASections {

  private PartASections() {}

  static final ValueRange R = ValueRange.ZERO_TO_ONE;
  static final Timesteps STRIDED = Timesteps.strided(300, 10);
  static final int[] LEVELS = {75, 150, 225};
  static final int[] SDEDIT_STARTS = {1, 3, 5, 7, 10, 20};
  static final int EPOCH = 20;
  static final double GUIDANCE = 5;

  /** The study's baseline blur (k = 5, sigma = 2 at 64 px) rescaled to 28 px. */
  static final GaussianBlur BASELINE = new GaussianBlur(3, 2.0 * 28 / 64);

  static List<String> captions(String... c) {
    return List.of(c);
  }

  static Tensor cat(List<Tensor> parts) {
    return Tensor.concatBatch(parts.toArray(new Tensor[0]));
  }

  @Command(
      name = "mnist-forward",
      mixinStandardHelpOptions = true,
      description = "Part A 1.1: the forward process at t = 75, 150, 225.")
  static final class Forward extends Section {
    @Override
    String title() {
      return "Forward process";
    }

    @Override
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε on a held-out digit, at t = 75, 150, 225 of T = 300 "
          + "(the study's 250, 500, 750 of 1000).";
    }

    @Override
    List<Figure> render(Context ctx) {
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        Tensor x0 = ctx.digit(3);
        List<Tensor> row = new ArrayList<>(List.of(x0));
        for (int t : LEVELS) {
          row.add(d.forward(x0, t, NoiseSource.seeded(ctx.seed + t)));
        }
        Support.writeGrid(
            cat(row),
            R,
            4,
            4,
            captions("x_0", "t = 75", "t = 150", "t = 225"),
            ctx.out.resolve("forward.png"));
      }
      return List.of(new Figure("forward.png", "A held-out “3” and its noised versions."));
    }
  }

  /** Noised versions of the test digit, shared by the denoising sections. */
  static List<Tensor> noised(Diffusion d, Context ctx, Tensor x0) {
    List<Tensor> out = new ArrayList<>();
    for (int t : LEVELS) {
      out.add(d.forward(x0, t, NoiseSource.seeded(ctx.seed + t)));
    }
    return out;
  }

  @Command(
      name = "mnist-blur",
      mixinStandardHelpOptions = true,
      description = "Part A 1.2: the classical Gaussian-blur baseline on the noised digit.")
  static final class Blur extends Section {
    @Override
    String title() {
      return "Classical denoising: Gaussian blur";
    }

    @Override
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "A Gaussian blur (k = 3, σ = 0.875: the study's k = 5, σ = 2 at 64 px rescaled to 28 px) of the "
          + "noised digit. Blurring removes noise and detail alike.";
    }

    @Override
    List<Figure> render(Context ctx) {
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        List<Tensor> noisy = noised(d, ctx, ctx.digit(3));
        List<Tensor> all = new ArrayList<>(noisy);
        for (Tensor x : noisy) {
          all.add(BASELINE.apply(x));
        }
        Support.writeGrid(
            cat(all),
            R,
            3,
            4,
            captions("t = 75", "t = 150", "t = 225", "blurred", "blurred", "blurred"),
            ctx.out.resolve("blur.png"));
      }
      return List.of(new Figure("blur.png", "Top: noised; bottom: Gaussian-blurred."));
    }
  }

  @Command(
      name = "mnist-one-step",
      mixinStandardHelpOptions = true,
      description = "Part A 1.3: one-step denoising with the UNet.")
  static final class OneStep extends Section {
    @Override
    String title() {
      return "One-step denoising";
    }

    @Override
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "The UNet estimates the noise of x_t (condition: the digit “3”, no guidance) and the clean image "
          + "follows in one step: x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t.";
    }

    @Override
    List<Figure> render(Context ctx) {
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        Tensor x0 = ctx.digit(3);
        List<Tensor> noisy = noised(d, ctx, x0);
        List<Tensor> all = new ArrayList<>(noisy);
        for (int i = 0; i < LEVELS.length; i++) {
          all.add(d.pipeline().label(3).guidance(1).denoiseOnce(noisy.get(i), LEVELS[i]));
        }
        Support.writeGrid(
            cat(all),
            R,
            3,
            4,
            captions("t = 75", "t = 150", "t = 225", "one step", "one step", "one step"),
            ctx.out.resolve("one_step.png"));
      }
      return List.of(
          new Figure("one_step.png", "Top: noised; bottom: the one-step estimate x̂_0."));
    }
  }

  @Command(
      name = "mnist-iterative",
      mixinStandardHelpOptions = true,
      description = "Part A 1.4: iterative denoising over strided timesteps.")
  static final class Iterative extends Section {
    @Override
    String title() {
      return "Iterative denoising";
    }

    @Override
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "Starting at i_start = 10 (t = 200) of the strided list 300, 290, ..., 0 and stepping with the DDPM "
          + "update to t = 0, compared with one-step denoising and the blur.";
    }

    @Override
    List<Figure> render(Context ctx) {
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        Tensor x0 = ctx.digit(3);
        int start = 10;
        // the run's first draw from the seed noises x0 to ts[start]: xt is exactly its start
        Tensor xt = d.forward(x0, STRIDED.get(start), NoiseSource.seeded(ctx.seed));
        Generation g =
            d.pipeline()
                .label(3)
                .guidance(1)
                .timesteps(STRIDED)
                .image(x0, start)
                .captureEvery(5)
                .seed(ctx.seed)
                .generate();
        List<String> caps = new ArrayList<>();
        for (int t : g.capturedTimesteps()) {
          caps.add("t = " + t);
        }
        Support.writeGrid(
            cat(g.intermediates()),
            R,
            g.intermediates().size(),
            4,
            caps,
            ctx.out.resolve("iterative_progress.png"));
        Tensor oneStep = d.pipeline().label(3).guidance(1).denoiseOnce(xt, STRIDED.get(start));
        Support.writeGrid(
            cat(List.of(x0, xt, g.images(), oneStep, BASELINE.apply(xt))),
            R,
            5,
            4,
            captions("original", "t = 200", "iterative", "one step", "blur"),
            ctx.out.resolve("iterative_compare.png"));
      }
      return List.of(
          new Figure("iterative_progress.png", "x_t every 5th step from t = 200 down to 0."),
          new Figure("iterative_compare.png", "The same noisy digit cleaned three ways."));
    }
  }

  @Command(
      name = "mnist-sampling",
      mixinStandardHelpOptions = true,
      description =
          "Part A 1.5-1.6: sampling from noise without and with classifier-free guidance.")
  static final class Sampling extends Section {
    @Override
    String title() {
      return "Sampling, and classifier-free guidance";
    }

    @Override
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "Iterative denoising from pure noise (i_start = 0, 30 strided steps), one sample per digit, without "
          + "guidance (conditional estimate only) and with CFG: ε = ε_u + 5 (ε_c − ε_u).";
    }

    @Override
    List<Figure> render(Context ctx) {
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        int[] labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        Tensor plain =
            d.pipeline()
                .labels(labels)
                .guidance(1)
                .timesteps(STRIDED)
                .seed(ctx.seed)
                .generate()
                .images();
        Tensor cfg =
            d.pipeline()
                .labels(labels)
                .guidance(GUIDANCE)
                .timesteps(STRIDED)
                .seed(ctx.seed)
                .generate()
                .images();
        Support.writeGrid(
            cat(List.of(plain, cfg)), R, 10, 3, null, ctx.out.resolve("sampling.png"));
      }
      return List.of(
          new Figure(
              "sampling.png",
              "Top: no guidance; bottom: guidance 5; same seed. Digits 0-9 left to right."));
    }
  }

  /** Strokes drawn with Java2D, a stand-in for the study's hand-drawn images. */
  static Tensor drawn(int which) {
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.setStroke(new BasicStroke(2.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      Path2D p = new Path2D.Float();
      switch (which) {
        case 0 -> { // a seven: a bar and a slanted stem
          p.moveTo(7, 7);
          p.lineTo(21, 7);
          p.lineTo(12, 22);
        }
        case 1 -> { // a zero: an ellipse
          g.drawOval(9, 5, 10, 17);
        }
        default -> { // a four: open top, crossbar, stem
          p.moveTo(16, 5);
          p.lineTo(8, 16);
          p.lineTo(21, 16);
          p.moveTo(17, 9);
          p.lineTo(17, 23);
        }
      }
      g.draw(p);
    } finally {
      g.dispose();
    }
    return Images.fromImage(img, 1, R);
  }

  static final int[] DRAWN_LABELS = {7, 0, 4};

  @Command(
      name = "mnist-sdedit",
      mixinStandardHelpOptions = true,
      description = "Part A 1.7: SDEdit on a real digit and on drawn digits.")
  static final class SdEdit extends Section {
    @Override
    String title() {
      return "Image-to-image translation (SDEdit)";
    }

    @Override
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "An image is noised to t = ts[i_start] and denoised with CFG (guidance 5) under its own label, for "
          + "i_start = 1, 3, 5, 7, 10, 20 (t = 290 ... 100). Little noise lets the model invent; much keeps the "
          + "image. Rows: a held-out digit, then three digits drawn with Java2D strokes.";
    }

    @Override
    List<Figure> render(Context ctx) {
      List<Tensor> all = new ArrayList<>();
      List<String> caps = new ArrayList<>();
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        List<Tensor> inputs = new ArrayList<>(List.of(ctx.digit(5)));
        List<Integer> labels = new ArrayList<>(List.of(5));
        for (int i = 0; i < 3; i++) {
          inputs.add(drawn(i));
          labels.add(DRAWN_LABELS[i]);
        }
        for (int r = 0; r < inputs.size(); r++) {
          for (int start : SDEDIT_STARTS) {
            all.add(
                d.pipeline()
                    .label(labels.get(r))
                    .guidance(GUIDANCE)
                    .timesteps(STRIDED)
                    .image(inputs.get(r), start)
                    .seed(ctx.seed + start)
                    .generate()
                    .images());
            caps.add("i_start " + start);
          }
          all.add(inputs.get(r));
          caps.add(r == 0 ? "original" : "drawn");
        }
      }
      Support.writeGrid(
          cat(all), R, SDEDIT_STARTS.length + 1, 3, caps, ctx.out.resolve("sdedit.png"));
      return List.of(
          new Figure(
              "sdedit.png",
              "Each row: SDEdit at i_start = 1, 3, 5, 7, 10, 20, then the input (labels 5; drawn 7, 0, 4)."));
    }
  }

  @Command(
      name = "mnist-inpaint",
      mixinStandardHelpOptions = true,
      description = "Part A 1.7.2: inpainting (RePaint).")
  static final class Inpaint extends Section {
    @Override
    String title() {
      return "Inpainting";
    }

    @Override
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "Starting from noise, after every step the region outside the mask is replaced by the original "
          + "noised to the current timestep: x_t ← m x_t + (1 − m) forward(x_orig, t). The masked top half of "
          + "a “7” is regenerated under the label 7 (left) and 9 (right).";
    }

    @Override
    List<Figure> render(Context ctx) {
      Tensor original = ctx.digit(7);
      Mask mask = Mask.rectangle(28, 28, 3, 4, 14, 24);
      List<Tensor> all =
          new ArrayList<>(
              List.of(original, mask.values(), original.mul(mask.values().mul(-1f).add(1f))));
      List<String> caps = new ArrayList<>(List.of("original", "mask", "kept"));
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        for (int label : new int[] {7, 9}) {
          for (int s = 0; s < 2; s++) {
            all.add(
                d.pipeline()
                    .label(label)
                    .guidance(GUIDANCE)
                    .timesteps(STRIDED)
                    .image(original, 0)
                    .mask(mask)
                    .seed(ctx.seed + 10L * label + s)
                    .generate()
                    .images());
            caps.add("label " + label);
          }
        }
      }
      Support.writeGrid(cat(all), R, 7, 3, caps, ctx.out.resolve("inpaint.png"));
      return List.of(
          new Figure(
              "inpaint.png", "Original, mask (white = regenerate), kept region, then results."));
    }
  }

  @Command(
      name = "mnist-translate",
      mixinStandardHelpOptions = true,
      description =
          "Part A 1.7.3: text-conditional image-to-image translation, here 3 -> 8 and 4 -> 9.")
  static final class Translate extends Section {
    @Override
    String title() {
      return "Conditional image-to-image translation";
    }

    @Override
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "SDEdit under another condition: a held-out “3” denoised as an 8, and a “4” as a 9, over the same "
          + "i_start sweep; with less noise the result keeps more of the source.";
    }

    @Override
    List<Figure> render(Context ctx) {
      List<Tensor> all = new ArrayList<>();
      List<String> caps = new ArrayList<>();
      int[][] pairs = {{3, 8}, {4, 9}};
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        for (int[] pair : pairs) {
          Tensor src = ctx.digit(pair[0]);
          for (int start : SDEDIT_STARTS) {
            all.add(
                d.pipeline()
                    .label(pair[1])
                    .guidance(GUIDANCE)
                    .timesteps(STRIDED)
                    .image(src, start)
                    .seed(ctx.seed + start)
                    .generate()
                    .images());
            caps.add("i_start " + start);
          }
          all.add(src);
          caps.add(pair[0] + " → " + pair[1]);
        }
      }
      Support.writeGrid(
          cat(all), R, SDEDIT_STARTS.length + 1, 3, caps, ctx.out.resolve("translate.png"));
      return List.of(new Figure("translate.png", "Rows: 3 → 8, 4 → 9; last column the source."));
    }
  }

  /** Runs anagrams and returns [count upright images, count images seen through the view]. */
  static Tensor[] anagrams(Context ctx, int upright, int other, View view, int count) {
    try (Diffusion d = ctx.diffusion("class", EPOCH)) {
      Tensor x =
          d.pipeline()
              .label(upright)
              .anagram(Condition.label(other), view)
              .guidance(GUIDANCE)
              .timesteps(STRIDED)
              .samples(count)
              .seed(ctx.seed)
              .generate()
              .images();
      return new Tensor[] {x, view.apply(x)};
    }
  }

  @Command(
      name = "mnist-anagram",
      mixinStandardHelpOptions = true,
      description =
          "Part A 1.8: visual anagrams; writes DIR/anagram_<i>.png (as the image reads upright).")
  static final class Anagram extends Section {
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
    String part() {
      return "A";
    }

    @Override
    String description() {
      return "ε = (ε_1(x_t) + v⁻¹(ε_2(v(x_t))))/2, each with CFG: one image that reads as one digit upright and "
          + "as another through the view v. A “6” that is a “9” turned by 180°, and a “2” that is a “5” "
          + "upside down (vertical flip, the study's view).";
    }

    private View parsedView() {
      if (!List.of("flip", "rot90", "rot180", "rot270").contains(view)) {
        throw new IllegalArgumentException(
            "view must be one of flip, rot90, rot180, rot270, but is: " + view);
      }
      return View.named(view);
    }

    @Override
    public Integer call() {
      if (count <= 0) {
        throw new IllegalArgumentException("count must be > 0, but is: " + count);
      }
      View v = parsedView();
      checkDigit("upright", upright);
      checkDigit("other", other);
      Context ctx = context(out);
      Tensor[] r = anagrams(ctx, upright, other, v, count);
      for (int i = 0; i < count; i++) {
        Images.write(r[0], i, R, out.resolve("anagram_" + i + ".png"));
      }
      System.out.println("wrote " + count + " anagrams to " + out);
      return 0;
    }

    @Override
    List<Figure> render(Context ctx) {
      List<Tensor> all = new ArrayList<>();
      List<String> caps = new ArrayList<>();
      int[][] pairs = {{6, 9}, {2, 5}};
      View[] views = {View.ROT180, View.FLIP};
      for (int k = 0; k < 2; k++) {
        Tensor[] r = anagrams(ctx, pairs[k][0], pairs[k][1], views[k], 4);
        all.add(r[0]);
        all.add(r[1]);
        for (int i = 0; i < 4; i++) {
          caps.add("“" + pairs[k][0] + "”");
        }
        for (int i = 0; i < 4; i++) {
          caps.add(views[k].name() + ": “" + pairs[k][1] + "”");
        }
      }
      Support.writeGrid(cat(all), R, 4, 3, caps, ctx.out.resolve("anagrams.png"));
      return List.of(
          new Figure(
              "anagrams.png",
              "Rows 1-2: four 6/9 anagrams upright, then turned by 180°. Rows 3-4: 2/5 anagrams upright, then flipped."));
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
  static final class Hybrid extends Section {
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
    String part() {
      return "A";
    }

    @Override
    String description() {
      GaussianBlur b = GaussianBlur.forHybrid(28);
      return "Factorized diffusion: ε = lowpass(ε_1) + highpass(ε_2) with a Gaussian blur of k = "
          + b.kernelSize()
          + ", σ = "
          + b.sigma()
          + " (the study's k = 33, σ = 2 at 64 px, scaled to 28 px). One digit lives in the "
          + "low frequencies (seen from afar), another in the high frequencies (seen up close).";
    }

    static Tensor hybrids(Context ctx, int low, int high, int count) {
      try (Diffusion d = ctx.diffusion("class", EPOCH)) {
        return d.pipeline()
            .label(low)
            .hybrid(Condition.label(high))
            .guidance(GUIDANCE)
            .timesteps(STRIDED)
            .samples(count)
            .seed(ctx.seed)
            .generate()
            .images();
      }
    }

    @Override
    public Integer call() {
      if (count <= 0) {
        throw new IllegalArgumentException("count must be > 0, but is: " + count);
      }
      checkDigit("low", low);
      checkDigit("high", high);
      Context ctx = context(out);
      Tensor x = hybrids(ctx, low, high, count);
      for (int i = 0; i < count; i++) {
        Images.write(x, i, R, out.resolve("hybrid_" + i + ".png"));
      }
      System.out.println("wrote " + count + " hybrids to " + out);
      return 0;
    }

    @Override
    List<Figure> render(Context ctx) {
      Tensor x = hybrids(ctx, low, high, 4);
      GaussianBlur b = GaussianBlur.forHybrid(28);
      Tensor lowPass = b.lowPass(x);
      Tensor highPass = b.highPass(x).add(0.5f);
      Support.writeGrid(
          cat(List.of(x, lowPass, highPass)), R, 4, 3, null, ctx.out.resolve("hybrids.png"));
      Tensor small = x.resizeBilinear(10, 10);
      Support.writeGrid(small, R, 4, 3, null, ctx.out.resolve("hybrids_far.png"));
      return List.of(
          new Figure(
              "hybrids.png",
              "Rows: four "
                  + low
                  + "/"
                  + high
                  + " hybrids; their low-pass (the “"
                  + low
                  + "”); their high-pass + 0.5 (the “"
                  + high
                  + "”)."),
          new Figure("hybrids_far.png", "The same hybrids shrunk to 10x10, as seen from afar."));
    }
  }
}
