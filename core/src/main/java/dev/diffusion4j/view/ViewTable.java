package dev.diffusion4j.view;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every view and factorization component by name, with its arguments and their defaults: the one
 * table that the API, the command line and the Spark job read, so that they take the same names and
 * list the same choices. Names are visual_anagrams' ({@code views/__init__.py}, {@code VIEW_MAP}),
 * besides the library's older rot90, rot180 and rot270; argument names are upstream's constructor
 * arguments, the first one being the one its {@code --view_args} sets.
 *
 * <p>A spec is a name, optionally followed by a colon and comma-separated arguments, positional or
 * by name:
 *
 * <pre>{@code
 * View v = ViewTable.view("patch_permute:4");                  // num_patches = 4, seed = 0
 * View s = ViewTable.view("skew:skew_factor=2");
 * Component c = ViewTable.component("low_pass:sigma=3");
 * ViewTable.entry("jigsaw").parameters();                      // []
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class ViewTable {

  /** What an entry makes. */
  public enum Kind {
    /** A {@link View} of a visual anagram (reduction "mean"). */
    VIEW,
    /** A {@link Component} of a factorization (reduction "sum"). */
    COMPONENT
  }

  /**
   * One argument of an entry.
   *
   * @param name upstream's argument name, e.g. "num_patches"
   * @param defaultValue the value when none is given
   * @param integer whether only whole numbers are accepted
   * @param description what it sets, in a few words
   */
  public record Parameter(String name, double defaultValue, boolean integer, String description) {}

  /** One row of the table: a name, what it makes, its arguments and how to make it. */
  public static final class Entry {
    private final String name;
    private final Kind kind;
    private final List<Parameter> parameters;
    private final String description;
    private final Function<double[], Object> factory;

    private Entry(
        String name,
        Kind kind,
        String description,
        Function<double[], Object> factory,
        Parameter... parameters) {
      this.name = name;
      this.kind = kind;
      this.description = description;
      this.factory = factory;
      this.parameters = List.of(parameters);
    }

    /**
     * Returns the name.
     *
     * @return e.g. "patch_permute"
     */
    public String name() {
      return name;
    }

    /**
     * Returns what the entry makes.
     *
     * @return view or component
     */
    public Kind kind() {
      return kind;
    }

    /**
     * Returns the arguments, in positional order.
     *
     * @return an unmodifiable list, empty for views without arguments
     */
    public List<Parameter> parameters() {
      return parameters;
    }

    /**
     * Returns a one-line description.
     *
     * @return the description
     */
    public String description() {
      return description;
    }

    /**
     * Returns the entry's usage, e.g. {@code patch_permute[:num_patches=8,seed=0]}.
     *
     * @return the usage
     */
    public String usage() {
      if (parameters.isEmpty()) {
        return name;
      }
      StringBuilder b = new StringBuilder(name).append("[:");
      for (int i = 0; i < parameters.size(); i++) {
        Parameter p = parameters.get(i);
        b.append(i == 0 ? "" : ",").append(p.name()).append('=').append(format(p));
      }
      return b.append(']').toString();
    }

    /**
     * Makes the view or component from positional arguments; missing trailing ones take their
     * defaults.
     *
     * @param args at most {@code parameters().size()} values
     * @return a {@link View} or a {@link Component}, as {@link #kind()} says
     * @throws IllegalArgumentException if there are too many arguments or one is out of range
     */
    public Object create(double... args) {
      double[] a = args == null ? new double[0] : args;
      if (a.length > parameters.size()) {
        throw new IllegalArgumentException(
            name
                + " takes "
                + parameters.size()
                + " argument"
                + (parameters.size() == 1 ? "" : "s")
                + " "
                + parameterNames()
                + ", but got "
                + a.length
                + ": "
                + Arrays.toString(a));
      }
      double[] full = new double[parameters.size()];
      for (int i = 0; i < full.length; i++) {
        Parameter p = parameters.get(i);
        full[i] = i < a.length ? a[i] : p.defaultValue();
        if (!Double.isFinite(full[i]) || (p.integer() && full[i] != Math.rint(full[i]))) {
          throw new IllegalArgumentException(
              name
                  + ": "
                  + p.name()
                  + " must be "
                  + (p.integer() ? "a whole number" : "finite")
                  + ", but is: "
                  + full[i]);
        }
      }
      return factory.apply(full);
    }

    private List<String> parameterNames() {
      List<String> names = new ArrayList<>();
      for (Parameter p : parameters) {
        names.add(p.name());
      }
      return names;
    }

    private Object create(String args) {
      if (args.isBlank()) {
        return create();
      }
      double[] values = new double[parameters.size()];
      boolean[] given = new boolean[parameters.size()];
      String[] parts = args.split(",", -1);
      int positional = 0;
      int last = -1;
      for (String raw : parts) {
        String part = raw.trim();
        int eq = part.indexOf('=');
        int index;
        String value;
        if (eq >= 0) {
          String key = part.substring(0, eq).trim();
          index = parameterNames().indexOf(key);
          if (index < 0) {
            throw new IllegalArgumentException(
                name + " has no argument '" + key + "'; it takes " + parameterNames());
          }
          value = part.substring(eq + 1).trim();
        } else {
          index = positional++;
          if (index >= parameters.size()) {
            throw new IllegalArgumentException(
                name + " takes " + parameterNames() + ", but got: '" + args + "'");
          }
          value = part;
        }
        if (given[index]) {
          throw new IllegalArgumentException(
              name + ": " + parameters.get(index).name() + " is given twice in '" + args + "'");
        }
        try {
          values[index] = Double.parseDouble(value);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              name
                  + ": "
                  + parameters.get(index).name()
                  + " must be a number, but is: '"
                  + dev.diffusion4j.Messages.quote(value)
                  + "'");
        }
        given[index] = true;
        last = Math.max(last, index);
      }
      double[] a = new double[last + 1];
      for (int i = 0; i <= last; i++) {
        a[i] = given[i] ? values[i] : parameters.get(i).defaultValue();
      }
      return create(a);
    }

    @Override
    public String toString() {
      return usage();
    }
  }

  private static final Map<String, Entry> TABLE = new LinkedHashMap<>();

  static {
    view("identity", "the image as it is", a -> View.IDENTITY);
    view("flip", "upside down (a vertical flip)", a -> View.FLIP);
    view("rot90", "a quarter turn counter-clockwise", a -> View.ROT90);
    view("rot180", "a half turn", a -> View.ROT180);
    view("rot270", "a quarter turn clockwise", a -> View.ROT270);
    view("rotate_cw", "upstream's name: a quarter turn clockwise", a -> View.ROTATE_CW);
    view("rotate_ccw", "upstream's name: a quarter turn counter-clockwise", a -> View.ROTATE_CCW);
    view("rotate_180", "upstream's name: a half turn", a -> View.ROTATE_180);
    view("negate", "negation of the colour channels", a -> View.NEGATE);
    view(
        "skew",
        "each column rolled by a displacement growing across the image",
        a -> View.skew(a[0]),
        new Parameter("skew_factor", View.SKEW_FACTOR, false, "displacement per column"));
    view(
        "patch_permute",
        "a shuffle of square patches",
        a -> View.patchPermute((int) a[0], (long) a[1]),
        new Parameter("num_patches", View.PATCH_COUNT, true, "patches per side"),
        new Parameter("seed", 0, true, "torch.manual_seed before torch.randperm"));
    view(
        "pixel_permute",
        "a shuffle of pixels (of blocks at sizes that the cell count divides)",
        a -> View.pixelPermute((int) a[0], (long) a[1]),
        new Parameter("num_patches", View.PIXEL_CELLS, true, "cells per side"),
        new Parameter("seed", 0, true, "torch.manual_seed before torch.randperm"));
    view("jigsaw", "a 4x4 jigsaw puzzle reassembled", a -> View.jigsaw());
    view(
        "inner_circle",
        "a disc in the middle turned half a turn",
        a -> View.innerCircle(a[0]),
        new Parameter("radius", View.INNER_CIRCLE_RADIUS, false, "the disc's radius / size"));
    view(
        "square_hinge",
        "a 3x3 grid of squares each turned a quarter turn",
        a -> View.squareHinge());

    Parameter sigma = new Parameter("sigma", Component.HYBRID_SIGMA, false, "blur sigma at 64 px");
    Parameter kernel =
        new Parameter("kernel_size", Component.HYBRID_KERNEL_SIZE, true, "blur kernel at 64 px");
    component(
        "low_pass",
        "the low frequencies (Gaussian blur)",
        a -> Component.lowPass(a[0], (int) a[1]),
        sigma,
        kernel);
    component(
        "high_pass",
        "the high frequencies (x - blur(x))",
        a -> Component.highPass(a[0], (int) a[1]),
        sigma,
        kernel);
    String[] bands = {"triple_low_pass", "triple_medium_pass", "triple_high_pass"};
    String[] bandNames = {"low", "medium", "high"};
    for (int b = 0; b < 3; b++) {
      int band = b;
      component(
          bands[b],
          "the " + bandNames[b] + " band of a triple hybrid",
          a -> Component.tripleBand(band, a[0], a[1], (int) a[2]),
          new Parameter("sigma_1", Component.TRIPLE_SIGMA_1, false, "first blur sigma at 64 px"),
          new Parameter("sigma_2", Component.TRIPLE_SIGMA_2, false, "second blur sigma at 64 px"),
          new Parameter("kernel_size", Component.TRIPLE_KERNEL_SIZE, true, "blur kernel at 64 px"));
    }
    component("grayscale", "the mean of the colour channels", a -> Component.grayscale());
    component("color", "x - grayscale(x)", a -> Component.color());
    Parameter motion =
        new Parameter("size", Component.MOTION_SIZE, true, "motion blur kernel at 64 px");
    component("motion", "a diagonal motion blur", a -> Component.motion((int) a[0]), motion);
    component("motion_res", "x - motion(x)", a -> Component.motionRes((int) a[0]), motion);
    component(
        "scale",
        "a multiple of the estimate",
        a -> Component.scale(a[0]),
        new Parameter("scale", Component.SCALE, false, "the factor"));
  }

  private ViewTable() {}

  private static void view(
      String name, String description, Function<double[], Object> f, Parameter... p) {
    TABLE.put(name, new Entry(name, Kind.VIEW, description, f, p));
  }

  private static void component(
      String name, String description, Function<double[], Object> f, Parameter... p) {
    TABLE.put(name, new Entry(name, Kind.COMPONENT, description, f, p));
  }

  private static String format(Parameter p) {
    double v = p.defaultValue();
    return p.integer() ? Long.toString((long) v) : Double.toString(v);
  }

  /**
   * Returns every entry, views first, in a fixed order.
   *
   * @return an unmodifiable list
   */
  public static List<Entry> entries() {
    return List.copyOf(TABLE.values());
  }

  /**
   * Returns the names of one kind, in table order.
   *
   * @param kind views or components
   * @return the names
   */
  public static List<String> names(Kind kind) {
    List<String> names = new ArrayList<>();
    for (Entry e : TABLE.values()) {
      if (e.kind() == kind) {
        names.add(e.name());
      }
    }
    return List.copyOf(names);
  }

  /**
   * Returns the entry of a name.
   *
   * @param name e.g. "jigsaw"
   * @return the entry
   * @throws IllegalArgumentException listing every name
   */
  public static Entry entry(String name) {
    Entry e = name == null ? null : TABLE.get(name);
    if (e == null) {
      throw new IllegalArgumentException(
          "view or component must be one of "
              + TABLE.keySet()
              + ", but is: "
              + dev.diffusion4j.Messages.quote(name));
    }
    return e;
  }

  /**
   * Makes the view of a spec, e.g. {@code "flip"}, {@code "patch_permute:4"} or {@code
   * "skew:skew_factor=2"}.
   *
   * @param spec the name and optional arguments
   * @return the view
   * @throws IllegalArgumentException for an unknown name (listing the views) or bad arguments
   */
  public static View view(String spec) {
    return (View) make(spec, Kind.VIEW);
  }

  /**
   * Makes the factorization component of a spec, e.g. {@code "low_pass:3"}.
   *
   * @param spec the name and optional arguments
   * @return the component
   * @throws IllegalArgumentException for an unknown name (listing the components) or bad arguments
   */
  public static Component component(String spec) {
    return (Component) make(spec, Kind.COMPONENT);
  }

  private static Object make(String spec, Kind kind) {
    String s = spec == null ? "" : spec.trim();
    int colon = s.indexOf(':');
    String name = colon < 0 ? s : s.substring(0, colon).trim();
    Entry e = TABLE.get(name);
    if (e == null || e.kind() != kind) {
      String what = kind == Kind.VIEW ? "view" : "component";
      throw new IllegalArgumentException(
          what
              + " must be one of "
              + names(kind)
              + (e == null ? "" : " ('" + name + "' is a " + e.kind().name().toLowerCase() + ")")
              + ", but is: "
              + dev.diffusion4j.Messages.quote(spec));
    }
    return e.create(colon < 0 ? "" : s.substring(colon + 1));
  }
}
