import dev.diffusion4j.Condition;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Generation;
import dev.diffusion4j.MnistModels;
import dev.diffusion4j.Pipeline;
import dev.diffusion4j.Sampler;
import dev.diffusion4j.Variant;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import dev.diffusion4j.view.ViewTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Generates the MNIST anagrams and hybrids of a settings table for the quality table in README
 * ("Anagrams that read both ways"), in one JVM, with the library's own views, so that the judges
 * ({@code illusion_quality.py}) need no view code of their own.
 *
 * <pre>
 * java -cp examples/target/diffusion4j-examples.jar onnx-export/mnist/IllusionSweep.java TABLE.csv OUT
 * </pre>
 *
 * <p>TABLE.csv has a header and the columns {@code id,technique,a,b,view,guidance,weight,sampler,
 * steps,seed,count}: sampler by its command-line name (ddpm takes 300 / steps strided timesteps); technique {@code anagram} (a upright, b through the view, a ViewTable spec;
 * weight is the upright reading's, the viewed one gets 1 - weight) or {@code hybrid} (a in the low
 * frequencies, b in the high; view, when given, is the blur's sigma, else the library's hybrid blur at
 * 28 px; weight is ignored). For each row it writes {@code
 * OUT/id/anagram-<i>.png} and {@code OUT/id/view-<i>.png} (the image through the view), or {@code
 * OUT/id/hybrid-<i>.png} and {@code OUT/id/far-<i>.png} (the image through the hybrid's own low-pass
 * blur, as seen from afar). A row whose folder already holds its images is skipped.
 */
public class IllusionSweep {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: IllusionSweep TABLE.csv OUT");
    }
    List<String> lines = Files.readAllLines(Path.of(args[0]));
    Path out = Path.of(args[1]);
    try (Diffusion d = MnistModels.classConditioned()) {
      for (String line : lines.subList(1, lines.size())) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] c = line.split(",", -1);
        String id = c[0];
        boolean hybrid = c[1].equals("hybrid");
        int a = Integer.parseInt(c[2]);
        int b = Integer.parseInt(c[3]);
        double guidance = Double.parseDouble(c[5]);
        Sampler sampler = Sampler.fromName(c[7]);
        int steps = Integer.parseInt(c[8]);
        long seed = Long.parseLong(c[9]);
        int count = Integer.parseInt(c[10]);
        Path dir = out.resolve(id);
        String first = hybrid ? "hybrid-" : "anagram-";
        if (Files.exists(dir.resolve(first + (count - 1) + ".png"))) {
          continue;
        }
        long t0 = System.nanoTime();
        // DDPM walks strided timesteps from 300 (30 steps: 300, 290, ..., 10), as mnist-anagram does
        Pipeline p =
            sampler == Sampler.DDPM
                ? d.pipeline().timesteps(Timesteps.strided(300, 300 / steps))
                : d.pipeline().sampler(sampler).steps(steps);
        p =
            p.variant(Variant.STUDY)
                .label(a)
                .guidance(guidance)
                .samples(count)
                .seed(seed);
        Tensor x;
        Tensor seen;
        try {
        if (hybrid) {
          // the view column of a hybrid may give the blur's sigma (kernel: the odd size nearest 6 sigma + 1)
          GaussianBlur blur =
              c[4].isEmpty()
                  ? GaussianBlur.forHybrid(28)
                  : new GaussianBlur(
                      Math.min(55, 2 * (int) Math.round(3 * Double.parseDouble(c[4])) + 1),
                      Double.parseDouble(c[4]));
          x = p.hybrid(Condition.label(b), blur).generate().images();
          // the blur acts on the model's values in [-1, 1], as in sampling
          seen = blur.apply(x.mul(2).add(-1)).add(1).mul(0.5f);
        } else {
          View v = ViewTable.view(c[4]);
          double w = Double.parseDouble(c[6]);
          x = p.anagram(Condition.label(b), v).anagramWeights(w, 1 - w).generate().images();
          seen = v.apply(x.mul(2).add(-1)).add(1).mul(0.5f);
        }
        } catch (IllegalArgumentException e) {
          System.out.println(id + ": refused: " + e.getMessage());
          continue;
        }
        for (int i = 0; i < count; i++) {
          Images.write(x, i, ValueRange.ZERO_TO_ONE, dir.resolve(first + i + ".png"));
          Images.write(
              seen, i, ValueRange.ZERO_TO_ONE, dir.resolve((hybrid ? "far-" : "view-") + i + ".png"));
        }
        System.out.printf("%s: %d in %.1f s%n", id, count, (System.nanoTime() - t0) / 1e9);
      }
    }
  }
}
