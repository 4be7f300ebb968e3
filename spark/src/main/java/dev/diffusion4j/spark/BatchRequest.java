package dev.diffusion4j.spark;

import dev.diffusion4j.Condition;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Pipeline;
import dev.diffusion4j.Sampler;
import dev.diffusion4j.SamplerSettings;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import dev.diffusion4j.view.ViewTable;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * One row of the request table, read and checked: which images to make, and how many. Every column
 * but {@code id} and {@code seed} is optional.
 *
 * <table>
 *   <caption>The request table</caption>
 *   <tr><th>column</th><th>what</th><th>default</th></tr>
 *   <tr><td>{@code id}</td><td>request id, a path segment: letters, digits, {@code . _ -}, at most
 *       128</td><td>required</td></tr>
 *   <tr><td>{@code technique}</td><td>{@code sample}, {@code anagram}, {@code hybrid} or
 *       {@code sdedit}</td><td>{@code sample}</td></tr>
 *   <tr><td>{@code label} or {@code prompt}</td><td>the condition (a digit for MNIST, a prompt for
 *       IF); one of the two</td><td>required</td></tr>
 *   <tr><td>{@code other_label} or {@code other_prompt}</td><td>the condition seen through the view
 *       of an anagram, or the high frequencies of a hybrid</td><td>required for those</td></tr>
 *   <tr><td>{@code view}</td><td>the anagram's view, one of {@link #VIEWS} ({@link ViewTable}:
 *       {@code flip}, {@code rot180}, {@code negate}, {@code skew}, {@code patch_permute},
 *       {@code jigsaw}, ...), with optional arguments ({@code patch_permute:4})</td><td>{@code
 *       flip}</td></tr>
 *   <tr><td>{@code negative_prompt}</td><td>IF's negative prompt: the unconditional pass of
 *       guidance (diffusers' {@code negative_prompt}); with {@code prompt} only</td><td>{@code ""}
 *       </td></tr>
 *   <tr><td>{@code guidance}</td><td>classifier-free guidance scale</td><td>the model's</td></tr>
 *   <tr><td>{@code steps}</td><td>number of denoising steps</td><td>the model's</td></tr>
 *   <tr><td>{@code sampler}</td><td>the sampler, one of {@link #SAMPLERS} ({@link
 *       Sampler#cliNames()}: {@code ddpm}, {@code ddim}, {@code dpm++}, {@code unipc}, {@code
 *       euler-a}, {@code lms}), optionally with its scheduler's options after a colon, as {@link
 *       SamplerSettings#parse(String)} reads them ({@code dpm++:solver_order=3,use_karras_sigmas=true};
 *       quote the cell in CSV); {@code steps} is its number of UNet passes; another name, an
 *       unknown option or one the sampler has not is refused into the error table</td><td>{@code
 *       ddpm}</td></tr>
 *   <tr><td>{@code seed}</td><td>the request's seed; image {@code i} uses {@link
 *       ImageSeeds#of(long, long) ImageSeeds.of(seed, i)}</td><td>required</td></tr>
 *   <tr><td>{@code count}</td><td>number of images</td><td>1</td></tr>
 *   <tr><td>{@code image}, {@code start}</td><td>SDEdit: the start image (a PNG or JPEG path any
 *       executor can read, on any Hadoop file system) and the index into the timesteps where the
 *       run starts</td><td>required for {@code sdedit}</td></tr>
 * </table>
 *
 * <p>Values may be strings (CSV) or numbers (JSON, Parquet); an empty string is a missing value.
 * Immutable and thread-safe.
 */
public final class BatchRequest implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The columns a request table may have; any other column is refused. */
  public static final List<String> COLUMNS =
      List.of(
          "id",
          "technique",
          "label",
          "prompt",
          "other_label",
          "other_prompt",
          "negative_prompt",
          "view",
          "guidance",
          "steps",
          "sampler",
          "seed",
          "count",
          "image",
          "start");

  /** The samplers a request may name: the short names of {@link Sampler}'s table. */
  public static final List<String> SAMPLERS = Sampler.cliNames();

  /** The techniques a request may name. */
  public static final List<String> TECHNIQUES = List.of("sample", "anagram", "hybrid", "sdedit");

  /**
   * The views an anagram may name: every view of the {@link ViewTable}, the API's and the CLI's
   * names; a cell may add arguments after a colon ({@code patch_permute:4}).
   */
  public static final List<String> VIEWS = ViewTable.names(ViewTable.Kind.VIEW);

  /**
   * The most images one request may ask for: {@value}. Split a larger order into several requests
   * (each has its own id and folder).
   */
  public static final int MAX_COUNT = 10_000;

  /** The default number of images of a request. */
  public static final int DEFAULT_COUNT = 1;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final String id;
  private final String technique;
  private final Integer label;
  private final String prompt;
  private final Integer otherLabel;
  private final String otherPrompt;
  private final String negativePrompt;
  private final String view;
  private final Double guidance;
  private final Integer steps;
  private final String sampler;
  private final long seed;
  private final int count;
  private final String image;
  private final Integer start;

  private BatchRequest(Row row) {
    this.id = text(row, "id");
    if (id == null) {
      throw new IllegalArgumentException("id is required");
    }
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "id must be 1-128 letters, digits, '.', '_' or '-' (it names the images' folder), "
              + "starting with a letter or digit, but is: '"
              + id
              + "'");
    }
    String t = text(row, "technique");
    this.technique = t == null ? "sample" : t.toLowerCase(Locale.ROOT);
    oneOf("technique", technique, TECHNIQUES);
    this.label = integer(row, "label");
    this.prompt = text(row, "prompt");
    if ((label == null) == (prompt == null)) {
      throw new IllegalArgumentException(
          "exactly one of label and prompt is required, but got label "
              + label
              + " and prompt "
              + quoted(prompt));
    }
    this.negativePrompt = text(row, "negative_prompt");
    if (negativePrompt != null && prompt == null) {
      throw new IllegalArgumentException(
          "negative_prompt is for prompts (IF), but got label "
              + label
              + " and negative_prompt "
              + quoted(negativePrompt));
    }
    this.otherLabel = integer(row, "other_label");
    this.otherPrompt = text(row, "other_prompt");
    boolean needsOther = technique.equals("anagram") || technique.equals("hybrid");
    if (needsOther && (otherLabel == null) == (otherPrompt == null)) {
      throw new IllegalArgumentException(
          "exactly one of other_label and other_prompt is required for "
              + technique
              + ", but got other_label "
              + otherLabel
              + " and other_prompt "
              + quoted(otherPrompt));
    }
    if (!needsOther && (otherLabel != null || otherPrompt != null)) {
      throw new IllegalArgumentException(
          "other_label and other_prompt are for anagram and hybrid, but technique is: "
              + technique);
    }
    String v = text(row, "view");
    if (v != null && !technique.equals("anagram")) {
      throw new IllegalArgumentException(
          "view is for anagram, but technique is: " + technique + " (view: " + v + ")");
    }
    this.view =
        v == null ? (technique.equals("anagram") ? "flip" : null) : v.toLowerCase(Locale.ROOT);
    if (view != null) {
      int colon = view.indexOf(':');
      oneOf("view", colon < 0 ? view : view.substring(0, colon).trim(), VIEWS);
      try {
        ViewTable.view(view); // its arguments
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("view '" + view + "': " + e.getMessage(), e);
      }
    }
    this.guidance = real(row, "guidance");
    this.steps = integer(row, "steps");
    String named = text(row, "sampler");
    if (named == null) {
      this.sampler = null;
    } else {
      int colon = named.indexOf(':');
      String name = (colon < 0 ? named : named.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
      oneOf("sampler", name, SAMPLERS);
      String spec = colon < 0 ? name : name + named.substring(colon);
      this.sampler = SamplerSettings.parse(spec).spec(); // its message names the option
    }
    Long s = longInteger(row, "seed");
    if (s == null) {
      throw new IllegalArgumentException(
          "seed is required: without one a request would not give the same images twice");
    }
    this.seed = s;
    Integer c = integer(row, "count");
    this.count = c == null ? DEFAULT_COUNT : c;
    if (count < 1 || count > MAX_COUNT) {
      throw new IllegalArgumentException(
          "count must be in [1, " + MAX_COUNT + "] (BatchRequest.MAX_COUNT), but is: " + count);
    }
    this.image = text(row, "image");
    this.start = integer(row, "start");
    boolean sdedit = technique.equals("sdedit");
    if (sdedit && (image == null || start == null)) {
      throw new IllegalArgumentException(
          "sdedit needs image and start, but got image " + quoted(image) + " and start " + start);
    }
    if (!sdedit && (image != null || start != null)) {
      throw new IllegalArgumentException(
          "image and start are for sdedit, but technique is: " + quoted(technique));
    }
  }

  /**
   * Reads a request from a row of the request table. Checks what can be checked without the model;
   * {@link #pipeline(Diffusion, Tensor)} checks the rest (a digit the model has, a prompt it knows,
   * steps within its schedule).
   *
   * @param row a row whose schema holds only {@link #COLUMNS}
   * @return the request
   * @throws IllegalArgumentException naming the column and the value that is wrong
   */
  public static BatchRequest of(Row row) {
    return new BatchRequest(row);
  }

  /**
   * Checks the columns of a request table.
   *
   * @param schema the table's schema
   * @throws IllegalArgumentException naming the unknown columns and listing the known ones
   */
  public static void checkColumns(StructType schema) {
    List<String> unknown = new ArrayList<>();
    for (String name : schema.fieldNames()) {
      if (!COLUMNS.contains(name) && !name.equals(BatchJob.CORRUPT_RECORD)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "the request table has unknown columns " + unknown + "; the columns are: " + COLUMNS);
    }
    if (!List.of(schema.fieldNames()).contains("id")) {
      throw new IllegalArgumentException(
          "the request table has no id column: " + schema.simpleString());
    }
  }

  /**
   * Starts a pipeline for this request's images: every setting of the request but the seed and the
   * number of samples, which the caller sets per image ({@code .samples(1).seed(...)}).
   *
   * @param diffusion the model
   * @param startImage the start image of an SDEdit request, read from {@link #image()}; {@code
   *     null} for the other techniques
   * @return the builder
   * @throws IllegalArgumentException if the model refuses a setting (a digit it does not have, a
   *     prompt it does not know, too many steps)
   */
  public Pipeline pipeline(Diffusion diffusion, Tensor startImage) {
    Pipeline p =
        label != null ? diffusion.pipeline().label(label) : diffusion.pipeline().prompt(prompt);
    if (negativePrompt != null) {
      p.negativePrompt(negativePrompt);
    }
    if (guidance != null) {
      p.guidance(guidance);
    }
    if (sampler != null) {
      p.sampler(SamplerSettings.parse(sampler));
    }
    if (steps != null) {
      p.steps(steps);
    }
    Condition other =
        otherLabel != null
            ? Condition.label(otherLabel)
            : otherPrompt != null ? Condition.prompt(otherPrompt) : null;
    switch (technique) {
      case "anagram" -> p.anagram(other, View.named(view));
      case "hybrid" -> p.hybrid(other);
      case "sdedit" -> {
        if (startImage == null) {
          throw new IllegalArgumentException("sdedit needs its start image: " + image);
        }
        p.image(startImage, start);
      }
      default -> {}
    }
    return p;
  }

  /**
   * Returns the negative prompt.
   *
   * @return the {@code negative_prompt} column, or {@code null} for the default ({@code ""})
   */
  public String negativePrompt() {
    return negativePrompt;
  }

  /**
   * Returns the request id.
   *
   * @return the id, a valid path segment
   */
  public String id() {
    return id;
  }

  /**
   * Returns the technique.
   *
   * @return one of {@link #TECHNIQUES}
   */
  public String technique() {
    return technique;
  }

  /**
   * Returns the request's seed.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * Returns the number of images.
   *
   * @return at least 1
   */
  public int count() {
    return count;
  }

  /**
   * Returns the start image of an SDEdit request.
   *
   * @return a path or URI, or {@code null}
   */
  public String image() {
    return image;
  }

  @Override
  public String toString() {
    return "BatchRequest[" + id + ", " + technique + ", seed " + seed + ", count " + count + "]";
  }

  // ------------------------------------------------------------------ reading values

  private static Object value(Row row, String column) {
    int i;
    try {
      i = row.fieldIndex(column);
    } catch (IllegalArgumentException absent) {
      return null;
    }
    Object v = row.get(i);
    if (v instanceof String s && s.isBlank()) {
      return null;
    }
    return v;
  }

  private static String text(Row row, String column) {
    Object v = value(row, column);
    return v == null ? null : v.toString().trim();
  }

  private static Long longInteger(Row row, String column) {
    Object v = value(row, column);
    if (v == null) {
      return null;
    }
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
        return (long) d;
      }
    } else {
      try {
        return Long.parseLong(v.toString().trim());
      } catch (NumberFormatException e) {
        // the message below
      }
    }
    throw new IllegalArgumentException(column + " must be an integer, but is: '" + v + "'");
  }

  private static Integer integer(Row row, String column) {
    Long v = longInteger(row, column);
    if (v == null) {
      return null;
    }
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(column + " is out of range, it is: " + v);
    }
    return v.intValue();
  }

  private static Double real(Row row, String column) {
    Object v = value(row, column);
    if (v == null) {
      return null;
    }
    double d;
    if (v instanceof Number n) {
      d = n.doubleValue();
    } else {
      try {
        d = Double.parseDouble(v.toString().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(column + " must be a number, but is: '" + v + "'");
      }
    }
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException(column + " must be finite, but is: " + d);
    }
    return d;
  }

  private static void oneOf(String column, String value, List<String> valid) {
    if (!valid.contains(value)) {
      throw new IllegalArgumentException(
          column + " must be one of " + valid + ", but is: '" + value + "'");
    }
  }

  private static String quoted(String s) {
    return s == null ? "null" : "'" + dev.diffusion4j.Messages.quote(s) + "'";
  }
}
