package dev.diffusion4j.examples;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Sampler;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * Beyond the write-up: the samplers side by side. The class-conditioned UNet draws the ten digits
 * from the same seed with DDPM (the full chain and a strided 20 steps), DDIM, DPM-Solver++, UniPC,
 * Euler Ancestral and LMS, so the rows differ only in the sampler and its step count.
 */
final class PartBSamplers {

  private PartBSamplers() {}

  /** One row of the figure: a sampler and its number of steps. */
  record Row(Sampler sampler, int steps) {}

  /** The rows, top to bottom. */
  static final List<Row> ROWS =
      List.of(
          new Row(Sampler.DDPM, 300),
          new Row(Sampler.DDPM, 20),
          new Row(Sampler.DDIM, 20),
          new Row(Sampler.DPM_SOLVER_PP, 20),
          new Row(Sampler.DPM_SOLVER_PP, 10),
          new Row(Sampler.UNIPC, 20),
          new Row(Sampler.EULER_ANCESTRAL, 20),
          new Row(Sampler.LMS, 20));

  @Command(
      name = "mnist-samplers",
      mixinStandardHelpOptions = true,
      description =
          "Beyond the write-up: the same ten digits (same seed) from DDPM, DDIM, DPM-Solver++, UniPC,"
              + " Euler Ancestral and LMS.")
  static final class Samplers extends Section {
    @Override
    boolean usesHeldout() {
      return false;
    }

    @Override
    String title() {
      return "Samplers on the same seed";
    }

    @Override
    String part() {
      return "B";
    }

    @Override
    String description() {
      return "The class-conditioned UNet (epoch 20, guidance 5) from one seed, one row per sampler: DDPM over"
          + " all 300 steps and over 20 strided steps (grainy: each step adds noise the next cannot remove),"
          + " DDIM (eta 0) and DPM-Solver++ (order 2) over 20 and 10 steps, then UniPC, Euler Ancestral and"
          + " LMS over 20. The deterministic samplers follow the same ODE, so their rows agree with one"
          + " another; Euler Ancestral draws fresh noise at every step, as DDPM does.";
    }

    @Override
    List<Figure> render(Context ctx) {
      List<Tensor> rows = new ArrayList<>();
      List<String> captions = new ArrayList<>();
      List<String> timings = new ArrayList<>();
      try (Diffusion d = ctx.diffusion("class", 20)) {
        for (Row row : ROWS) {
          long started = System.nanoTime();
          rows.add(
              d.pipeline()
                  .labels(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
                  .guidance(5)
                  .sampler(row.sampler())
                  .steps(row.steps())
                  .seed(ctx.seed)
                  .progress(ctx.progress())
                  .generate()
                  .images());
          double seconds = (System.nanoTime() - started) / 1e9;
          String name = row.sampler().cliName() + " " + row.steps();
          timings.add(String.format("%s %.1f s", name, seconds));
          for (int digit = 0; digit < 10; digit++) {
            captions.add(digit == 0 ? name : "");
          }
        }
      }
      Support.writeGrid(
          Tensor.concatBatch(rows.toArray(new Tensor[0])),
          ValueRange.ZERO_TO_ONE,
          10,
          3,
          captions,
          ctx.out.resolve("samplers.png"));
      return List.of(
          new Figure(
              "samplers.png",
              "Rows: "
                  + String.join(
                      ", ",
                      ROWS.stream().map(r -> r.sampler().cliName() + " " + r.steps()).toList())
                  + "; columns: the digits 0-9. Seconds for the ten digits on this machine: "
                  + String.join(", ", timings)
                  + "."));
    }
  }
}
