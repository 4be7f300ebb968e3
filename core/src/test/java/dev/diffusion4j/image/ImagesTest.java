package dev.diffusion4j.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {

  @TempDir Path dir;

  private static Tensor quantised(Tensor x, ValueRange range) {
    float[] d = x.data().clone();
    for (int i = 0; i < d.length; i++) {
      d[i] = range.fromPixel(range.toPixel(d[i]));
    }
    return Tensor.wrap(d, x.shape());
  }

  @Test
  void pngRoundTripIsExactAfterQuantisation() {
    Tensor rgb = NoiseSource.seeded(3).next(1, 3, 9, 7).clamp(-1, 1);
    Images.write(rgb, 0, ValueRange.MINUS_ONE_TO_ONE, dir.resolve("rgb.png"));
    Tensor back = Images.readRgb(dir.resolve("rgb.png"), ValueRange.MINUS_ONE_TO_ONE);
    assertThat(back).isEqualTo(quantised(rgb, ValueRange.MINUS_ONE_TO_ONE));

    Tensor gray = NoiseSource.seeded(4).next(1, 1, 28, 28).clamp(0, 1);
    Images.write(gray, 0, ValueRange.ZERO_TO_ONE, dir.resolve("sub/gray.png"));
    Tensor grayBack = Images.readGray(dir.resolve("sub/gray.png"), ValueRange.ZERO_TO_ONE);
    assertThat(grayBack).isEqualTo(quantised(gray, ValueRange.ZERO_TO_ONE));
  }

  @Test
  void jpegRoundTripIsClose() {
    Tensor flat = Tensor.full(0.25f, 1, 3, 16, 16);
    Images.write(flat, 0, ValueRange.MINUS_ONE_TO_ONE, dir.resolve("flat.jpg"));
    Tensor back = Images.readRgb(dir.resolve("flat.jpg"), ValueRange.MINUS_ONE_TO_ONE);
    assertThat(back.maxAbsDiff(flat)).isLessThan(3 / 127.5);
  }

  @Test
  void gridPlacesTilesWithCaptions() {
    BufferedImage white = Images.toImage(Tensor.full(1f, 1, 1, 4, 4), 0, ValueRange.ZERO_TO_ONE);
    BufferedImage black = Images.toImage(Tensor.zeros(1, 1, 4, 4), 0, ValueRange.ZERO_TO_ONE);
    BufferedImage grid =
        ImageGrid.render(List.of(black, white, black), 2, 10, List.of("a", "b", "c"));
    assertThat(grid.getWidth()).isEqualTo(2 * 44 + 4);
    assertThat(grid.getHeight()).isEqualTo(2 * (40 + 16 + 4) + 4);
    assertThat(grid.getRGB(4 + 20, 4 + 20) & 0xffffff).isEqualTo(0x000000);
    assertThat(grid.getRGB(4 + 44 + 20, 4 + 20) & 0xffffff).isEqualTo(0xffffff);
  }

  @Test
  void gifHasOneImagePerFrame() throws Exception {
    List<BufferedImage> frames =
        List.of(
            Images.toImage(Tensor.zeros(1, 1, 8, 8), 0, ValueRange.ZERO_TO_ONE),
            Images.toImage(Tensor.full(0.5f, 1, 1, 8, 8), 0, ValueRange.ZERO_TO_ONE),
            Images.toImage(Tensor.full(1f, 1, 1, 8, 8), 0, ValueRange.ZERO_TO_ONE));
    Path gif = dir.resolve("run.gif");
    AnimatedGif.write(frames, 50, 1000, gif);
    try (ImageInputStream in = ImageIO.createImageInputStream(gif.toFile())) {
      ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
      reader.setInput(in);
      assertThat(reader.getNumImages(true)).isEqualTo(3);
      assertThat(reader.read(2).getRGB(3, 3) & 0xff).isEqualTo(255);
      reader.dispose();
    }
  }

  @Test
  void unreadableFilesNameThePath() throws Exception {
    Path missing = dir.resolve("missing.png");
    assertThatThrownBy(() -> Images.readRgb(missing, ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
    Path text = Files.writeString(dir.resolve("notes.png"), "not an image");
    assertThatThrownBy(() -> Images.readGray(text, ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("notes.png");
    assertThatThrownBy(
            () ->
                Images.write(
                    Tensor.zeros(1, 1, 2, 2), 0, ValueRange.ZERO_TO_ONE, dir.resolve("x.bmp")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(".png, .jpg or .jpeg");
  }
}
