package dev.diffusion4j.examples;

import static dev.diffusion4j.examples.PartASections.cat;

import dev.diffusion4j.Condition;
import dev.diffusion4j.Generation;
import dev.diffusion4j.Variant;
import dev.diffusion4j.examples.PartASections.SamplingTechnique;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.Factorization;
import dev.diffusion4j.view.View;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * Every view of visual_anagrams and every decomposition of Factorized Diffusion that the model can
 * take, one illusion each with its transition animation (as animate.py draws it).
 */
@Command(
    name = "mnist-illusions",
    mixinStandardHelpOptions = true,
    description =
        "Every view and factorization, one illusion each; writes DIR/views.png, DIR/hybrids.png"
            + " and one GIF per illusion (anagram-<view>.gif, hybrid-<components>.gif).")
final class IllusionGallery extends SamplingTechnique {

  /** The views shown: every entry of the ViewTable but the identity and upstream's aliases. */
  static final List<String> VIEWS =
      List.of(
          "flip",
          "rot90",
          "rot180",
          "rot270",
          "negate",
          "skew",
          "patch_permute:4",
          "pixel_permute",
          "jigsaw",
          "inner_circle",
          "square_hinge");

  /** The factorizations shown; those that need colour only on IF. */
  static final List<List<String>> FACTORIZATIONS =
      List.of(
          List.of("low_pass", "high_pass"),
          List.of("triple_low_pass", "triple_medium_pass", "triple_high_pass"),
          List.of("motion", "motion_res"),
          List.of("grayscale", "color"));

  /** The DDPM timesteps of the gallery's MNIST runs: every 20th of 300, to keep it quick. */
  static final int MNIST_STRIDE = 20;

  @Override
  String title() {
    return "Gallery: every view and factorization";
  }

  @Override
  String describe(boolean deepFloyd) {
    return "One anagram per view of visual_anagrams (Geng et al. 2024), the views working at any size ("
        + (deepFloyd ? "64" : "28")
        + " px here), and one illusion per decomposition of Factorized Diffusion (Geng, Park and"
        + " Owens 2024) that "
        + (deepFloyd ? "IF" : "a one-channel model (no colour hybrid)")
        + " takes, each with its animation: the view applied progressively, or the hybrid seen"
        + " from close to afar, as visual_anagrams' animate.py draws it. Names as the API, the"
        + " CLI (--view, --components) and the Spark table take them.";
  }

  @Override
  List<Figure> render(Context ctx, Study s) {
    Condition first = s.anagrams[0][0];
    Condition second = s.anagrams[0][1];
    List<Tensor> rows = new ArrayList<>();
    List<Tensor> seen = new ArrayList<>();
    List<String> top = new ArrayList<>();
    List<String> bottom = new ArrayList<>();
    List<Figure> gifs = new ArrayList<>();
    for (String spec : VIEWS) {
      View v = View.named(spec);
      Generation g =
          pipeline(s)
              .condition(first)
              .anagram(second, v)
              .guidance(s.guidance)
              .seed(ctx.seed)
              .progress(ctx.progress())
              .generate();
      rows.add(g.images());
      seen.add(v.apply(g.images()));
      top.add(v.name() + ": " + s.label(first));
      bottom.add("seen: " + s.label(second));
      String gif = "anagram-" + v.name() + ".gif";
      g.animation(0).write(ctx.out.resolve(gif));
      gifs.add(new Figure(gif, spec + ": " + s.label(first) + " turning into " + s.label(second)));
    }
    List<String> caps = new ArrayList<>(top);
    caps.addAll(bottom);
    Support.writeGrid(
        cat(List.of(cat(rows), cat(seen))),
        s.range,
        VIEWS.size(),
        3,
        caps,
        ctx.out.resolve("views.png"));

    Condition low = s.hybrid[0];
    Condition high = s.hybrid[1];
    List<Tensor> hybrids = new ArrayList<>();
    List<String> hybridCaps = new ArrayList<>();
    for (List<String> specs : FACTORIZATIONS) {
      Factorization f = Factorization.parse(specs.toArray(new String[0]));
      try {
        f.check(s.isIf() ? 3 : 1, s.isIf() ? 64 : 28, s.isIf() ? 64 : 28);
      } catch (IllegalArgumentException needsColour) {
        continue; // grayscale/color on MNIST's one channel
      }
      Condition[] others = new Condition[f.size() - 1];
      for (int i = 0; i < others.length; i++) {
        others[i] = i == others.length - 1 ? high : s.isIf() ? second : Condition.label(7);
      }
      Generation g =
          pipeline(s)
              .condition(low)
              .hybrid(f, others)
              .guidance(s.guidance)
              .seed(ctx.seed)
              .progress(ctx.progress())
              .generate();
      hybrids.add(g.images());
      String name = String.join("+", specs);
      StringBuilder readings = new StringBuilder(s.label(low));
      for (Condition c : others) {
        readings.append(" / ").append(s.label(c));
      }
      hybridCaps.add(name.replace("triple_", "").replace("_pass", ""));
      String gif = "hybrid-" + specs.get(0) + ".gif";
      g.animation(0).write(ctx.out.resolve(gif));
      gifs.add(new Figure(gif, name + ": " + readings));
    }
    Support.writeGrid(
        cat(hybrids), s.range, hybrids.size(), 3, hybridCaps, ctx.out.resolve("hybrids.png"));
    List<Figure> figures = new ArrayList<>();
    figures.add(
        new Figure(
            "views.png",
            "Top: one anagram per view as generated ("
                + s.label(first)
                + "); bottom: seen through the view ("
                + s.label(second)
                + ")."));
    figures.add(
        new Figure(
            "hybrids.png",
            "One illusion per factorization: "
                + s.label(low)
                + " in the first component, "
                + s.label(high)
                + " in the last."));
    figures.addAll(gifs);
    return figures;
  }

  /** The study's pipeline, on MNIST over every {@value #MNIST_STRIDE}th timestep. */
  private dev.diffusion4j.Pipeline pipeline(Study s) {
    dev.diffusion4j.Pipeline p = s.pipeline(sampler()).variant(Variant.STUDY);
    if (!s.isIf() && sampler().sampler() == dev.diffusion4j.Sampler.DDPM) {
      p.timesteps(dev.diffusion4j.schedule.Timesteps.strided(300, MNIST_STRIDE));
    }
    return p;
  }
}
