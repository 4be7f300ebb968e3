package dev.diffusion4j.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.NoiseSchedule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code config.json} of an IF models folder, as {@code onnx-export/if/export_if.py} writes it:
 * the UNet files of each stage and their scheduler settings, the text encoder files and the
 * embeddings file. Each stage's scheduler carries what its diffusers config says: {@code
 * variance_type}, {@code clip_sample} and {@code clip_sample_range} (diffusers' defaults, on and
 * 1.0, where the keys are missing), and {@code thresholding} with {@code
 * dynamic_thresholding_ratio} and {@code sample_max_value}; a folder without a scheduler section
 * gets the write-up's ({@link DDPMScheduler#deepFloydIF()}).
 *
 * <p>A stage may list several files of the same UNet under {@code "unets"}, one per float flavour
 * ({@value #FP32}, {@value #FP16}: float16 weights with float32 arithmetic, for the CPU; {@value
 * #FP16_CUDA}: float16 arithmetic as diffusers runs IF on a GPU), as {@code export_if.py --dtype
 * fp32,fp16,fp16-cuda} writes them; {@code "unet"} names the default. {@link #stageOne(boolean)}
 * and {@link #stageTwo(boolean)} pick the flavour for the device the sessions run on.
 *
 * @param dir the models folder
 * @param stageOne the stage I UNet file
 * @param stageOneScheduler its scheduler
 * @param stageOneThresholding the thresholding its config asks for, or {@code null} (also in {@code
 *     stageOneScheduler})
 * @param stageTwo the stage II UNet file, or {@code null} when the config names none
 * @param stageTwoScheduler its scheduler, or {@code null}
 * @param textEncoder the T5 encoder file, or {@code null}
 * @param tokenizer the tokenizer.json, or {@code null}
 * @param embeddings the precomputed embeddings file, or {@code null}
 * @param stageOneFlavours the stage I files by flavour (empty when config.json lists none)
 * @param stageTwoFlavours the stage II files by flavour (empty when config.json lists none)
 */
public record IFConfig(
    Path dir,
    Path stageOne,
    DDPMScheduler stageOneScheduler,
    DDPMScheduler.Thresholding stageOneThresholding,
    Path stageTwo,
    DDPMScheduler stageTwoScheduler,
    Path textEncoder,
    Path tokenizer,
    Path embeddings,
    java.util.Map<String, Path> stageOneFlavours,
    java.util.Map<String, Path> stageTwoFlavours) {

  /** The float32 flavour: {@value}. */
  public static final String FP32 = "fp32";

  /** Float16 weights, float32 arithmetic (ONNX Runtime's CPU provider runs it): {@value}. */
  public static final String FP16 = "fp16";

  /** Float16 arithmetic, as diffusers' {@code torch_dtype=torch.float16} on a GPU: {@value}. */
  public static final String FP16_CUDA = "fp16-cuda";

  private static final System.Logger LOG = System.getLogger(IFConfig.class.getName());

  private static final java.util.List<String> FLAVOURS = java.util.List.of(FP32, FP16, FP16_CUDA);

  /**
   * Copies the flavour maps.
   *
   * @throws IllegalArgumentException when a flavour map is missing
   */
  public IFConfig {
    if (stageOneFlavours == null || stageTwoFlavours == null) {
      throw new IllegalArgumentException("stageOneFlavours and stageTwoFlavours must not be null");
    }
    stageOneFlavours = java.util.Map.copyOf(stageOneFlavours);
    stageTwoFlavours = java.util.Map.copyOf(stageTwoFlavours);
  }

  /**
   * The stage I file for a device: the {@value #FP16_CUDA} flavour on CUDA where the folder has it,
   * the default ({@code "unet"}) otherwise; on the CPU, a float32 or {@value #FP16} flavour in
   * place of a default that is {@value #FP16_CUDA}.
   *
   * @param cuda whether the sessions run on CUDA
   * @return the file; the {@value #FP16_CUDA} one on the CPU too (said in one log line) when the
   *     folder holds no other
   */
  public Path stageOne(boolean cuda) {
    return pick(stageOne, stageOneFlavours, cuda, "stage_I");
  }

  /**
   * The stage II file for a device, as {@link #stageOne(boolean)} picks it.
   *
   * @param cuda whether the sessions run on CUDA
   * @return the file, or {@code null} when the folder has no stage II
   */
  public Path stageTwo(boolean cuda) {
    return stageTwo == null ? null : pick(stageTwo, stageTwoFlavours, cuda, "stage_II");
  }

  private Path pick(Path fallback, java.util.Map<String, Path> flavours, boolean cuda, String s) {
    Path gpu = flavours.get(FP16_CUDA);
    if (cuda) {
      return gpu != null ? gpu : fallback;
    }
    if (gpu == null || !gpu.equals(fallback)) {
      return fallback;
    }
    for (String f : java.util.List.of(FP32, FP16)) {
      if (flavours.containsKey(f)) {
        return flavours.get(f);
      }
    }
    LOG.log(
        System.Logger.Level.INFO,
        "IF models folder {0} holds {1} only as {2}, the {3} flavour (float16 arithmetic, for"
            + " CUDA); running it on the CPU (export_if.py --dtype fp32 or fp16 writes the CPU''s)",
        dir,
        s,
        fallback.getFileName(),
        FP16_CUDA);
    return fallback;
  }

  /**
   * Reads {@code dir/config.json}.
   *
   * @param dir the models folder
   * @return the configuration
   * @throws IllegalArgumentException naming the folder and the missing or malformed part
   */
  public static IFConfig read(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("IF models folder does not exist: " + dir);
    }
    Path file = dir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "IF models folder " + dir + " is missing config.json (see onnx-export/if/export_if.py)");
    }
    JsonObject root;
    try {
      if (Files.size(file) > 1 << 20) {
        throw new IllegalArgumentException(
            file + " is " + Files.size(file) + " bytes; a config.json has at most 1 MiB");
      }
      root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException | JsonParseException | IllegalStateException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    JsonObject s1 = object(root, "stage_I", file);
    if (s1 == null) {
      throw new IllegalArgumentException(file + " has no \"stage_I\" section");
    }
    Path stageOne = requireFile(dir, string(s1, "unet", file), "stage_I.unet");
    java.util.Map<String, Path> flavours1 = flavours(dir, s1, "stage_I", file);
    JsonObject sched1 = object(s1, "scheduler", file);
    DDPMScheduler scheduler1 = scheduler(sched1, file);
    DDPMScheduler.Thresholding thr1 = thresholding(sched1, file);
    Path stageTwo = null;
    DDPMScheduler scheduler2 = null;
    java.util.Map<String, Path> flavours2 = java.util.Map.of();
    JsonObject s2 = object(root, "stage_II", file);
    if (s2 != null) {
      stageTwo = requireFile(dir, string(s2, "unet", file), "stage_II.unet");
      flavours2 = flavours(dir, s2, "stage_II", file);
      scheduler2 = scheduler(object(s2, "scheduler", file), file);
    }
    Path encoder = null;
    Path tokenizer = null;
    JsonObject text = object(root, "text_encoder", file);
    if (text != null) {
      Path e = dir.resolve(string(text, "onnx", file));
      Path t = dir.resolve(string(text, "tokenizer", file));
      if (Files.isRegularFile(e) && Files.isRegularFile(t)) {
        encoder = e;
        tokenizer = t;
      } else if (Files.exists(e)) {
        // the 10 GB encoder without its tokenizer: say so, rather than silently running without
        // T5 (the tokenizer without the encoder is the usual embeddings-only folder)
        throw new IllegalArgumentException(
            "IF models folder "
                + dir
                + " has "
                + e.getFileName()
                + " but not "
                + t.getFileName()
                + " as a regular file (config.json text_encoder.tokenizer); the T5 encoder needs"
                + " both");
      }
    }
    Path embeddings = null;
    if (root.has("embeddings")) {
      Path e = dir.resolve(string(root, "embeddings", file));
      if (Files.isRegularFile(e)) {
        embeddings = e;
      }
    }
    if (encoder == null && embeddings == null) {
      throw new IllegalArgumentException(
          "IF models folder "
              + dir
              + " has no way to encode prompts: it needs the embeddings file or the text encoder"
              + " and tokenizer that config.json names, and neither is there");
    }
    return new IFConfig(
        dir,
        stageOne,
        scheduler1,
        thr1,
        stageTwo,
        scheduler2,
        encoder,
        tokenizer,
        embeddings,
        flavours1,
        flavours2);
  }

  /** The "unets" object of a stage: flavour name to file, each file present. */
  private static java.util.Map<String, Path> flavours(
      Path dir, JsonObject stage, String name, Path file) {
    JsonObject unets = object(stage, "unets", file);
    java.util.Map<String, Path> map = new java.util.LinkedHashMap<>();
    if (unets != null) {
      for (String key : unets.keySet()) {
        if (!FLAVOURS.contains(key)) {
          throw new IllegalArgumentException(
              file
                  + ": \""
                  + name
                  + ".unets\" must have keys among "
                  + FLAVOURS
                  + ", but has: \""
                  + key
                  + "\"");
        }
        map.put(key, requireFile(dir, string(unets, key, file), name + ".unets." + key));
      }
    }
    return map;
  }

  private static JsonObject object(JsonObject o, String key, Path file) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (!e.isJsonObject()) {
      throw new IllegalArgumentException(file + ": \"" + key + "\" must be an object");
    }
    return e.getAsJsonObject();
  }

  private static String string(JsonObject o, String key, Path file) {
    JsonElement e = o == null ? null : o.get(key);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw new IllegalArgumentException(
          file + ": \"" + key + "\" must be a string, but is: " + (e == null ? "missing" : e));
    }
    String s = e.getAsString();
    if (s.isEmpty() || s.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          file + ": \"" + key + "\" must be a file name, but is: " + e);
    }
    return s;
  }

  private static String string(JsonObject o, String key, String fallback, Path file) {
    return o.has(key) ? string(o, key, file) : fallback;
  }

  /** A JSON number that is an exact integer in [min, max]; 999.9 and "1000" are refused. */
  private static int integer(JsonObject o, String key, int fallback, int min, int max, Path file) {
    JsonElement e = o.get(key);
    if (e == null) {
      return fallback;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new IllegalArgumentException(file + ": \"" + key + "\" must be a number, but is: " + e);
    }
    double d = e.getAsDouble();
    if (d != Math.rint(d) || d < min || d > max) {
      throw new IllegalArgumentException(
          file
              + ": \""
              + key
              + "\" must be an integer in ["
              + min
              + ", "
              + max
              + "], but is: "
              + e);
    }
    return (int) d;
  }

  /** A finite JSON number in (min, max]. */
  private static double number(
      JsonObject o, String key, double fallback, double min, double max, Path file) {
    JsonElement e = o.get(key);
    if (e == null) {
      return fallback;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new IllegalArgumentException(file + ": \"" + key + "\" must be a number, but is: " + e);
    }
    double d = e.getAsDouble();
    if (!(d > min && d <= max)) {
      throw new IllegalArgumentException(
          file + ": \"" + key + "\" must be in (" + min + ", " + max + "], but is: " + e);
    }
    return d;
  }

  /** A JSON boolean; "yes", 1 and "true" are refused. */
  private static boolean bool(JsonObject o, String key, Path file) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      return false;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw new IllegalArgumentException(
          file + ": \"" + key + "\" must be true or false, but is: " + e);
    }
    return e.getAsBoolean();
  }

  private static Path requireFile(Path dir, String name, String what) {
    Path p = dir.resolve(name);
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException(
          "IF models folder " + dir + " is missing " + name + " (config.json " + what + ")");
    }
    return p;
  }

  private static DDPMScheduler scheduler(JsonObject s, Path file) {
    if (s == null) {
      return DDPMScheduler.deepFloydIF();
    }
    String schedule = string(s, "beta_schedule", "squaredcos_cap_v2", file);
    if (!schedule.equals("squaredcos_cap_v2")) {
      throw new IllegalArgumentException(
          file + ": beta_schedule must be squaredcos_cap_v2 for IF, but is: " + schedule);
    }
    String variance = string(s, "variance_type", "learned_range", file);
    DDPMScheduler.VarianceType varianceType;
    try {
      varianceType = DDPMScheduler.VarianceType.fromDiffusers(variance);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    int t = integer(s, "num_train_timesteps", 1000, 2, 100_000, file);
    // diffusers' defaults where a key is missing: clip_sample true, clip_sample_range 1.0
    boolean clip = !s.has("clip_sample") || bool(s, "clip_sample", file);
    double range =
        number(s, "clip_sample_range", DDPMScheduler.DEFAULT_CLIP_SAMPLE_RANGE, 0, 1e6, file);
    return new DDPMScheduler(NoiseSchedule.cosine(t), varianceType, thresholding(s, file), true)
        .withClipSample(clip, range);
  }

  private static DDPMScheduler.Thresholding thresholding(JsonObject s, Path file) {
    if (s == null || !bool(s, "thresholding", file)) {
      return null;
    }
    double ratio = number(s, "dynamic_thresholding_ratio", 0.995, 0, 1, file);
    double max = number(s, "sample_max_value", 1.0, 0, 1e6, file);
    return new DDPMScheduler.Thresholding(ratio, max);
  }
}
