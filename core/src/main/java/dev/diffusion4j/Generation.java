package dev.diffusion4j;

import dev.diffusion4j.image.ImageGrid;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;

/**
 * The result of a run: the samples as images or as the raw tensor, what was captured along the way,
 * and the request that made them.
 *
 * <pre>{@code
 * Generation g = diffusion.pipeline().label(7).steps(50).samples(4).seed(42).generate();
 * List<Path> files = g.save(Path.of("out"));               // out/sample-0.png .. sample-3.png
 * g.save(Path.of("big"), "seven-%d.png", 8);               // 224x224, nearest neighbour
 * Images.write(g.grid(2, 4), Path.of("grid.png"));          // the 4 samples, 2 per row, 4x
 * BufferedImage first = g.image(0);                        // 28x28 grayscale
 * Tensor raw = g.images();                                 // [4, 1, 28, 28], not clamped
 * }</pre>
 *
 * <p>The images are 8-bit, clamped to the model's value range ({@link #valueRange()}: [0, 1] for
 * the MNIST models, [-1, 1] for DeepFloyd IF) and rounded; one channel gives a grayscale image,
 * three an RGB one. Immutable and thread-safe.
 */
public final class Generation {

  /**
   * The default file pattern of {@link #save(Path)}: {@code sample-0.png}, {@code sample-1.png}.
   */
  public static final String DEFAULT_PATTERN = "sample-%d.png";

  private final Tensor images;
  private final List<Tensor> intermediates;
  private final List<Integer> capturedTimesteps;
  private final Request request;
  private final ValueRange valueRange;

  Generation(
      Tensor images,
      List<Tensor> intermediates,
      List<Integer> capturedTimesteps,
      Request request,
      ValueRange valueRange) {
    this.images = images;
    this.intermediates = List.copyOf(intermediates);
    this.capturedTimesteps = List.copyOf(capturedTimesteps);
    this.request = request;
    this.valueRange = valueRange;
  }

  /**
   * Returns the final samples as the raw tensor the loop ended with.
   *
   * @return {@code [N, C, H, W]} in the model's value range, not clamped (a sample may stray a
   *     little outside it)
   */
  public Tensor images() {
    return images;
  }

  /**
   * Returns the number of samples.
   *
   * @return at least 1
   */
  public int count() {
    return images.dim(0);
  }

  /**
   * Returns one sample as an image, clamped to the model's value range.
   *
   * @param index which sample, in {@code [0, count())}
   * @return a new image ({@code TYPE_BYTE_GRAY} or {@code TYPE_INT_RGB})
   * @throws IllegalArgumentException for an index out of range
   */
  public BufferedImage image(int index) {
    return Images.toImage(images, index, valueRange);
  }

  /**
   * Returns every sample as an image, clamped to the model's value range.
   *
   * @return new images, one per sample
   */
  public List<BufferedImage> toBufferedImages() {
    List<BufferedImage> out = new ArrayList<>();
    for (int i = 0; i < count(); i++) {
      out.add(image(i));
    }
    return List.copyOf(out);
  }

  /**
   * Saves every sample as a PNG in {@code dir} ({@value #DEFAULT_PATTERN}), creating the folder.
   *
   * @param dir the folder
   * @return the files written, in sample order
   * @throws java.io.UncheckedIOException if a file cannot be written
   */
  public List<Path> save(Path dir) {
    return save(dir, DEFAULT_PATTERN);
  }

  /**
   * Saves every sample in {@code dir} under a file name pattern, creating the folder.
   *
   * @param dir the folder
   * @param pattern a {@link String#format} pattern with one integer, the sample index, ending in
   *     .png, .jpg or .jpeg; for example {@code "seven-%02d.png"} The pattern makes file names
   *     only: one with a path separator, {@code ..} or an absolute path is refused, so that no file
   *     is written outside {@code dir}.
   * @return the files written, in sample order
   * @throws IllegalArgumentException for a pattern without the index, with another extension or
   *     with a folder in it; for a {@code dir} that exists and is not a folder
   * @throws java.io.UncheckedIOException if a file cannot be written
   */
  public List<Path> save(Path dir, String pattern) {
    return save(dir, pattern, 1);
  }

  /**
   * Saves every sample in {@code dir} under a file name pattern, scaled up by a whole factor with
   * nearest-neighbour sampling (each pixel becomes a {@code scale x scale} block, so a 28x28 digit
   * stays crisp at 224x224), creating the folder. Otherwise as {@link #save(Path, String)}.
   *
   * @param dir the folder
   * @param pattern the file name pattern, as {@link #save(Path, String)} takes it
   * @param scale the magnification, in {@code [1, }{@link ImageGrid#MAX_SCALE}{@code ]}
   * @return the files written, in sample order
   * @throws IllegalArgumentException as {@link #save(Path, String)}, and for a scale out of range
   *     or one that makes an image of more than {@link Images#MAX_PIXELS} pixels
   * @throws java.io.UncheckedIOException if a file cannot be written
   */
  public List<Path> save(Path dir, String pattern, int scale) {
    checkScale(scale);
    if (dir == null) {
      throw new IllegalArgumentException("dir must not be null");
    }
    if (pattern == null) {
      throw new IllegalArgumentException("pattern must not be null");
    }
    String first;
    try {
      first = String.format(pattern, 0);
    } catch (IllegalFormatException e) {
      throw new IllegalArgumentException(
          "pattern must be a format with one integer (the sample index), but is: "
              + Messages.quote(pattern),
          e);
    }
    if (count() > 1 && first.equals(String.format(pattern, 1))) {
      throw new IllegalArgumentException(
          "pattern must contain the sample index (e.g. %d), but is: " + Messages.quote(pattern));
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "dir must be a folder to save the samples in, but is a file: "
              + Messages.quote(dir)
              + " (give the folder, and the file names as the pattern)");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count(); i++) {
      names.add(fileName(String.format(pattern, i), pattern));
    }
    List<Path> written = new ArrayList<>();
    for (int i = 0; i < count(); i++) {
      Path file = dir.resolve(names.get(i));
      Images.write(scaled(image(i), scale), file);
      written.add(file);
    }
    return List.copyOf(written);
  }

  /**
   * Lays out every sample in one image, {@code columns} per row, scaled up by a whole factor
   * (nearest neighbour) on a white background with a 4-pixel gap ({@link ImageGrid#render}).
   *
   * @param columns samples per row, at least 1
   * @param scale the magnification, in {@code [1, }{@link ImageGrid#MAX_SCALE}{@code ]}
   * @return a new RGB image
   * @throws IllegalArgumentException for a column count below 1, a scale out of range or a grid of
   *     more than {@link Images#MAX_PIXELS} pixels
   */
  public BufferedImage grid(int columns, int scale) {
    return ImageGrid.render(toBufferedImages(), columns, scale, null);
  }

  private void checkScale(int scale) {
    if (scale < 1 || scale > ImageGrid.MAX_SCALE) {
      throw new IllegalArgumentException(
          "scale must be in [1, " + ImageGrid.MAX_SCALE + "], but is: " + scale);
    }
    long pixels = (long) images.dim(2) * images.dim(3) * scale * scale;
    if (pixels > Images.MAX_PIXELS) {
      throw new IllegalArgumentException(
          "scale "
              + scale
              + " would make images of "
              + pixels
              + " pixels; at most Images.MAX_PIXELS = "
              + Images.MAX_PIXELS
              + " are written");
    }
  }

  /** Nearest-neighbour magnification by a whole factor: each pixel becomes a block. */
  private static BufferedImage scaled(BufferedImage img, int scale) {
    if (scale == 1) {
      return img;
    }
    int w = img.getWidth();
    int h = img.getHeight();
    BufferedImage out = new BufferedImage(w * scale, h * scale, img.getType());
    java.awt.image.WritableRaster in = img.getRaster();
    java.awt.image.WritableRaster o = out.getRaster();
    int bands = in.getNumBands();
    int[] px = new int[bands];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        in.getPixel(x, y, px);
        for (int dy = 0; dy < scale; dy++) {
          for (int dx = 0; dx < scale; dx++) {
            o.setPixel(x * scale + dx, y * scale + dy, px);
          }
        }
      }
    }
    return out;
  }

  /** Refuses a formatted name that is not a plain file name (a folder, {@code ..}, a root). */
  private static String fileName(String name, String pattern) {
    boolean plain =
        !name.isEmpty()
            && name.indexOf('/') < 0
            && name.indexOf('\\') < 0
            && name.indexOf('\0') < 0
            && !name.equals(".")
            && !name.equals("..");
    if (plain) {
      try {
        Path p = Path.of(name);
        plain = !p.isAbsolute() && p.getNameCount() == 1 && p.getRoot() == null;
      } catch (InvalidPathException e) {
        plain = false;
      }
    }
    if (!plain) {
      throw new IllegalArgumentException(
          "pattern must make plain file names (no folder, '..' or absolute path: the files go in"
              + " dir), but makes "
              + Messages.quote(name)
              + " from: "
              + Messages.quote(pattern));
    }
    return name;
  }

  /**
   * Returns the samples captured every n-th step (see {@link AbstractPipeline#captureEvery(int)}),
   * oldest first, as raw tensors.
   *
   * @return the captured samples; empty when nothing was captured
   */
  public List<Tensor> intermediates() {
    return intermediates;
  }

  /**
   * Returns the timestep each intermediate stands at.
   *
   * @return one timestep per entry of {@link #intermediates()}
   */
  public List<Integer> capturedTimesteps() {
    return capturedTimesteps;
  }

  /**
   * Returns the frozen request that produced this result.
   *
   * @return the request
   */
  public Request request() {
    return request;
  }

  /**
   * Returns the value range of the model, which the images are clamped to.
   *
   * @return the range
   */
  public ValueRange valueRange() {
    return valueRange;
  }

  /**
   * Returns the transition animation of one sample of an anagram or a hybrid, as visual_anagrams'
   * {@code animate.py} draws it ({@link dev.diffusion4j.view.Animation}), captioned with the
   * conditions of its readings: the upright reading turning into each extra view's (one clip per
   * view, one after the other), or a factorization's first component's reading and its last's.
   *
   * <pre>{@code
   * Generation g = diffusion.pipeline().label(6).anagram(Condition.label(9), View.ROT180).generate();
   * g.animation(0).write(Path.of("six-nine.gif"));
   * }</pre>
   *
   * @param index which sample, in {@code [0, count())}
   * @return the animation
   * @throws IllegalArgumentException for an index out of range
   * @throws IllegalStateException if the run was neither an anagram nor a hybrid
   */
  public dev.diffusion4j.view.Animation animation(int index) {
    if (index < 0 || index >= count()) {
      throw new IllegalArgumentException("index must be in [0, " + count() + "), but is: " + index);
    }
    Technique t = request.technique();
    Tensor one = images.slice(index, index + 1);
    String primary = caption(request.conditions().isEmpty() ? null : request.conditions().get(0));
    return switch (t.kind()) {
      case ANAGRAM -> {
        List<dev.diffusion4j.view.Animation> clips = new ArrayList<>();
        for (Request.ViewTerm v : t.views()) {
          clips.add(
              dev.diffusion4j.view.Animation.anagram(
                  one, valueRange, v.view(), primary, caption(v.condition())));
        }
        yield dev.diffusion4j.view.Animation.concat(clips);
      }
      case HYBRID -> {
        List<Condition> others = t.hybridConditions();
        yield dev.diffusion4j.view.Animation.hybrid(
            one, valueRange, t.factorization(), primary, caption(others.get(others.size() - 1)));
      }
      case PLAIN ->
          throw new IllegalStateException(
              "animation shows an anagram or a hybrid, but this run was plain: " + request);
    };
  }

  /** A condition as a caption: a label's digit, a prompt's text. */
  private static String caption(Condition c) {
    if (c == null) {
      return "";
    }
    if (c instanceof Condition.Prompt p) {
      return p.text();
    }
    return c.toString();
  }

  @Override
  public String toString() {
    return "Generation[" + count() + " samples, " + request + "]";
  }
}
