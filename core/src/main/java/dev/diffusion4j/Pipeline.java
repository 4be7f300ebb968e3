package dev.diffusion4j;

import dev.diffusion4j.image.Mask;
import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.NoiseSchedule;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A fluent description of one run of the base model (IF stage I, or an MNIST UNet), from {@link
 * Diffusion#pipeline()}. Every technique is a setting of this one builder:
 *
 * <table>
 *   <caption>Techniques and the settings that make them</caption>
 *   <tr><th>technique</th><th>settings</th></tr>
 *   <tr><td>sampling</td><td>{@code label(..)} or {@code prompt(..)}, {@code guidance(..)}</td></tr>
 *   <tr><td>SDEdit, translation</td><td>{@code image(img, startIndex)}, or {@code image(img)}
 *   with {@code strength(s)} (+ another condition)</td></tr>
 *   <tr><td>inpainting</td><td>{@code image(img, 0)}, {@code mask(..)}</td></tr>
 *   <tr><td>visual anagram</td><td>{@code anagram(otherCondition, view)} (repeatable)</td></tr>
 *   <tr><td>hybrid image</td><td>{@code hybrid(highCondition)}</td></tr>
 * </table>
 *
 * <pre>{@code
 * try (Diffusion diffusion = Diffusion.mnist()) {
 *   Generation sevens = diffusion.pipeline().label(7).guidance(5).steps(50).samples(4).seed(42)
 *       .progress(ConsoleProgress.toStandardError())
 *       .generate();
 *   sevens.save(Path.of("out"));                       // out/sample-0.png .. sample-3.png
 *   Pipeline threes = diffusion.pipeline().label(3).steps(50);
 *   for (long seed = 1; seed <= 4; seed++) {
 *     threes.toBuilder().seed(seed).generate();         // a seed sweep
 *   }
 * }
 * }</pre>
 *
 * <p>Setters check their argument at once and return this builder; {@link #generate()} checks what
 * they cannot check alone (before any model runs), freezes the settings into an immutable {@link
 * Request} and runs it. {@link #toBuilder()} copies a builder; {@link Diffusion#pipeline(Request)}
 * turns a request back into one. How to cancel a run is on {@link AbstractPipeline}.
 *
 * <p>The loop, one for every sampler, technique and stage: 1. check the inputs (when the request is
 * built); 2. encode the conditions; 3. prepare the timesteps (the sampler's scheduler: {@code
 * setTimesteps(n)} for {@link #steps(int)}, or the list); 4. prepare the starting sample (noise, or
 * the start image noised to the first timestep); 5. for each step, run every UNet pass of the step
 * as one batch (conditional and unconditional, times the views), combine the estimates (guidance,
 * then the inverse views averaged, or low-pass plus high-pass), take the scheduler step and project
 * the kept region of an inpainting mask; 6. return the samples.
 *
 * <p>Noise is drawn in this order, which {@link #noise(List)} must follow (diffusers' order): the
 * starting noise {@code [N, C, H, W]}; for the upscaler, then the noise of the upscaled image
 * (before the starting noise with {@link Variant#STUDY}); then per step the scheduler's noise,
 * drawn by the scheduler where its step is stochastic (DDPM when {@link
 * DDPMScheduler#needsNoise(int, int)} says so, DDIM with {@code eta > 0}; DDIM's and DPM-Solver++'s
 * defaults draw none) and, with a mask, the noise that brings the original to the new timestep
 * (none at the clean image, and none with {@link Inpainting#DIFFUSERS}).
 *
 * <p>The loop follows diffusers' IF pipelines by default; {@link #variant(Variant)} selects the
 * write-up's loop instead (see {@link Variant}).
 *
 * <p>A builder is not thread-safe; requests are immutable and may run concurrently.
 */
public final class Pipeline extends AbstractPipeline<Pipeline> {

  /** Default number of samples. */
  public static final int DEFAULT_SAMPLES = 1;

  /**
   * The most samples one run accepts: {@value}. A run is one batch, so a count such as 2 million
   * would allocate gigabytes before the first step; more samples take several runs.
   */
  public static final int MAX_SAMPLES = 1024;

  /** The default guidance scale of the MNIST class model: the write-up's setting. */
  public static final double DEFAULT_GUIDANCE_MNIST = 5.0;

  /** The default guidance scale of IF stage I: the write-up's setting. */
  public static final double DEFAULT_GUIDANCE_IF = 7.0;

  private Tensor image;
  private int startIndex;
  private Mask mask;
  private Inpainting inpainting = Inpainting.REPAINT;
  private double strength = Double.NaN;
  private int strengthIndex;

  Pipeline(Diffusion diffusion, Denoiser denoiser) {
    super(diffusion, denoiser, 1);
    NoiseSchedule schedule = denoiser.scheduler().schedule();
    boolean cosine = schedule.kind() == NoiseSchedule.Kind.COSINE;
    this.guidance =
        denoiser.conditionShape() == null
            ? 1.0
            : cosine ? DEFAULT_GUIDANCE_IF : DEFAULT_GUIDANCE_MNIST;
    this.timesteps =
        cosine
            ? Timesteps.IF_DEFAULT
            : Timesteps.evenly(schedule.maxTimestep(), schedule.maxTimestep());
  }

  @Override
  Pipeline self() {
    return this;
  }

  @Override
  void copyStage(Request r) {
    image = r.image();
    startIndex = r.startIndex();
    mask = r.mask();
    inpainting = r.inpainting();
    strength = r.startImage() == null ? Double.NaN : r.startImage().strength().orElse(Double.NaN);
  }

  @Override
  StartImage startImage() {
    if (image == null) {
      return null;
    }
    return Double.isNaN(strength)
        ? new StartImage(image, startIndex, mask, inpainting)
        : new StartImage(image, strengthIndex, mask, inpainting, strength);
  }

  @Override
  boolean resolveStart(dev.diffusion4j.schedule.Scheduler.Run run) {
    if (Double.isNaN(strength)) {
      return false;
    }
    int n = run.timesteps().length;
    int index = startIndexForStrength(n, strength);
    if (index >= n) {
      throw new IllegalArgumentException(
          "strength "
              + strength
              + " leaves none of the "
              + n
              + " steps to run (init_timestep = int(n * strength) = 0); use a larger strength");
    }
    this.strengthIndex = index;
    return true;
  }

  /**
   * The start index of a strength, as diffusers' img2img pipelines compute it: {@code init_timestep
   * = min(int(n * strength), n)}, {@code t_start = max(n - init_timestep, 0)}.
   *
   * @param n the number of timesteps of the run
   * @param strength in [0, 1]
   * @return {@code t_start}, the index of the first timestep run
   */
  static int startIndexForStrength(int n, double strength) {
    int init = Math.min((int) (n * strength), n);
    return Math.max(n - init, 0);
  }

  @Override
  UpscalerInput upscalerInput() {
    return null;
  }

  /**
   * Conditions every sample on a class label (the MNIST class model: a digit 0-9).
   *
   * @param label the label
   * @return this builder
   */
  public Pipeline label(int label) {
    return condition(Condition.label(label));
  }

  /**
   * Gives each sample its own label; the number of samples becomes {@code labels.length}.
   *
   * @param labels one label per sample, at least one
   * @return this builder
   */
  public Pipeline labels(int... labels) {
    if (labels == null || labels.length == 0) {
      throw new IllegalArgumentException("labels must hold at least one label, but is empty");
    }
    List<Condition> list = new ArrayList<>();
    for (int l : labels) {
      list.add(checkCondition(Condition.label(l), "labels"));
    }
    this.conditions = List.copyOf(list);
    this.samples = labels.length;
    return this;
  }

  /**
   * Starts from an image (SDEdit, translation, inpainting): it is noised to {@code
   * timesteps[startIndex]} and denoised from there. {@code startIndex = 0} starts from pure noise
   * (for inpainting, the write-up's setting).
   *
   * @param image {@code [1, C, H, W]} in the model's value range and size. Not modified.
   * @param startIndex the index into the timestep list where the run starts, {@code >= 0}
   * @return this builder
   * @throws IllegalArgumentException for another shape, a negative index, or values outside the
   *     model's value range (widened by {@link dev.diffusion4j.image.ValueRange#TOLERANCE} of its
   *     width: a [-1, 1] or 0-255 image on a [0, 1] model is refused)
   */
  public Pipeline image(Tensor image, int startIndex) {
    if (image == null) {
      throw new IllegalArgumentException("image must not be null");
    }
    int[] s = denoiser.sampleShape();
    int[] expected = {1, s[0], s[1], s[2]};
    if (!Arrays.equals(image.shape(), expected)) {
      throw new IllegalArgumentException(
          "image must have shape "
              + Arrays.toString(expected)
              + ", but has shape: "
              + Arrays.toString(image.shape())
              + "; an image of another size or channel count goes through image(BufferedImage)"
              + " or image(Path, invert), which convert it (Images.forModel)");
    }
    if (startIndex < 0) {
      throw new IllegalArgumentException("startIndex must be >= 0, but is: " + startIndex);
    }
    this.image =
        denoiser
            .valueRange()
            .requireWithin(dev.diffusion4j.tensor.Finite.requireFinite(image, "image"), "image");
    this.startIndex = startIndex;
    this.strength = Double.NaN;
    return this;
  }

  /**
   * Starts from an image whose start is set by {@link #strength(double)} (or, without one, from
   * pure noise at index 0, as inpainting does). Otherwise as {@link #image(Tensor, int)}.
   *
   * @param image {@code [1, C, H, W]} in the model's value range and size. Not modified.
   * @return this builder
   * @throws IllegalArgumentException as {@link #image(Tensor, int)}
   */
  public Pipeline image(Tensor image) {
    double kept = strength;
    image(image, 0);
    this.strength = kept;
    return this;
  }

  /**
   * Starts from an image as a user has it ({@link #image(Tensor)}): converted by {@link
   * dev.diffusion4j.image.Images#forModel} to the model's channels, size (resized bilinearly) and
   * value range. For an MNIST model (one channel) an image whose border is mostly light (dark
   * strokes on white, the wrong way round for a model trained on white digits on black) is refused
   * with a message that says to {@link #image(BufferedImage, boolean) invert} it.
   *
   * @param image the image, any size, gray or color. Not modified.
   * @return this builder
   * @throws IllegalArgumentException for a null image, or an MNIST image the wrong way round
   */
  public Pipeline image(java.awt.image.BufferedImage image) {
    return image(image, false);
  }

  /**
   * Starts from an image as a user has it, optionally inverted first ({@code 255 - pixel}, for dark
   * strokes on white on an MNIST model). See {@link #image(BufferedImage)}.
   *
   * @param image the image, any size. Not modified.
   * @param invert whether to invert its pixels before use
   * @return this builder
   * @throws IllegalArgumentException for a null image, or an MNIST image the wrong way round
   */
  public Pipeline image(java.awt.image.BufferedImage image, boolean invert) {
    int[] s = denoiser.sampleShape();
    Tensor t =
        dev.diffusion4j.image.Images.forModel(
            image, s[0], s[1], s[2], denoiser.valueRange(), invert);
    if (s[0] == 1) {
      dev.diffusion4j.image.Images.requireDarkBackground(t, denoiser.valueRange(), "image");
    }
    return image(t);
  }

  /**
   * Starts from an image file (PNG, JPEG, ... read by {@link dev.diffusion4j.image.Images#read}),
   * converted as {@link #image(BufferedImage, boolean)} says.
   *
   * @param file the image file
   * @param invert whether to invert its pixels before use
   * @return this builder
   * @throws IllegalArgumentException for a file that cannot be read as an image, or an MNIST image
   *     the wrong way round
   */
  public Pipeline image(java.nio.file.Path file, boolean invert) {
    return image(dev.diffusion4j.image.Images.read(file), invert);
  }

  /**
   * Sets how much of the start image is kept, as diffusers' img2img pipelines define {@code
   * strength}: of the run's {@code n} timesteps, {@code init_timestep = min(int(n * strength), n)}
   * are run, starting at {@code timesteps[n - init_timestep]} (strength 1 starts from pure noise at
   * the first timestep; small strengths keep more of the image). Replaces the start index of {@link
   * #image(Tensor, int)} (a later call of that method replaces the strength in turn); needs a start
   * image ({@link #image(Tensor)}, {@link #image(BufferedImage)}, ...). A strength that leaves no
   * step ({@code int(n * strength) = 0}) is refused when the request is built.
   *
   * <pre>{@code
   * diffusion.pipeline().label(3).image(Path.of("my-three.png"), false).strength(0.6).steps(50)
   *     .generate(); // runs the last 30 of 50 steps
   * }</pre>
   *
   * @param strength in [0, 1]
   * @return this builder
   * @throws IllegalArgumentException for a strength outside [0, 1] or NaN
   */
  public Pipeline strength(double strength) {
    if (!(strength >= 0 && strength <= 1)) {
      throw new IllegalArgumentException("strength must be in [0, 1], but is: " + strength);
    }
    this.strength = strength;
    return this;
  }

  /**
   * Chooses how a mask keeps the region outside it: {@link Inpainting#REPAINT} (the default, the
   * write-up's) or {@link Inpainting#DIFFUSERS} ({@code IFInpaintingPipeline}'s).
   *
   * @param inpainting the rule
   * @return this builder
   */
  public Pipeline inpainting(Inpainting inpainting) {
    if (inpainting == null) {
      throw new IllegalArgumentException("inpainting must not be null");
    }
    this.inpainting = inpainting;
    return this;
  }

  /**
   * Inpaints: the region where the mask is 1 is regenerated, the rest is forced back to the start
   * image (noised to the current timestep) after every step. Needs {@link #image(Tensor, int)}.
   *
   * @param mask a mask of the model's image size
   * @return this builder
   */
  public Pipeline mask(Mask mask) {
    if (mask == null) {
      throw new IllegalArgumentException("mask must not be null");
    }
    int[] s = denoiser.sampleShape();
    if (mask.height() != s[1] || mask.width() != s[2]) {
      throw new IllegalArgumentException(
          "mask must be "
              + s[1]
              + "x"
              + s[2]
              + " for this model, but is: "
              + mask.height()
              + "x"
              + mask.width());
    }
    this.mask = mask;
    return this;
  }

  @Override
  void checkStage(int n) {
    if (!Double.isNaN(strength) && image == null) {
      throw new IllegalArgumentException(
          "strength needs a start image: call image(..) as well, but got strength=" + strength);
    }
    if (mask != null && image == null) {
      throw new IllegalArgumentException(
          "mask needs the original image: call image(original, startIndex) as well");
    }
  }

  /**
   * The one-step clean estimate of the write-up (part A, section 1.3): predicts the noise of {@code
   * noisy} at {@code timestep} (with this builder's condition and guidance) and returns {@code
   * x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)}. The estimate is the schedule's, so it is
   * the same whatever the {@link #sampler(Sampler) sampler} (a sampler decides how to step from it,
   * not what it is); neither clipped nor thresholded.
   *
   * @param noisy samples {@code [N, C, H, W]} at {@code timestep}. Not modified.
   * @param timestep their timestep
   * @return the clean estimates
   */
  public Tensor denoiseOnce(Tensor noisy, int timestep) {
    Request r = build();
    denoiser.scheduler().schedule().checkTimestep("timestep", timestep);
    return diffusion.denoiseOnce(r, noisy, timestep);
  }

  @Override
  public Pipeline toBuilder() {
    return new Pipeline(diffusion, denoiser).copy(build());
  }
}
