package dev.diffusion4j.view;

import dev.diffusion4j.tensor.Tensor;

/**
 * A transformation of an image under which an illusion is read, with its inverse; used by visual
 * anagrams (Geng et al. 2024). Every view here is orthogonal, so it keeps Gaussian noise Gaussian.
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
   * Returns a short name ("identity", "flip", "rot90", ...).
   *
   * @return the name
   */
  String name();

  /** The identity view. */
  View IDENTITY = of("identity", x -> x, x -> x);

  /** Upside down: a vertical flip, its own inverse. */
  View FLIP = of("flip", Tensor::flipVertical, Tensor::flipVertical);

  /** A quarter turn counter-clockwise. */
  View ROT90 = of("rot90", x -> x.rot90(1), x -> x.rot90(-1));

  /** A half turn. */
  View ROT180 = of("rot180", x -> x.rot90(2), x -> x.rot90(2));

  /** Three quarter turns counter-clockwise (one clockwise). */
  View ROT270 = of("rot270", x -> x.rot90(3), x -> x.rot90(-3));

  /** Negation of channels 0-2 (or of every channel when there are fewer than 3). */
  View NEGATE = of("negate", View::negate, View::negate);

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
   * Returns a built-in view by name.
   *
   * @param name one of identity, flip, rot90, rot180, rot270, negate
   * @return the view
   * @throws IllegalArgumentException listing the valid names
   */
  static View named(String name) {
    for (View v : new View[] {IDENTITY, FLIP, ROT90, ROT180, ROT270, NEGATE}) {
      if (v.name().equals(name)) {
        return v;
      }
    }
    throw new IllegalArgumentException(
        "view must be one of [identity, flip, rot90, rot180, rot270, negate], but is: "
            + dev.diffusion4j.Messages.quote(name));
  }
}
