package dev.diffusion4j.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.diffusion4j.image.ImageGrid;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Golden-image comparisons. A batch is rendered as one row of 8-bit tiles (no scaling) and compared
 * with {@code testdata/golden/<name>.png}: the mean absolute difference must be at most 1/255 and
 * no pixel may be off by more than 8/255. On failure the actual image and an amplified difference
 * image are written to {@code target/golden-diff/}.
 *
 * <p>Re-bless every golden with {@code mvn verify -Dgolden.update=true} (then review the new PNGs
 * before committing them).
 */
public final class Golden {

  /** Mean absolute difference allowed, in 8-bit levels. */
  public static final double MEAN_TOLERANCE = 1.0;

  /** Largest single-pixel difference allowed, in 8-bit levels. */
  public static final int MAX_TOLERANCE = 8;

  private Golden() {}

  /** Compares (or, when re-blessing, writes) a golden image. */
  public static void assertMatches(String name, Tensor images, ValueRange range) {
    List<BufferedImage> tiles = new ArrayList<>();
    float lo = range == ValueRange.ZERO_TO_ONE ? 0f : -1f;
    for (int i = 0; i < images.dim(0); i++) {
      tiles.add(Images.toImage(images.clamp(lo, 1f), i, range));
    }
    BufferedImage actual = ImageGrid.render(tiles, tiles.size(), 1, null);
    Path golden = TestData.path("golden/" + name + ".png");
    try {
      if (Boolean.getBoolean("golden.update")) {
        Files.createDirectories(golden.getParent());
        ImageIO.write(actual, "png", golden.toFile());
        return;
      }
      if (!Files.exists(golden)) {
        fail("no golden image " + golden + "; create it with -Dgolden.update=true");
      }
      BufferedImage expected = ImageIO.read(golden.toFile());
      assertThat(actual.getWidth() + "x" + actual.getHeight())
          .as("size of " + name)
          .isEqualTo(expected.getWidth() + "x" + expected.getHeight());
      long sum = 0;
      int max = 0;
      int count = 0;
      BufferedImage diff =
          new BufferedImage(actual.getWidth(), actual.getHeight(), BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < actual.getHeight(); y++) {
        for (int x = 0; x < actual.getWidth(); x++) {
          int a = actual.getRGB(x, y);
          int e = expected.getRGB(x, y);
          int d = 0;
          for (int shift = 0; shift <= 16; shift += 8) {
            int c = Math.abs(((a >> shift) & 0xff) - ((e >> shift) & 0xff));
            d = Math.max(d, c);
            sum += c;
            count++;
          }
          max = Math.max(max, d);
          int v = Math.min(255, d * 16);
          diff.setRGB(x, y, (v << 16) | (v << 8) | v);
        }
      }
      double mean = (double) sum / count;
      System.out.printf(
          Locale.ROOT,
          "margin golden %s: mean |diff| %.3f of %.1f levels, max %d of %d%n",
          name,
          mean,
          MEAN_TOLERANCE,
          max,
          MAX_TOLERANCE);
      if (mean > MEAN_TOLERANCE || max > MAX_TOLERANCE) {
        Path dir = Paths.get("target", "golden-diff");
        Files.createDirectories(dir);
        ImageIO.write(actual, "png", dir.resolve(name + "-actual.png").toFile());
        ImageIO.write(diff, "png", dir.resolve(name + "-diff.png").toFile());
        fail(
            String.format(
                Locale.ROOT,
                "%s differs from %s: mean |diff| %.3f (allowed %.1f), max %d (allowed %d) levels;"
                    + " see %s",
                name,
                golden,
                mean,
                MEAN_TOLERANCE,
                max,
                MAX_TOLERANCE,
                dir.toAbsolutePath()));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
