package dev.diffusion4j.image;

import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Reads and writes PNG and JPEG images as NCHW tensors ({@code [1, C, H, W]}, C = 3 for RGB, 1 for
 * grayscale) in a chosen {@link ValueRange}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Images {

  private Images() {}

  /**
   * Reads an image file as RGB.
   *
   * @param path a PNG or JPEG file
   * @param range the value range wanted
   * @return a {@code [1, 3, H, W]} tensor
   * @throws IllegalArgumentException naming the path if it is missing or not a readable image
   */
  public static Tensor readRgb(Path path, ValueRange range) {
    return fromImage(read(path), 3, range);
  }

  /**
   * Reads an image file as grayscale (the mean of R, G and B for colour images).
   *
   * @param path a PNG or JPEG file
   * @param range the value range wanted
   * @return a {@code [1, 1, H, W]} tensor
   * @throws IllegalArgumentException naming the path if it is missing or not a readable image
   */
  public static Tensor readGray(Path path, ValueRange range) {
    return fromImage(read(path), 1, range);
  }

  private static BufferedImage read(Path path) {
    if (path == null) {
      throw new IllegalArgumentException("path must not be null");
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("path must be an existing image file, but is: " + path);
    }
    BufferedImage img;
    try {
      img = ImageIO.read(path.toFile());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "path must be a readable PNG or JPEG image, but reading " + path + " failed: " + e, e);
    }
    if (img == null) {
      throw new IllegalArgumentException(
          "path must be a PNG or JPEG image, but is not an image file: " + path);
    }
    return img;
  }

  /**
   * Converts an image to a tensor.
   *
   * @param img the image. Not modified.
   * @param channels 3 for RGB or 1 for grayscale
   * @param range the value range wanted
   * @return a {@code [1, channels, H, W]} tensor
   */
  public static Tensor fromImage(BufferedImage img, int channels, ValueRange range) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, but is: " + channels);
    }
    int h = img.getHeight();
    int w = img.getWidth();
    float[] d = new float[channels * h * w];
    int hw = h * w;
    // Gray images are read from the raster: getRGB would apply a gamma conversion to them.
    java.awt.image.Raster raster = img.getRaster();
    boolean gray = raster.getNumBands() == 1;
    int shift = gray ? Math.max(0, img.getColorModel().getComponentSize(0) - 8) : 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r;
        int g;
        int b;
        if (gray) {
          r = g = b = raster.getSample(x, y, 0) >> shift;
        } else {
          int rgb = img.getRGB(x, y);
          r = (rgb >> 16) & 0xff;
          g = (rgb >> 8) & 0xff;
          b = rgb & 0xff;
        }
        int i = y * w + x;
        if (channels == 3) {
          d[i] = range.fromPixel(r);
          d[hw + i] = range.fromPixel(g);
          d[2 * hw + i] = range.fromPixel(b);
        } else {
          d[i] = range.fromPixel(Math.round((r + g + b) / 3f));
        }
      }
    }
    return Tensor.wrap(d, 1, channels, h, w);
  }

  /**
   * Converts one image of a batch to an 8-bit RGB or grayscale image.
   *
   * @param x a {@code [N, C, H, W]} tensor with C = 1 or 3 (only the first 3 channels of a wider
   *     tensor are used). Not modified.
   * @param index which sample of the batch
   * @param range the value range of {@code x}
   * @return the image ({@code TYPE_BYTE_GRAY} for one channel, {@code TYPE_INT_RGB} otherwise)
   * @throws IllegalArgumentException when the sample holds NaN or an infinity
   */
  public static BufferedImage toImage(Tensor x, int index, ValueRange range) {
    x.requireRank(4, "x");
    int c = x.dim(1);
    int h = x.dim(2);
    int w = x.dim(3);
    if (index < 0 || index >= x.dim(0)) {
      throw new IllegalArgumentException(
          "index must be in [0, " + x.dim(0) + "), but is: " + index);
    }
    if (c != 1 && c < 3) {
      throw new IllegalArgumentException("x must have 1 or at least 3 channels, but has: " + c);
    }
    float[] d = x.data();
    int hw = h * w;
    int base = index * c * hw;
    for (int i = base; i < base + Math.min(c, 3) * hw; i++) {
      if (!Float.isFinite(d[i])) {
        throw new IllegalArgumentException(
            "x must hold finite values only to become an image, but sample "
                + index
                + " holds "
                + dev.diffusion4j.tensor.Finite.describe(x, i)
                + "; NaN would be written as black");
      }
    }
    BufferedImage img =
        new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int xx = 0; xx < w; xx++) {
        int i = base + y * w + xx;
        if (c == 1) {
          int p = range.toPixel(d[i]);
          img.getRaster().setSample(xx, y, 0, p);
        } else {
          int r = range.toPixel(d[i]);
          int g = range.toPixel(d[i + hw]);
          int b = range.toPixel(d[i + 2 * hw]);
          img.setRGB(xx, y, (r << 16) | (g << 8) | b);
        }
      }
    }
    return img;
  }

  /**
   * Writes one image of a batch as PNG or JPEG (chosen by the file extension), creating parent
   * folders.
   *
   * @param x a {@code [N, C, H, W]} tensor. Not modified.
   * @param index which sample
   * @param range the value range of {@code x}
   * @param path where to write; ends in .png, .jpg or .jpeg
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void write(Tensor x, int index, ValueRange range, Path path) {
    write(toImage(x, index, range), path);
  }

  /**
   * Writes an image as PNG or JPEG (chosen by the file extension), creating parent folders.
   *
   * @param img the image. Not modified.
   * @param path where to write; ends in .png, .jpg or .jpeg
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void write(BufferedImage img, Path path) {
    String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
    String format;
    if (name.endsWith(".png")) {
      format = "png";
    } else if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
      format = "jpeg";
    } else {
      throw new IllegalArgumentException("path must end in .png, .jpg or .jpeg, but is: " + path);
    }
    BufferedImage out = img;
    if (format.equals("jpeg") && img.getType() != BufferedImage.TYPE_INT_RGB) {
      out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
      out.getGraphics().drawImage(img, 0, 0, null);
    }
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (!ImageIO.write(out, format, path.toFile())) {
        throw new IOException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write image " + path + ": " + e.getMessage(), e);
    }
  }
}
