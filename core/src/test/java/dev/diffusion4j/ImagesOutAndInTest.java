package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.image.ImageGrid;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images out at a scale and as a grid ({@link Generation#save(Path, String, int)}, {@link
 * Generation#grid}), and a user's image into the upscaler ({@link
 * Upscaler#lowResolution(BufferedImage, boolean)}) and the base model.
 */
class ImagesOutAndInTest {

  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);

  static Diffusion mnist;
  static Generation four;

  @TempDir Path dir;

  @BeforeAll
  static void open() {
    mnist = Diffusion.mnist(TestData.path("models/contract/class-d4.onnx"), CPU);
    four = mnist.pipeline().labels(1, 2, 3, 4).steps(3).seed(9).generate();
  }

  @AfterAll
  static void close() {
    mnist.close();
  }

  private static int gray(BufferedImage img, int x, int y) {
    return img.getRaster().getSample(x, y, 0);
  }

  @Test
  void saveAtAScaleWritesEachPixelAsABlock() {
    List<Path> files = four.save(dir, "digit-%d.png", 4);
    assertThat(files)
        .containsExactly(
            dir.resolve("digit-0.png"),
            dir.resolve("digit-1.png"),
            dir.resolve("digit-2.png"),
            dir.resolve("digit-3.png"));
    for (int i = 0; i < 4; i++) {
      BufferedImage small = four.image(i);
      BufferedImage big = Images.read(files.get(i));
      assertThat(big.getWidth()).isEqualTo(112);
      assertThat(big.getHeight()).isEqualTo(112);
      for (int y = 0; y < 112; y++) {
        for (int x = 0; x < 112; x++) {
          assertThat(gray(big, x, y)).isEqualTo(gray(small, x / 4, y / 4));
        }
      }
    }
    // scale 1 is save(dir, pattern)
    Path one = four.save(dir.resolve("one"), "d-%d.png", 1).get(2);
    assertThat(Images.read(one).getWidth()).isEqualTo(28);
  }

  @Test
  void aScaleOutOfRangeIsRefusedBeforeAnyFileIsWritten() {
    assertThatThrownBy(() -> four.save(dir.resolve("a"), "d-%d.png", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("scale must be in [1, " + ImageGrid.MAX_SCALE + "], but is: 0");
    assertThatThrownBy(() -> four.save(dir.resolve("a"), "d-%d.png", ImageGrid.MAX_SCALE + 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but is: " + (ImageGrid.MAX_SCALE + 1));
    // 28 * 200 = 5600 px a side: over Images.MAX_PIXELS (4096 x 4096)
    assertThatThrownBy(() -> four.save(dir.resolve("a"), "d-%d.png", 200))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scale 200 would make images of 31360000 pixels");
    assertThat(dir.resolve("a")).doesNotExist();
  }

  @Test
  void theGridLaysTheSamplesOutRowByRow() {
    BufferedImage grid = four.grid(2, 3);
    // 2 columns and 2 rows of 84 px tiles with a 4 px gap around each
    assertThat(grid.getWidth()).isEqualTo(2 * (84 + 4) + 4);
    assertThat(grid.getHeight()).isEqualTo(2 * (84 + 4) + 4);
    for (int i = 0; i < 4; i++) {
      int left = 4 + (i % 2) * 88;
      int top = 4 + (i / 2) * 88;
      BufferedImage tile = four.image(i);
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int rgb = grid.getRGB(left + 3 * x + 1, top + 3 * y + 1) & 0xff;
          assertThat(rgb).as("sample %d at %d,%d", i, x, y).isEqualTo(gray(tile, x, y));
        }
      }
    }
    assertThat(grid.getRGB(0, 0) & 0xffffff).isEqualTo(0xffffff);
    assertThatThrownBy(() -> four.grid(0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("columns must be >= 1, but is: 0");
  }

  @Test
  void aTensorOfAnotherSizeIsRefusedWithTheWayToConvertIt() {
    BufferedImage big = new BufferedImage(200, 200, BufferedImage.TYPE_BYTE_GRAY);
    Path file = dir.resolve("big.png");
    Images.write(big, file);
    Tensor raw = Images.readGray(file, ValueRange.ZERO_TO_ONE);
    assertThatThrownBy(() -> mnist.pipeline().image(raw, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("but has shape: [1, 1, 200, 200]")
        .hasMessageContaining("image(BufferedImage) or image(Path, invert)");
    Request r = mnist.pipeline().label(1).image(file, false).strength(0.5).steps(4).build();
    assertThat(r.image().shape()).containsExactly(1, 1, 28, 28);
  }

  @Test
  void theUpscalerTakesAUsersImageAtTheBaseStagesSize() {
    BufferedImage photo = new BufferedImage(128, 96, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = photo.createGraphics();
    g.setColor(new Color(200, 40, 90));
    g.fillRect(0, 0, 128, 96);
    g.setColor(Color.WHITE);
    g.fillOval(30, 20, 60, 50);
    g.dispose();
    try (Diffusion deepFloyd = Diffusion.deepFloyd(TestData.path("models/tiny-if"), CPU)) {
      Request r =
          deepFloyd.upscaler().prompt("a high quality photo").lowResolution(photo, false).build();
      Tensor expected = Images.forModel(photo, 3, 64, 64, ValueRange.MINUS_ONE_TO_ONE, false);
      assertThat(r.lowResolution().shape()).containsExactly(1, 3, 64, 64);
      assertThat(r.lowResolution().data()).containsExactly(expected.data());
      // the oval's middle is white: 1 in [-1, 1]; the background's red 200/255 * 2 - 1
      assertThat(r.lowResolution().get(0, 0, 30, 40)).isEqualTo(1f);
      assertThat((double) r.lowResolution().get(0, 0, 1, 1))
          .isCloseTo(200 / 255.0 * 2 - 1, org.assertj.core.api.Assertions.within(1e-6));
      Path file = dir.resolve("photo.jpg");
      Images.write(photo, file);
      Request fromFile =
          deepFloyd.upscaler().prompt("a high quality photo").lowResolution(file, true).build();
      assertThat(fromFile.lowResolution().shape()).containsExactly(1, 3, 64, 64);
      // inverted: the white oval is black
      assertThat((double) fromFile.lowResolution().get(0, 0, 30, 40)).isLessThan(-0.9);
    }
  }
}
