package dev.diffusion4j.view;

import dev.diffusion4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A view that moves pixels: {@code apply(x)[n, c, p] = x[n, c, map[p]]} for every pixel {@code p =
 * y * size + x} of a square image, the same map for every channel, as visual_anagrams' {@code
 * PermuteView} gathers them ({@code patches[perm]}). A permutation keeps Gaussian noise Gaussian,
 * so every such view is a valid anagram view, and it treats 3 and 6 channels alike.
 *
 * <p>The map depends on the image size; {@link Maps} makes it once per size, and this class checks
 * it, caches it and its inverse. Instances are immutable and thread-safe.
 */
public final class PermutationView implements View {

  /** Makes the gather map of a view for one image size. */
  @FunctionalInterface
  public interface Maps {
    /**
     * Returns the gather map for a size.
     *
     * @param size the side of the square image, in pixels
     * @return {@code size * size} source indices, each pixel exactly once
     * @throws IllegalArgumentException if the view cannot work at this size, saying what it needs
     */
    int[] forSize(int size);
  }

  private final String name;
  private final String spec;
  private final Maps maps;
  private final Map<Integer, int[][]> cache = new ConcurrentHashMap<>();

  private PermutationView(String name, String spec, Maps maps) {
    this.name = name;
    this.spec = spec;
    this.maps = maps;
  }

  /**
   * Returns a permutation view.
   *
   * @param name the short name, e.g. "jigsaw"
   * @param spec the name with its arguments, e.g. "patch_permute(num_patches=8, seed=0)", used in
   *     messages and {@link #toString()}
   * @param maps makes the gather map for each size
   * @return the view
   */
  public static PermutationView of(String name, String spec, Maps maps) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("name must be non-empty, but is: " + name);
    }
    if (maps == null) {
      throw new IllegalArgumentException("maps must not be null");
    }
    return new PermutationView(name, spec == null ? name : spec, maps);
  }

  /**
   * Returns a copy of the gather map at a size.
   *
   * @param size the side of the square image
   * @return {@code map} with {@code apply(x)[p] = x[map[p]]}
   * @throws IllegalArgumentException if the view cannot work at this size
   */
  public int[] map(int size) {
    return maps(size)[0].clone();
  }

  private int[][] maps(int size) {
    if (size < 1) {
      throw new IllegalArgumentException(spec + ": size must be >= 1, but is: " + size);
    }
    return cache.computeIfAbsent(size, this::build);
  }

  private int[][] build(int size) {
    int[] map = maps.forSize(size);
    int n = size * size;
    if (map == null || map.length != n) {
      throw new IllegalStateException(
          spec
              + " made a map of "
              + (map == null ? "null" : map.length + " entries")
              + " for "
              + size
              + "x"
              + size
              + " px; expected "
              + n);
    }
    int[] inverse = new int[n];
    Arrays.fill(inverse, -1);
    for (int p = 0; p < n; p++) {
      int q = map[p];
      if (q < 0 || q >= n || inverse[q] >= 0) {
        throw new IllegalStateException(
            spec + " at " + size + " px is not a permutation: pixel " + p + " reads " + q);
      }
      inverse[q] = p;
    }
    return new int[][] {map.clone(), inverse};
  }

  @Override
  public Tensor apply(Tensor x) {
    return gather(x, 0);
  }

  @Override
  public Tensor inverse(Tensor x) {
    return gather(x, 1);
  }

  private Tensor gather(Tensor x, int which) {
    x.requireRank(4, "x");
    int h = x.dim(2);
    int w = x.dim(3);
    if (h != w) {
      throw new IllegalArgumentException(
          spec + " needs a square image, but x is " + h + "x" + w + " px");
    }
    int[] m = maps(h)[which];
    int hw = h * w;
    int planes = x.dim(0) * x.dim(1);
    float[] in = x.data();
    float[] out = new float[in.length];
    for (int pl = 0; pl < planes; pl++) {
      int base = pl * hw;
      for (int p = 0; p < hw; p++) {
        out[base + p] = in[base + m[p]];
      }
    }
    return Tensor.wrap(out, x.shape());
  }

  /**
   * Checks that the view works on images of this shape: square, and a size its map supports.
   *
   * @throws IllegalArgumentException naming the view, the size and what it needs
   */
  @Override
  public void check(int channels, int height, int width) {
    View.super.check(channels, height, width);
    if (height != width) {
      throw new IllegalArgumentException(
          spec + " needs a square image, but the image is " + height + "x" + width + " px");
    }
    maps(height);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "View[" + spec + "]";
  }
}
