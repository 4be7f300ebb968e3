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
 * gets the study's ({@link DDPMScheduler#deepFloydIF()}).
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
    Path embeddings) {

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
      root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException | JsonParseException | IllegalStateException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    JsonObject s1 = object(root, "stage_I", file);
    if (s1 == null) {
      throw new IllegalArgumentException(file + " has no \"stage_I\" section");
    }
    Path stageOne = requireFile(dir, string(s1, "unet", file), "stage_I.unet");
    JsonObject sched1 = object(s1, "scheduler", file);
    DDPMScheduler scheduler1 = scheduler(sched1, file);
    DDPMScheduler.Thresholding thr1 = thresholding(sched1);
    Path stageTwo = null;
    DDPMScheduler scheduler2 = null;
    JsonObject s2 = object(root, "stage_II", file);
    if (s2 != null) {
      stageTwo = requireFile(dir, string(s2, "unet", file), "stage_II.unet");
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
      }
    }
    Path embeddings = null;
    if (root.has("embeddings")) {
      Path e = dir.resolve(root.get("embeddings").getAsString());
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
        dir, stageOne, scheduler1, thr1, stageTwo, scheduler2, encoder, tokenizer, embeddings);
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
    if (e == null || !e.isJsonPrimitive()) {
      throw new IllegalArgumentException(file + ": \"" + key + "\" is missing or not a string");
    }
    return e.getAsString();
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
    String schedule =
        s.has("beta_schedule") ? s.get("beta_schedule").getAsString() : "squaredcos_cap_v2";
    if (!schedule.equals("squaredcos_cap_v2")) {
      throw new IllegalArgumentException(
          file + ": beta_schedule must be squaredcos_cap_v2 for IF, but is: " + schedule);
    }
    String variance =
        s.has("variance_type") ? s.get("variance_type").getAsString() : "learned_range";
    DDPMScheduler.VarianceType varianceType;
    try {
      varianceType = DDPMScheduler.VarianceType.fromDiffusers(variance);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
    int t = s.has("num_train_timesteps") ? s.get("num_train_timesteps").getAsInt() : 1000;
    // diffusers' defaults where a key is missing: clip_sample true, clip_sample_range 1.0
    boolean clip = !s.has("clip_sample") || s.get("clip_sample").getAsBoolean();
    double range =
        s.has("clip_sample_range")
            ? s.get("clip_sample_range").getAsDouble()
            : DDPMScheduler.DEFAULT_CLIP_SAMPLE_RANGE;
    return new DDPMScheduler(NoiseSchedule.cosine(t), varianceType, thresholding(s), true)
        .withClipSample(clip, range);
  }

  private static DDPMScheduler.Thresholding thresholding(JsonObject s) {
    if (s == null || !s.has("thresholding") || !s.get("thresholding").getAsBoolean()) {
      return null;
    }
    double ratio =
        s.has("dynamic_thresholding_ratio")
            ? s.get("dynamic_thresholding_ratio").getAsDouble()
            : 0.995;
    double max = s.has("sample_max_value") ? s.get("sample_max_value").getAsDouble() : 1.0;
    return new DDPMScheduler.Thresholding(ratio, max);
  }
}
