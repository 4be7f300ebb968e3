package dev.diffusion4j.view;

import dev.diffusion4j.tensor.Tensor;

/**
 * A transformation of an image under which an illusion is read, with its inverse; used by visual
 * anagrams (Geng et al. 2024). Every view here is orthogonal (a permutation of pixels, or a
 * negation), so it keeps Gaussian noise Gaussian. Their names and arguments are in {@link
 * ViewTable}; the components of factorized diffusion are {@link Component}s, not views.
 *
 * <p>Views act on every image of an NCHW batch. Negation acts on channels 0-2 only (the noise
 * estimate of a 6-channel IF output; its variance channels are left as they are). Implementations
 * are stateless and thread-safe.
 */
public interface View {

  /**
   * Applies the view.
   *
   * @param x a batch {@code [N, C, H, W]}. Not modified.
   * @return the batch as seen through the view
   */
  Tensor apply(Tensor x);

  /**
   * Undoes the view: {@code inverse(apply(x)) == x}.
   *
   * @param x a batch seen through the view. Not modified.
   * @return the batch as it reads upright
   */
  Tensor inverse(Tensor x);

  /**
   * Returns a short name ("identity", "flip", "rot90", "patch_permute", ...): its {@link ViewTable}
   * name.
   *
   * @return the name
   */
  String name();

  /**
   * Checks, before sampling, that the view works on images of this shape; the loop calls it once up
   * front, so that a combination that cannot work fails before the first model call. The default
   * accepts every shape with positive dimensions.
   *
   * @param channels the image's channels (3 for IF, 1 for MNIST)
   * @param height the image height
   * @param width the image width
   * @throws IllegalArgumentException naming the view, the size or the channel count, and what it
   *     needs
   */
  default void check(int channels, int height, int width) {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          name()
              + " needs an image of at least 1 channel and 1x1 px, but has "
              + channels
              + " channels of "
              + height
              + "x"
              + width
              + " px");
    }
  }

  /** {@code SkewView}'s default skew factor: {@value}. */
  double SKEW_FACTOR = 1.5;

  /** {@code get_views}' default patch count of {@code patch_permute}: {@value}. */
  int PATCH_COUNT = 8;

  /** {@code get_views}' default cell count of {@code pixel_permute}: {@value}. */
  int PIXEL_CELLS = 64;

  /** The inner circle's radius as a fraction of the size, upstream's 24 of 64 px: {@value}. */
  double INNER_CIRCLE_RADIUS = 0.375;

  /** The identity view. */
  View IDENTITY = of("identity", x -> x, x -> x);

  /** Upside down: a vertical flip, its own inverse. */
  View FLIP = of("flip", Tensor::flipVertical, Tensor::flipVertical);

  /** A quarter turn counter-clockwise. */
  View ROT90 = square("rot90", 1);

  /** A half turn. */
  View ROT180 = of("rot180", x -> x.rot90(2), x -> x.rot90(2));

  /** Three quarter turns counter-clockwise (one clockwise). */
  View ROT270 = square("rot270", 3);

  /** upstream's {@code rotate_cw}: a quarter turn clockwise, the same as {@link #ROT270}. */
  View ROTATE_CW = square("rotate_cw", 3);

  /** upstream's {@code rotate_ccw}: a quarter turn counter-clockwise, as {@link #ROT90}. */
  View ROTATE_CCW = square("rotate_ccw", 1);

  /** upstream's {@code rotate_180}: a half turn, the same as {@link #ROT180}. */
  View ROTATE_180 = of("rotate_180", x -> x.rot90(2), x -> x.rot90(2));

  /** Negation of channels 0-2 (or of every channel when there are fewer than 3). */
  View NEGATE = of("negate", View::negate, View::negate);

  /**
   * {@code SkewView(skew_factor)}: column {@code i} rolled down by {@code int(skew_factor * (i -
   * size / 2))} px, wrapping around. Works at every size.
   *
   * @param skewFactor the displacement per column, finite ({@link #SKEW_FACTOR} upstream)
   * @return the view
   */
  static View skew(double skewFactor) {
    if (!Double.isFinite(skewFactor)) {
      throw new IllegalArgumentException("skew_factor must be finite, but is: " + skewFactor);
    }
    return PermutationView.of(
        "skew",
        "skew(skew_factor=" + skewFactor + ")",
        size -> Permutations.skew(size, skewFactor));
  }

  /**
   * {@code PatchPermuteView(num_patches)} built right after {@code torch.manual_seed(seed)}: the
   * image cut into {@code numPatches x numPatches} patches of {@code size / numPatches} px,
   * shuffled by {@code torch.randperm(numPatches^2)}. Where the patch count does not divide the
   * size (8 patches of MNIST's 28 px) the grid is centred and the few pixels left over at the
   * border stay.
   *
   * @param numPatches patches per side, >= 1 ({@link #PATCH_COUNT} upstream); the image needs at
   *     least that many px
   * @param seed the seed of the shuffle
   * @return the view
   */
  static View patchPermute(int numPatches, long seed) {
    if (numPatches < 1) {
      throw new IllegalArgumentException("num_patches must be >= 1, but is: " + numPatches);
    }
    String spec = "patch_permute(num_patches=" + numPatches + ", seed=" + seed + ")";
    int[] perm = Permutations.torchRandperm(numPatches * numPatches, seed);
    return PermutationView.of(
        "patch_permute",
        spec,
        size -> {
          if (size < numPatches) {
            throw new IllegalArgumentException(
                spec
                    + " needs at least "
                    + numPatches
                    + " px (one per patch), but the size is "
                    + size);
          }
          return Permutations.patches(size, numPatches, perm);
        });
  }

  /**
   * {@code pixel_permute}, which upstream makes as {@code PatchPermuteView(64)}: a shuffle of
   * {@code numPatches x numPatches} cells, pixels at 64 px and 4x4 blocks at 256 px (so that stage
   * II moves the blocks that stage I's pixels became). At a size the cell count does not divide,
   * e.g. MNIST's 28 px, every pixel is a cell ({@code torch.randperm(size^2)}).
   *
   * @param numPatches cells per side, >= 1 ({@link #PIXEL_CELLS} upstream)
   * @param seed the seed of the shuffle ({@code torch.manual_seed})
   * @return the view
   */
  static View pixelPermute(int numPatches, long seed) {
    if (numPatches < 1) {
      throw new IllegalArgumentException("num_patches must be >= 1, but is: " + numPatches);
    }
    String spec = "pixel_permute(num_patches=" + numPatches + ", seed=" + seed + ")";
    return PermutationView.of(
        "pixel_permute",
        spec,
        size -> {
          int cells = size % numPatches == 0 ? numPatches : size;
          return Permutations.patches(size, cells, Permutations.torchRandperm(cells * cells, seed));
        });
  }

  /**
   * {@code JigsawView()}: a 4x4 jigsaw puzzle whose pieces turn and swap (upstream's seed 4522). At
   * 64 and 256 px the permutation is upstream's, from the pieces it ships; at other even sizes of
   * at least 8 px pieces of the same layout are drawn, with round tabs.
   *
   * @return the view
   */
  static View jigsaw() {
    return PermutationView.of("jigsaw", "jigsaw", Jigsaw::map);
  }

  /**
   * {@code InnerCircleView()}: the pixels inside a centred disc turned half a turn, the border
   * still.
   *
   * @param radius the disc's radius as a fraction of the size, in {@code (0, 1]} ({@link
   *     #INNER_CIRCLE_RADIUS} upstream: 24 px of 64, 96 of 256)
   * @return the view
   */
  static View innerCircle(double radius) {
    if (!(radius > 0 && radius <= 1)) {
      throw new IllegalArgumentException("radius must be in (0, 1], but is: " + radius);
    }
    return PermutationView.of(
        "inner_circle",
        "inner_circle(radius=" + radius + ")",
        size -> Permutations.innerCircle(size, radius * size));
  }

  /**
   * {@code SquareHingeView()}: a 3x3 grid of squares of {@code size / 3} px, each turned a quarter
   * turn, alternately clockwise and counter-clockwise; the {@code size mod 3} pixels left at the
   * right and bottom stay, as upstream's. Works at every size of at least 3 px.
   *
   * @return the view
   */
  static View squareHinge() {
    return PermutationView.of(
        "square_hinge",
        "square_hinge",
        size -> {
          if (size < 3) {
            throw new IllegalArgumentException(
                "square_hinge needs at least 3 px (a 3x3 grid), but the size is " + size);
          }
          return Permutations.squareHinge(size);
        });
  }

  private static View square(String name, int turns) {
    View turned = of(name, x -> x.rot90(turns), x -> x.rot90(-turns));
    return new View() {
      @Override
      public Tensor apply(Tensor x) {
        return turned.apply(x);
      }

      @Override
      public Tensor inverse(Tensor x) {
        return turned.inverse(x);
      }

      @Override
      public String name() {
        return name;
      }

      @Override
      public void check(int channels, int height, int width) {
        View.super.check(channels, height, width);
        if (height != width) {
          throw new IllegalArgumentException(
              name + " needs a square image, but the image is " + height + "x" + width + " px");
        }
      }

      @Override
      public String toString() {
        return "View[" + name + "]";
      }
    };
  }

  private static Tensor negate(Tensor x) {
    return x.negateChannels(0, Math.min(3, x.dim(1)));
  }

  /**
   * Returns a view from two functions.
   *
   * @param name the name
   * @param apply the forward transformation
   * @param inverse its inverse
   * @return the view
   */
  static View of(
      String name,
      java.util.function.UnaryOperator<Tensor> apply,
      java.util.function.UnaryOperator<Tensor> inverse) {
    return new View() {
      @Override
      public Tensor apply(Tensor x) {
        return apply.apply(x);
      }

      @Override
      public Tensor inverse(Tensor x) {
        return inverse.apply(x);
      }

      @Override
      public String name() {
        return name;
      }

      @Override
      public String toString() {
        return "View[" + name + "]";
      }
    };
  }

  /**
   * Wraps a view so that a broken implementation is refused naming it, instead of failing deep
   * inside the loop ({@code Geometry}, an NPE): {@code apply} and {@code inverse} must not return
   * null and must return their input's shape, or that shape with H and W swapped (a quarter turn of
   * a non-square image); a view that reshapes or drops part of the batch is refused. The built-in
   * views are returned as they are.
   *
   * @param view the view, e.g. one of a user's own
   * @return a view that checks every result of {@code view}
   * @throws IllegalArgumentException if the view or its name is null
   */
  static View checked(View view) {
    if (view == null) {
      throw new IllegalArgumentException("view must not be null");
    }
    for (View v : new View[] {IDENTITY, FLIP, ROT90, ROT180, ROT270, NEGATE}) {
      if (v == view) {
        return view;
      }
    }
    String name = view.name();
    if (name == null) {
      throw new IllegalArgumentException(
          "view must have a name, but " + view.getClass().getName() + ".name() returns null");
    }
    String label = "view '" + dev.diffusion4j.Messages.quote(name) + "'";
    return new View() {
      @Override
      public Tensor apply(Tensor x) {
        return check(view.apply(x), x, "apply");
      }

      @Override
      public Tensor inverse(Tensor x) {
        return check(view.inverse(x), x, "inverse");
      }

      @Override
      public void check(int channels, int height, int width) {
        view.check(channels, height, width);
      }

      private Tensor check(Tensor out, Tensor in, String method) {
        if (out == null) {
          throw new IllegalArgumentException(label + ": " + method + " returned null");
        }
        int[] o = out.shape();
        int[] i = in.shape();
        boolean same = java.util.Arrays.equals(o, i);
        boolean transposed =
            o.length == 4
                && i.length == 4
                && o[0] == i[0]
                && o[1] == i[1]
                && o[2] == i[3]
                && o[3] == i[2];
        if (!same && !transposed) {
          throw new IllegalArgumentException(
              label
                  + ": "
                  + method
                  + " must return its input's shape "
                  + java.util.Arrays.toString(i)
                  + " (or with H and W swapped), but returned shape "
                  + java.util.Arrays.toString(o));
        }
        return out;
      }

      @Override
      public String name() {
        return name;
      }

      @Override
      public String toString() {
        return "View[" + name + ", checked]";
      }
    };
  }

  /**
   * Returns a built-in view by name. Returns a view by its {@link ViewTable} spec: a name,
   * optionally with arguments ({@code "patch_permute:4"}).
   *
   * @param name one of {@link ViewTable#names(ViewTable.Kind)} for views, e.g. identity, flip,
   *     rot90, rot180, rot270, negate, skew, patch_permute, pixel_permute, jigsaw, inner_circle,
   *     square_hinge
   * @return the view
   * @throws IllegalArgumentException listing the valid names
   */
  static View named(String name) {
    return ViewTable.view(name);
  }
}
