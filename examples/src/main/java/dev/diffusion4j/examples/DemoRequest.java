package dev.diffusion4j.examples;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.diffusion4j.Condition;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Messages;
import dev.diffusion4j.Pipeline;
import dev.diffusion4j.Sampler;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.view.ViewTable;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One run asked for by the demo page ({@code POST /api/run}): a JSON object of settings, each
 * checked against the server's limits before anything is queued. A field out of its limits, of the
 * wrong type, missing where the technique needs it, or unknown is refused with a {@link BadField}
 * naming it. Nothing in a request names a file or a model: the model is chosen by a fixed name
 * ({@code mnist}, or {@code if} when the server was started with IF models) and uploaded images
 * travel as PNG data in the request itself.
 */
final class DemoRequest {

  /** The most UNet passes a run may ask for. */
  static final int MAX_STEPS = 300;

  /** The most samples a run may ask for. */
  static final int MAX_SAMPLES = 4;

  /** The largest guidance scale a run may ask for. */
  static final double MAX_GUIDANCE = 20;

  /** The largest width or height of an uploaded image (the page sends 280 x 280). */
  static final int MAX_IMAGE_SIDE = 1024;

  /** The longest prompt, in characters. */
  static final int MAX_PROMPT_CHARS = 500;

  /** The techniques, by the names the page sends. */
  static final List<String> TECHNIQUES =
      List.of("sample", "sdedit", "inpaint", "anagram", "hybrid");

  private static final Set<String> FIELDS =
      Set.of(
          "model",
          "technique",
          "digit",
          "digit2",
          "guidance",
          "strength",
          "view",
          "sampler",
          "steps",
          "seed",
          "samples",
          "image",
          "mask",
          "prompt",
          "negativePrompt");

  /** A field of a request that is refused: a 400 that names it. */
  static final class BadField extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    BadField(String field, String message) {
      super(message);
      this.field = field;
    }

    String field() {
      return field;
    }
  }

  final String model;
  final String technique;
  final int digit;
  final int digit2;
  final Double guidance;
  final double strength;
  final String view;
  final Sampler sampler;
  final int steps;
  final long seed;
  final int samples;
  final BufferedImage image;
  final BufferedImage mask;
  final String prompt;
  final String negativePrompt;

  private DemoRequest(JsonObject o, boolean ifModels) {
    for (String key : o.keySet()) {
      if (!FIELDS.contains(key)) {
        throw new BadField(
            key,
            "unknown field '"
                + Messages.quote(key)
                + "'; the fields are "
                + new java.util.TreeSet<>(FIELDS));
      }
    }
    model = string(o, "model", "mnist", 10);
    if (!model.equals("mnist") && !(ifModels && model.equals("if"))) {
      throw new BadField(
          "model",
          "model must be one of "
              + (ifModels ? List.of("mnist", "if") : List.of("mnist"))
              + ", but is: '"
              + Messages.quote(model)
              + "'"
              + (model.equals("if") ? " (the server was started without --if-models)" : ""));
    }
    boolean mnist = model.equals("mnist");
    technique = string(o, "technique", "sample", 20);
    List<String> offered = mnist ? TECHNIQUES : List.of("sample");
    if (!offered.contains(technique)) {
      throw new BadField(
          "technique",
          "technique must be one of "
              + offered
              + (mnist ? "" : " for IF")
              + ", but is: '"
              + Messages.quote(technique)
              + "'");
    }
    boolean pair = technique.equals("anagram") || technique.equals("hybrid");
    digit = mnist ? (int) number(o, "digit", null, 0, 9, true) : 0;
    digit2 = mnist && pair ? (int) number(o, "digit2", null, 0, 9, true) : -1;
    guidance =
        o.has("guidance")
            ? Double.valueOf(number(o, "guidance", null, 0, MAX_GUIDANCE, false))
            : null;
    strength = technique.equals("sdedit") ? number(o, "strength", 0.6, 0.01, 1, false) : Double.NaN;
    if (technique.equals("anagram")) {
      view = string(o, "view", null, 40);
      List<String> views = ViewTable.names(ViewTable.Kind.VIEW);
      if (!views.contains(view)) {
        throw new BadField(
            "view", "view must be one of " + views + ", but is: '" + Messages.quote(view) + "'");
      }
    } else {
      view = null;
    }
    try {
      sampler = Sampler.fromName(string(o, "sampler", "ddpm", 20));
    } catch (IllegalArgumentException e) {
      throw new BadField("sampler", e.getMessage());
    }
    steps = (int) number(o, "steps", 50.0, 1, MAX_STEPS, true);
    seed = (long) number(o, "seed", 180.0, 0, 1e15, true);
    samples = (int) number(o, "samples", 1.0, 1, MAX_SAMPLES, true);
    boolean needsImage = technique.equals("sdedit") || technique.equals("inpaint");
    image = needsImage ? png(o, "image") : null;
    mask = technique.equals("inpaint") ? png(o, "mask") : null;
    if (!needsImage && o.has("image")) {
      throw new BadField("image", "image is for sdedit and inpaint, not for " + technique);
    }
    prompt = mnist ? null : string(o, "prompt", null, MAX_PROMPT_CHARS);
    negativePrompt = mnist ? null : string(o, "negativePrompt", "", MAX_PROMPT_CHARS);
    if (mnist && (o.has("prompt") || o.has("negativePrompt"))) {
      throw new BadField(
          o.has("prompt") ? "prompt" : "negativePrompt",
          "prompts are for the IF model (model = if); the MNIST model takes digits");
    }
  }

  /**
   * Reads and checks a request body.
   *
   * @param body the JSON text
   * @param ifModels whether the server has IF models
   * @return the request
   * @throws BadField for any field out of its limits, naming it
   */
  static DemoRequest parse(String body, boolean ifModels) {
    JsonElement e;
    try {
      e = JsonParser.parseString(body);
    } catch (JsonParseException ex) {
      throw new BadField(
          "body", "the request body must be a JSON object, but does not parse: " + ex.getMessage());
    }
    if (!e.isJsonObject()) {
      throw new BadField("body", "the request body must be a JSON object, but is: " + e);
    }
    return new DemoRequest(e.getAsJsonObject(), ifModels);
  }

  /**
   * Makes the pipeline of this request on a model: every setting is set, so that a bad combination
   * is refused (as a {@link BadField}) before the run is queued.
   *
   * @param diffusion the model of {@link #model}
   * @return the pipeline, built once
   */
  Pipeline pipeline(Diffusion diffusion) {
    Pipeline p = diffusion.pipeline().sampler(sampler).steps(steps).seed(seed).samples(samples);
    try {
      if (!model.equals("mnist")) {
        p.prompt(prompt);
        if (!negativePrompt.isEmpty()) {
          p.negativePrompt(negativePrompt);
        }
      } else {
        p.label(digit);
      }
      if (guidance != null) {
        p.guidance(guidance);
      }
      int[] shape = diffusion.denoiser().sampleShape();
      switch (technique) {
        case "sdedit" -> p.image(image).strength(strength);
        case "inpaint" -> p.image(image).mask(Mask.fromImage(mask, shape[1], shape[2]));
        case "anagram" -> p.anagram(Condition.label(digit2), ViewTable.view(view));
        case "hybrid" -> p.hybrid(Condition.label(digit2));
        default -> {}
      }
      p.build();
    } catch (BadField e) {
      throw e;
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new BadField(fieldOf(e.getMessage()), e.getMessage());
    }
    return p;
  }

  /** The field a message of the library is about, from its first word (e.g. "strength must"). */
  private static String fieldOf(String message) {
    String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
    for (String f : FIELDS) {
      if (m.startsWith(f.toLowerCase(Locale.ROOT) + " ")) {
        return f;
      }
    }
    return m.contains("mask") ? "mask" : m.contains("image") ? "image" : "technique";
  }

  private static String string(JsonObject o, String field, String fallback, int maxChars) {
    JsonElement e = o.get(field);
    if (e == null || e.isJsonNull()) {
      if (fallback == null) {
        throw new BadField(field, field + " is missing");
      }
      return fallback;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new BadField(field, field + " must be a string, but is: " + Messages.quote(e));
    }
    String s = e.getAsString();
    if (s.length() > maxChars) {
      throw new BadField(
          field, field + " must be at most " + maxChars + " characters, but has " + s.length());
    }
    return s;
  }

  /**
   * A number within [min, max] (an integer where asked), given as a JSON number or a numeric string
   * ("NaN" included, so that it is refused by name).
   */
  private static double number(
      JsonObject o, String field, Double fallback, double min, double max, boolean integer) {
    JsonElement e = o.get(field);
    if (e == null || e.isJsonNull()) {
      if (fallback == null) {
        throw new BadField(field, field + " is missing");
      }
      return fallback;
    }
    double v;
    try {
      JsonPrimitive p = e.getAsJsonPrimitive();
      v = p.isNumber() ? p.getAsDouble() : Double.parseDouble(p.getAsString().trim());
    } catch (RuntimeException ex) {
      throw new BadField(field, field + " must be a number, but is: " + Messages.quote(e));
    }
    String range = "[" + fmt(min) + ", " + fmt(max) + "]";
    if (!Double.isFinite(v) || v < min || v > max || (integer && v != Math.rint(v))) {
      throw new BadField(
          field,
          field
              + " must be "
              + (integer ? "an integer" : "a finite number")
              + " in "
              + range
              + ", but is: "
              + (e.isJsonPrimitive() ? e.getAsString() : e.toString()));
    }
    return v;
  }

  private static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /**
   * A PNG sent as a data URL ({@code data:image/png;base64,...}) or bare base64, decoded by {@link
   * Images#read} (which checks the chunks' CRCs) once its header says it is at most {@link
   * #MAX_IMAGE_SIDE} pixels a side.
   */
  private static BufferedImage png(JsonObject o, String field) {
    String s = string(o, field, null, Integer.MAX_VALUE);
    int comma = s.indexOf(',');
    if (s.startsWith("data:")) {
      if (comma < 0 || !s.substring(0, comma).equals("data:image/png;base64")) {
        throw new BadField(
            field, field + " must be a PNG as a data:image/png;base64 URL, but is not");
      }
      s = s.substring(comma + 1);
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new BadField(field, field + " must be base64-encoded PNG data: " + e.getMessage());
    }
    if (bytes.length < 24
        || (bytes[0] & 0xff) != 0x89
        || bytes[1] != 'P'
        || bytes[2] != 'N'
        || bytes[3] != 'G'
        || bytes[12] != 'I'
        || bytes[13] != 'H') {
      throw new BadField(field, field + " must be a PNG image, but its data is not one");
    }
    long w = readInt(bytes, 16);
    long h = readInt(bytes, 20);
    if (w < 1 || h < 1 || w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE) {
      throw new BadField(
          field,
          field
              + " must be at most "
              + MAX_IMAGE_SIDE
              + " x "
              + MAX_IMAGE_SIDE
              + " pixels, but is "
              + w
              + " x "
              + h);
    }
    Path tmp = null;
    try {
      tmp = Files.createTempFile("diffusion4j-upload-", ".png");
      Files.write(tmp, bytes);
      return Images.read(tmp);
    } catch (IllegalArgumentException e) {
      String why = e.getMessage() == null ? "" : e.getMessage().replace(tmp.toString(), "upload");
      throw new BadField(field, field + " must be a readable PNG image: " + why);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      DemoRuns.deleteQuietly(tmp);
    }
  }

  private static long readInt(byte[] b, int at) {
    return ((long) (b[at] & 0xff) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }
}
