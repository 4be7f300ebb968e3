package dev.diffusion4j.examples;

import dev.diffusion4j.ConsoleProgress;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Generation;
import dev.diffusion4j.Pipeline;
import dev.diffusion4j.Upscaler;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.schedule.Timesteps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Turns a prompt into images with any DeepFloyd IF models folder ({@code Diffusion.deepFloyd}):
 * stage I at 64 px and, with {@code --upscale}, stage II at 256 px.
 *
 * <pre>
 * java -jar examples/target/diffusion4j-examples.jar generate --models models/if \
 *     --prompt "a photo of a dog" --negative-prompt "blurry" --timesteps smart50 --samples 2 \
 *     --upscale --out out/dog
 * </pre>
 *
 * <p>Writes {@code DIR/sample-<i>.png} (64 px) and, with {@code --upscale}, {@code
 * DIR/upscaled-<i>.png} (256 px). Shows the progress of each stage on standard error.
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generates images from a prompt with a DeepFloyd IF models folder.")
final class Generate implements Callable<Integer> {

  @Option(
      names = "--models",
      required = true,
      description = "The IF models folder (config.json, stage_I.onnx, ...; see README).")
  Path models;

  @Option(names = "--prompt", required = true, description = "The prompt.")
  String prompt;

  @Option(
      names = "--negative-prompt",
      description = "What to steer away from: the unconditional pass of guidance (default \"\").")
  String negativePrompt;

  @Option(
      names = "--guidance",
      description = "Guidance scale of stage I (default 7; 1 or less: no unconditional pass).")
  Double guidance;

  @Option(
      names = "--steps",
      description =
          "Evenly spaced steps from 990 to 0 (DDPM: N + 1 passes), or the scheduler's step count"
              + " with --sampler ddim or dpm++ (default: the write-up's 990, 960, ..., 0).")
  Integer steps;

  @Option(
      names = "--timesteps",
      description =
          "A preset of diffusers' IF (fast27, smart27, smart50, smart100, smart185, super27,"
              + " super40, super100) or a descending list such as 990,660,330,0 (DDPM only).")
  String timesteps;

  @picocli.CommandLine.Mixin SamplerOption sampling = new SamplerOption();

  @Option(
      names = "--seed",
      defaultValue = Support.DEFAULT_SEED,
      description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--samples",
      defaultValue = "1",
      description = "Number of images, made as one batch (default ${DEFAULT-VALUE}).")
  int samples;

  @Option(
      names = "--upscale",
      description =
          "Also run stage II (64 to 256 px, guidance 4) on the images; the folder must hold"
              + " stage_II.")
  boolean upscale;

  @Option(
      names = "--upscale-steps",
      description =
          "Steps of stage II, evenly spaced from 990 (N + 1 passes; default: diffusers' 50, 980 to"
              + " 0).")
  Integer upscaleSteps;

  @Option(names = "--out", required = true, description = "Output folder.")
  Path out;

  @Option(
      names = "--threads",
      defaultValue = "0",
      description = "Threads ONNX Runtime may use per operator; 0 lets it choose (default).")
  int threads;

  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "auto, cpu, cuda or cuda:N (default ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() {
    // 1. check what can be checked without opening a model
    dev.diffusion4j.SamplerSettings samplerSettings = sampling.settings();
    if (steps != null && timesteps != null) {
      throw new IllegalArgumentException(
          "--steps and --timesteps both choose the timesteps; give one of them");
    }
    if (negativePrompt != null && guidance != null && guidance <= 1.0) {
      throw new IllegalArgumentException(
          "--negative-prompt is the unconditional pass of guidance, which --guidance "
              + guidance
              + " turns off (it runs above 1)");
    }
    if (upscaleSteps != null && !upscale) {
      throw new IllegalArgumentException("--upscale-steps is for --upscale, which is not given");
    }
    if (samples < 1) {
      throw new IllegalArgumentException("samples must be >= 1, but is: " + samples);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, but is: " + threads);
    }
    if (!Files.isDirectory(models)) {
      throw new IllegalArgumentException(
          "models must be an IF models folder, but "
              + models
              + (Files.exists(models) ? " is not a folder" : " does not exist"));
    }
    Timesteps list = timesteps == null ? null : parseTimesteps(timesteps);
    SessionSettings settings = SessionSettings.on(Device.parse(device)).withIntraOpThreads(threads);
    Support.prepareOutput(out);

    // 2. open the folder and set up stage I (every setting is checked here, before any step)
    System.err.println("opening " + models);
    try (Diffusion diffusion = Diffusion.deepFloyd(models, settings)) {
      if (upscale && !diffusion.hasUpscaler()) {
        throw new IllegalArgumentException(
            "--upscale needs the stage II UNet, but the models folder " + models + " has none");
      }
      ConsoleProgress bar = ConsoleProgress.toStandardError();
      Pipeline p =
          diffusion
              .pipeline()
              .prompt(prompt)
              .sampler(samplerSettings)
              .samples(samples)
              .seed(seed)
              .progress(bar.labelled("stage I"));
      if (negativePrompt != null) {
        p.negativePrompt(negativePrompt);
      }
      if (guidance != null) {
        p.guidance(guidance);
      }
      if (steps != null) {
        p.steps(steps);
      }
      if (list != null) {
        p.timesteps(list);
      }
      Upscaler u = null;
      if (upscale) {
        u = diffusion.upscaler().prompt(prompt).seed(seed).progress(bar.labelled("stage II"));
        if (negativePrompt != null) {
          u.negativePrompt(negativePrompt);
        }
        if (upscaleSteps != null) {
          u.steps(upscaleSteps);
        }
      }
      p.build();

      // 3. run stage I, then stage II on its images
      Generation small = p.generate();
      List<Path> written = new ArrayList<>(small.save(out, "sample-%d.png"));
      if (u != null) {
        written.addAll(u.lowResolution(small.images()).generate().save(out, "upscaled-%d.png"));
      }
      System.out.println("wrote " + written.size() + " images to " + out);
    }
    return 0;
  }

  /** Reads a preset name or a comma-separated list of timesteps. */
  static Timesteps parseTimesteps(String value) {
    String v = value.trim();
    if (v.isEmpty() || !Character.isDigit(v.charAt(0))) {
      return Timesteps.preset(v);
    }
    String[] parts = v.split(",");
    int[] ts = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        ts[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "timesteps must be a preset "
                + Timesteps.presetNames()
                + " or a comma-separated list of integers, but is: '"
                + value
                + "'");
      }
    }
    return Timesteps.of(ts);
  }
}
