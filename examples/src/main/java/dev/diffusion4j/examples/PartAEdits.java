package dev.diffusion4j.examples;

import static dev.diffusion4j.examples.PartASections.cat;

import dev.diffusion4j.Condition;
import dev.diffusion4j.ConsoleProgress;
import dev.diffusion4j.Variant;
import dev.diffusion4j.examples.PartASections.SamplingTechnique;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The image-to-image techniques of part A: SDEdit, inpainting and conditional translation (see
 * {@link PartASections} for how they run on MNIST or IF).
 */
final class PartAEdits {

  private PartAEdits() {}

  /**
   * SDEdit, translation and inpainting on your own image: with {@code --image FILE} on MNIST (no
   * {@code --if-models}) the command runs once on that image, converted as {@link
   * dev.diffusion4j.Pipeline#image(java.nio.file.Path, boolean)} converts it (28x28 gray, light
   * strokes on dark, else refused unless {@code --invert}), under {@code --label}, and writes
   * {@code <name>-0.png}. Without it, these options would be ignored and are refused.
   */
  abstract static class OwnImage extends SamplingTechnique {
    @Option(
        names = "--label",
        description = "With --image on MNIST: the digit (0-9) to denoise your image under.")
    Integer label;

    @Option(
        names = "--invert",
        description = "With --image on MNIST: invert your image first (dark strokes on white).")
    boolean invert;

    /** The options that only a run on the user's own image reads. */
    abstract String[] ownImageOptions();

    /** The file name prefix of the run on the user's own image. */
    abstract String ownImagePrefix();

    /** The run on the user's image: a pipeline with the label, guidance and sampler set. */
    abstract dev.diffusion4j.Pipeline ownImageRun(dev.diffusion4j.Pipeline p, Study s);

    @Override
    boolean takesOwnImage() {
      return true;
    }

    boolean ownImage() {
      return image != null && ifModels == null;
    }

    @Override
    boolean usesHeldout() {
      return ifModels == null && image == null;
    }

    @Override
    void refuseIgnoredOptions() {
      if (ownImage()) {
        if (label == null) {
          throw new IllegalArgumentException(
              "--label is required with --image on MNIST: the digit to denoise your image under");
        }
        PartAIllusions.checkDigit("label", label);
      } else {
        refuseGiven(
            ": it sets the run on your own --image on MNIST (without --if-models)",
            ownImageOptions());
      }
      super.refuseIgnoredOptions();
    }

    @Override
    public Integer call() {
      refuseIgnoredOptions();
      if (!ownImage()) {
        return super.call();
      }
      return writeEach(
          ownImagePrefix(),
          s ->
              ownImageRun(
                      s.pipeline(sampler())
                          .variant(Variant.STUDY)
                          .label(label)
                          .guidance(s.guidance)
                          .seed(run.seed)
                          .progress(ConsoleProgress.toStandardError().labelled(title())),
                      s)
                  .generate()
                  .images());
    }
  }

  /** SDEdit and translation of the user's image: where the run starts. */
  abstract static class OwnImageEdit extends OwnImage {
    @Option(
        names = "--strength",
        description =
            "With --image on MNIST: diffusers' strength in [0, 1] (1 starts from pure noise);"
                + " default: --start 10.")
    Double strength;

    @Option(
        names = "--start",
        description =
            "With --image on MNIST: the index into the timesteps 300, 290, ..., 0 where the run"
                + " starts (default 10, the write-up's i_start).")
    Integer start;

    @Override
    String[] ownImageOptions() {
      return new String[] {"--label", "--invert", "--strength", "--start"};
    }

    @Override
    dev.diffusion4j.Pipeline ownImageRun(dev.diffusion4j.Pipeline p, Study s) {
      if (strength != null && start != null) {
        throw new IllegalArgumentException(
            "--strength and --start both set where the run starts: give one of them");
      }
      if (strength != null) {
        return p.image(image, invert).strength(strength);
      }
      int[] shape = s.diffusion.denoiser().sampleShape();
      Tensor t = Images.forModel(Images.read(image), shape[0], shape[1], shape[2], s.range, invert);
      Images.requireDarkBackground(t, s.range, "--image");
      return p.image(t, start != null ? start : s.iStart);
    }
  }

  @Command(
      name = "mnist-sdedit",
      mixinStandardHelpOptions = true,
      description = "Part A 1.7: SDEdit on a real image and on drawings.")
  static final class SdEdit extends OwnImageEdit {
    @Override
    String ownImagePrefix() {
      return "sdedit-";
    }

    @Override
    String title() {
      return "Image-to-image translation (SDEdit)";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "An image is noised to t = ts[i_start] and denoised with CFG under its own condition, for i_start = 1, "
          + "3, 5, 7, 10, 20. Much noise (a small i_start) lets the model invent; little noise (a large i_start) keeps the image. Rows: "
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
              s.pipeline(sampler())
                  .variant(Variant.STUDY)
                  .condition(conds.get(r))
                  .guidance(s.guidance)
                  .image(inputs.get(r), start)
                  .seed(ctx.seed + start)
                  .progress(ctx.progress())
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
  static final class Inpaint extends OwnImage {
    @Option(
        names = "--mask",
        description =
            "With --image on MNIST: the mask image (white = regenerate, black = keep; any size,"
                + " resized as the image is); default: rows 3-13, columns 4-23.")
    Path mask;

    @Override
    String[] ownImageOptions() {
      return new String[] {"--label", "--invert", "--mask"};
    }

    @Override
    String ownImagePrefix() {
      return "inpaint-";
    }

    @Override
    dev.diffusion4j.Pipeline ownImageRun(dev.diffusion4j.Pipeline p, Study s) {
      int[] shape = s.diffusion.denoiser().sampleShape();
      Mask m = mask == null ? s.mask : Mask.fromImage(Images.read(mask), shape[1], shape[2]);
      return p.image(image, invert).mask(m);
    }

    @Override
    String title() {
      return "Inpainting";
    }

    @Override
    String describe(boolean deepFloyd) {
      return "Starting from noise, after every step the region outside the mask is replaced by the original noised "
          + "to the current timestep: x_t ← m x_t + (1 − m) forward(x_orig, t). "
          + (deepFloyd
              ? "The write-up's mask: rows 2-19, columns 24-41."
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
              s.pipeline(sampler())
                  .variant(Variant.STUDY)
                  .condition(c)
                  .guidance(s.guidance)
                  .image(original, 0)
                  .mask(s.mask)
                  .seed(ctx.seed + 10L * all.size() + k)
                  .progress(ctx.progress())
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
  static final class Translate extends OwnImageEdit {
    @Override
    String ownImagePrefix() {
      return "translate-";
    }

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
              s.pipeline(sampler())
                  .variant(Variant.STUDY)
                  .condition(pair[1])
                  .guidance(s.guidance)
                  .image(src, start)
                  .seed(ctx.seed + start)
                  .progress(ctx.progress())
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
}
