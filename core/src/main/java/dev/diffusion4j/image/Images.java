package dev.diffusion4j.image;

import dev.diffusion4j.RegularFiles;
import dev.diffusion4j.tensor.Tensor;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads and writes PNG and JPEG images as NCHW tensors ({@code [1, C, H, W]}, C = 3 for RGB, 1 for
 * grayscale) in a chosen {@link ValueRange}. Palette, 1-, 2- and 4-bit PNGs, palette GIFs and CMYK
 * JPEGs read with their true colours; a PNG with a corrupt chunk CRC, and an image of more than
 * {@link #MAX_PIXELS} pixels, are refused.
 *
 * <p>Stateless and thread-safe.
 */
public final class Images {

  /**
   * The most pixels an image file may decode to: {@value} (4096 x 4096, 64 MiB as 8-bit RGBA and
   * 192 MiB as a float RGB tensor). A PNG of a few hundred kilobytes can claim 20000 x 20000 pixels
   * (1.9 GB of heap); such a file is refused from its header.
   */
  public static final long MAX_PIXELS = 4096L * 4096L;

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

  /**
   * Reads an image file as ImageIO decodes it, with three corrections: a PNG is refused when a
   * chunk's CRC does not match (ImageIO ignores CRCs), an image of more than {@link #MAX_PIXELS}
   * pixels is refused from its header before any pixel is decoded, and a CMYK JPEG is converted to
   * RGB (ImageIO decodes it but its colour model renders it black).
   *
   * @param path a PNG, JPEG, GIF or BMP file
   * @return the decoded image
   * @throws IllegalArgumentException naming the path and the problem
   */
  public static BufferedImage read(Path path) {
    if (path == null) {
      throw new IllegalArgumentException("path must not be null");
    }
    RegularFiles.require(path, "image file");
    try (ImageInputStream in = ImageIO.createImageInputStream(path.toFile())) {
      if (in == null) {
        throw new IOException("cannot open the file");
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new IllegalArgumentException(
            "path must be a PNG or JPEG image, but is not an image file: " + path);
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, false);
        if (reader.getFormatName().equalsIgnoreCase("png")) {
          PngChunks.check(path);
        }
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w * h > MAX_PIXELS) {
          throw new IllegalArgumentException(
              "image file "
                  + path
                  + " is "
                  + w
                  + "x"
                  + h
                  + " pixels; at most Images.MAX_PIXELS = "
                  + MAX_PIXELS
                  + " are decoded");
        }
        BufferedImage img = reader.read(0);
        if (img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK) {
          img = cmykToRgb(img.getRaster());
        }
        return img;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException(
          "path must be a readable PNG or JPEG image, but reading " + path + " failed: " + e, e);
    }
  }

  /**
   * Naive CMYK to RGB: {@code R = 255 (1 - C)(1 - K)}, and likewise for G with M, B with Y. The
   * file holds Adobe's inverted samples ({@code 255 - ink}, as Photoshop and PIL write them); the
   * JDK's reader undoes that inversion, so the raster it returns holds the ink itself and {@code R
   * = (255 - c)(255 - k) / 255}. PIL reads the same files to the same colours (a PIL-written white
   * CMYK JPEG read as black before this was fixed).
   */
  private static BufferedImage cmykToRgb(Raster raster) {
    int w = raster.getWidth();
    int h = raster.getHeight();
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] px = new int[raster.getNumBands()];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        raster.getPixel(x, y, px);
        int k = 255 - px[3];
        int r = Math.round((255 - px[0]) * k / 255f);
        int g = Math.round((255 - px[1]) * k / 255f);
        int b = Math.round((255 - px[2]) * k / 255f);
        out.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return out;
  }

  /**
   * Converts an image as a user has it to what a model takes: {@code channels} channels (gray is
   * the mean of R, G and B; a gray image is repeated to three), {@code height x width} pixels and
   * the model's value range. A larger image is first averaged over whole blocks of pixels (so thin
   * strokes survive the reduction), then resized bilinearly ({@link Tensor#resizeBilinear}) to the
   * exact size; the aspect ratio is not kept. With {@code invert}, every pixel becomes {@code 255 -
   * pixel} first.
   *
   * <pre>{@code
   * Tensor digit = Images.forModel(Images.read(Path.of("three.png")), 1, 28, 28,
   *     ValueRange.ZERO_TO_ONE, false); // [1, 1, 28, 28]
   * }</pre>
   *
   * @param img the image, any size. Not modified.
   * @param channels 1 or 3
   * @param height the model's image height
   * @param width the model's image width
   * @param range the model's value range
   * @param invert whether to invert the pixels
   * @return a {@code [1, channels, height, width]} tensor in {@code range}
   * @throws IllegalArgumentException for a null image or range, a channel count other than 1 or 3,
   *     or a size below 1
   */
  public static Tensor forModel(
      BufferedImage img, int channels, int height, int width, ValueRange range, boolean invert) {
    if (img == null) {
      throw new IllegalArgumentException("image must not be null");
    }
    if (range == null) {
      throw new IllegalArgumentException("range must not be null");
    }
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "height and width must be >= 1, but are: " + height + "x" + width);
    }
    Tensor t = fromImage(img, channels, ValueRange.ZERO_TO_ONE);
    if (invert) {
      t = t.mul(-1f).add(1f);
    }
    t = resizeForModel(t, height, width);
    if (range != ValueRange.ZERO_TO_ONE) {
      t = t.mul(range.max() - range.min()).add(range.min());
    }
    return t;
  }

  /**
   * Resizes {@code [N, C, H, W]} to {@code height x width}: a block average by the whole factor the
   * image is larger by, then bilinear resizing to the exact size. Masks and images resized by it
   * line up.
   *
   * @param x the tensor. Not modified.
   * @param height the height wanted
   * @param width the width wanted
   * @return the resized tensor (x itself when it has the size already)
   */
  public static Tensor resizeForModel(Tensor x, int height, int width) {
    x.requireRank(4, "x");
    int fy = Math.max(1, x.dim(2) / height);
    int fx = Math.max(1, x.dim(3) / width);
    Tensor t = x;
    if (fy > 1 || fx > 1) {
      int n = t.dim(0);
      int c = t.dim(1);
      int h = t.dim(2) / fy;
      int w = t.dim(3) / fx;
      int inH = t.dim(2);
      int inW = t.dim(3);
      float[] in = t.data();
      float[] out = new float[n * c * h * w];
      for (int p = 0; p < n * c; p++) {
        for (int y = 0; y < h; y++) {
          for (int xx = 0; xx < w; xx++) {
            double sum = 0;
            for (int dy = 0; dy < fy; dy++) {
              int row = p * inH * inW + (y * fy + dy) * inW + xx * fx;
              for (int dx = 0; dx < fx; dx++) {
                sum += in[row + dx];
              }
            }
            out[(p * h + y) * w + xx] = (float) (sum / (fy * fx));
          }
        }
      }
      t = Tensor.wrap(out, n, c, h, w);
    }
    if (t.dim(2) != height || t.dim(3) != width) {
      t = t.resizeBilinear(height, width);
    }
    return t;
  }

  /**
   * Refuses a one-channel image the wrong way round for a model trained on light strokes on a dark
   * background (MNIST): when the mean of its border pixels (the outermost row and column on each
   * side) lies in the upper half of the value range, the image is taken to be dark strokes on
   * white.
   *
   * @param x a {@code [1, 1, H, W]} image in {@code range}. Not modified.
   * @param range its value range
   * @param name the parameter name for the message
   * @return {@code x}
   * @throws IllegalArgumentException for a light background, saying to invert the image
   */
  public static Tensor requireDarkBackground(Tensor x, ValueRange range, String name) {
    x.requireRank(4, name);
    int h = x.dim(2);
    int w = x.dim(3);
    double sum = 0;
    int count = 0;
    for (int y = 0; y < h; y++) {
      for (int xx = 0; xx < w; xx++) {
        if (y == 0 || xx == 0 || y == h - 1 || xx == w - 1) {
          sum += x.get(0, 0, y, xx);
          count++;
        }
      }
    }
    double border = sum / count;
    double middle = (range.min() + range.max()) / 2.0;
    if (border > middle) {
      throw new IllegalArgumentException(
          name
              + " must show light strokes on a dark background, as the MNIST digits do, but its"
              + " border averages "
              + String.format(java.util.Locale.ROOT, "%.3f", border)
              + " of the range ["
              + range.min()
              + ", "
              + range.max()
              + "] (dark strokes on white?): pass invert = true, e.g. image(img, true)");
    }
    return x;
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
    // Gray images are read from the raster: getRGB would apply a gamma conversion to them. Palette
    // images (an IndexColorModel, including 1-, 2- and 4-bit gray PNGs) go through getRGB, which
    // looks the index up in the palette; a raw index would read white as 1/255.
    Raster raster = img.getRaster();
    ColorModel cm = img.getColorModel();
    boolean gray = raster.getNumBands() == 1 && !(cm instanceof IndexColorModel);
    int bits = gray ? cm.getComponentSize(0) : 8;
    int shift = Math.max(0, bits - 8);
    int maxLow = bits < 8 ? (1 << bits) - 1 : 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int r;
        int g;
        int b;
        if (gray) {
          int s = raster.getSample(x, y, 0);
          r = g = b = maxLow > 0 ? Math.round(s * 255f / maxLow) : s >> shift;
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
    if (path == null) {
      throw new IllegalArgumentException("path must not be null");
    }
    if (Files.isDirectory(path)) {
      throw new IllegalArgumentException("path must be an image file, but is a directory: " + path);
    }
    if (path.getFileName() == null) {
      throw new IllegalArgumentException("path must name an image file, but is: " + path);
    }
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
