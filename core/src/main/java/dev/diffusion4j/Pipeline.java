package dev.diffusion4j;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.NoiseSchedule;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A fluent description of one run of the denoising loop, and the loop itself. Every technique of
 * the study is a setting of this one builder:
 *
 * <table>
 *   <caption>Techniques and the settings that make them</caption>
 *   <tr><th>technique</th><th>settings</th></tr>
 *   <tr><td>sampling</td><td>{@code label(..)} or {@code prompt(..)}, {@code guidance(..)}</td></tr>
 *   <tr><td>SDEdit, translation</td><td>{@code image(img, startIndex)} (+ another condition)</td></tr>
 *   <tr><td>inpainting</td><td>{@code image(img, 0)}, {@code mask(..)}</td></tr>
 *   <tr><td>visual anagram</td><td>{@code anagram(otherCondition, view)} (repeatable)</td></tr>
 *   <tr><td>hybrid image</td><td>{@code hybrid(highCondition)}</td></tr>
 * </table>
 *
 * <p>Setters check their argument at once and return {@code this}; {@link #generate()} checks what
 * they cannot check alone (before any model runs), freezes the settings into an immutable {@link
 * Request} and runs it. {@link #toBuilder()} of a request gives a new builder for sweeps.
 *
 * <p>The loop (numbered as in the code): 1. encode the conditions; 2. prepare the timesteps; 3.
 * prepare the starting sample (noise, or the start image noised to the first timestep); 4. for each
 * step, run every UNet pass of the step as one batch (conditional and unconditional, times the
 * views), combine the estimates (guidance, then the inverse views averaged, or low-pass plus
 * high-pass), take the scheduler step and project the kept region of an inpainting mask.
 *
 * <p>Noise is drawn in this order, which {@link #noise(List)} must follow (diffusers' order): the
 * starting noise {@code [N, C, H, W]}; for the upscaler, then the noise of the upscaled image
 * (before the starting noise with {@link Variant#STUDY}); then per step the scheduler's noise (when
 * {@link DDPMScheduler#needsNoise(int, int)} says so) and, with a mask, the noise that brings the
 * original to the new timestep (none on diffusers' final pass to timestep -1, the clean image, and
 * none with {@link Inpainting#DIFFUSERS}).
 *
 * <p>The loop follows diffusers' IF pipelines by default; {@link #variant(Variant)} selects the
 * study's loop instead (see {@link Variant}).
 *
 * <p>A builder is not thread-safe; requests are immutable and may run concurrently.
 */
public final class Pipeline {

  /** Default number of samples. */
  public static final int DEFAULT_SAMPLES = 1;

  /** The default guidance scale for a model with conditions: the study's MNIST setting. */
  public static final double DEFAULT_GUIDANCE_MNIST = 5.0;

  /** The default guidance scale for IF: the study's setting. */
  public static final double DEFAULT_GUIDANCE_IF = 7.0;

  /** Where a run is: sent to the progress callback after every step. */
  public record Progress(int step, int totalSteps, int timestep) {}

  /** One extra view of an anagram: the condition read through the view. */
  public record ViewTerm(Condition condition, View view) {}

  /**
   * The frozen settings of one run.
   *
   * @param conditions the primary condition per sample (one entry: shared by all samples), empty
   *     for an unconditional model
   * @param guidance the classifier-free guidance scale; 1 runs the conditional pass only
   * @param timesteps the full timestep list
   * @param startIndex where in {@code timesteps} the run starts
   * @param samples the number of samples
   * @param seed the seed of the noise, when no explicit noise was given
   * @param explicitNoise explicit noise tensors in draw order, or {@code null}
   * @param image the start image {@code [1, C, H, W]}, or {@code null}
   * @param mask the inpainting mask, or {@code null}
   * @param views extra anagram views (the primary condition is read through the identity)
   * @param hybridCondition the condition of the high frequencies of a hybrid, or {@code null}
   * @param hybridBlur the low-pass filter of a hybrid, or {@code null}
   * @param thresholding dynamic thresholding, or {@code null}
   * @param captureEvery capture the sample every n steps; 0 for never
   * @param progress the progress callback, or {@code null}
   * @param stage 1 for the base model, 2 for the upscaler
   * @param lowResolution the low-resolution images the upscaler conditions on, or {@code null}
   * @param noiseLevel the timestep the upscaled image is noised to
   * @param variant the rules of the loop: diffusers' or the study's
   * @param inpainting how a mask keeps the region outside it
   */
  public record Request(
      List<Condition> conditions,
      double guidance,
      Timesteps timesteps,
      int startIndex,
      int samples,
      long seed,
      List<Tensor> explicitNoise,
      Tensor image,
      Mask mask,
      List<ViewTerm> views,
      Condition hybridCondition,
      GaussianBlur hybridBlur,
      DDPMScheduler.Thresholding thresholding,
      int captureEvery,
      Consumer<Progress> progress,
      int stage,
      Tensor lowResolution,
      int noiseLevel,
      Variant variant,
      Inpainting inpainting) {}

  /** The default noise level of the upscaled image in stage II (SPEC section 12). */
  public static final int DEFAULT_NOISE_LEVEL = 250;

  /** The default guidance of stage II. */
  public static final double DEFAULT_GUIDANCE_UPSCALER = 4.0;

  /**
   * The default timesteps of stage II: 980, 960, ..., 0, the 50 timesteps of diffusers' default
   * ({@code num_inference_steps = 50}, leading spacing): 50 UNet passes with {@link
   * Variant#DIFFUSERS}, 49 with {@link Variant#STUDY}.
   */
  public static final Timesteps UPSCALER_TIMESTEPS = Timesteps.strided(980, 20);

  private final Diffusion diffusion;
  private final Denoiser denoiser;
  private List<Condition> conditions = List.of();
  private double guidance;
  private Timesteps timesteps;
  private int startIndex;
  private Integer samples;
  private long seed = ThreadLocalRandom.current().nextLong();
  private List<Tensor> explicitNoise;
  private Tensor image;
  private Mask mask;
  private final List<ViewTerm> views = new ArrayList<>();
  private Condition hybridCondition;
  private GaussianBlur hybridBlur;
  private DDPMScheduler.Thresholding thresholding;
  private int captureEvery;
  private Consumer<Progress> progress;
  private final int stage;
  private Tensor lowResolution;
  private int noiseLevel = DEFAULT_NOISE_LEVEL;
  private Variant variant = Variant.DIFFUSERS;
  private Inpainting inpainting = Inpainting.REPAINT;

  Pipeline(Diffusion diffusion, Denoiser denoiser, int stage) {
    this.diffusion = diffusion;
    this.denoiser = denoiser;
    this.stage = stage;
    NoiseSchedule schedule = denoiser.scheduler().schedule();
    boolean cosine = schedule.kind() == NoiseSchedule.Kind.COSINE;
    if (stage == 2) {
      this.guidance = DEFAULT_GUIDANCE_UPSCALER;
      this.timesteps = UPSCALER_TIMESTEPS;
    } else {
      this.guidance =
          denoiser.conditionShape() == null
              ? 1.0
              : cosine ? DEFAULT_GUIDANCE_IF : DEFAULT_GUIDANCE_MNIST;
      this.timesteps =
          cosine
              ? Timesteps.IF_DEFAULT
              : Timesteps.evenly(schedule.maxTimestep(), schedule.maxTimestep());
    }
  }

  // ------------------------------------------------------------------ conditions

  /**
   * Conditions every sample on a prompt (text models).
   *
   * @param text the prompt
   * @return this builder
   */
  public Pipeline prompt(String text) {
    return condition(Condition.prompt(text));
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
   * Gives each sample its own prompt; the number of samples becomes {@code prompts.size()}.
   *
   * @param prompts one prompt per sample, at least one
   * @return this builder
   */
  public Pipeline prompts(List<String> prompts) {
    if (prompts == null || prompts.isEmpty()) {
      throw new IllegalArgumentException("prompts must hold at least one prompt, but is empty");
    }
    List<Condition> list = new ArrayList<>();
    for (String p : prompts) {
      list.add(checkCondition(Condition.prompt(p), "prompts"));
    }
    this.conditions = List.copyOf(list);
    this.samples = prompts.size();
    return this;
  }

  /**
   * Gives each sample its own condition; the number of samples becomes {@code conditions.size()}.
   *
   * @param conditions one condition per sample, at least one
   * @return this builder
   */
  public Pipeline conditions(List<Condition> conditions) {
    if (conditions == null || conditions.isEmpty()) {
      throw new IllegalArgumentException(
          "conditions must hold at least one condition, but is empty");
    }
    List<Condition> list = new ArrayList<>();
    for (Condition c : conditions) {
      list.add(checkCondition(c, "conditions"));
    }
    this.conditions = List.copyOf(list);
    this.samples = conditions.size();
    return this;
  }

  /**
   * Conditions every sample on one condition.
   *
   * @param condition the condition
   * @return this builder
   */
  public Pipeline condition(Condition condition) {
    this.conditions = List.of(checkCondition(condition, "condition"));
    return this;
  }

  private Condition checkCondition(Condition condition, String name) {
    if (condition == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    if (diffusion.encoder() == null) {
      throw new IllegalArgumentException(
          name
              + " cannot be used: the model "
              + denoiser
              + " has no conditions, but got: "
              + condition);
    }
    diffusion.encoder().check(condition);
    return condition;
  }

  /**
   * Sets the classifier-free guidance scale: {@code eps = eps_u + g * (eps_c - eps_u)}. A scale of
   * 1 or less runs the conditional pass only, as diffusers does ({@link Variant#STUDY}: only 1).
   * Defaults: {@value #DEFAULT_GUIDANCE_MNIST} for the MNIST class model, {@value
   * #DEFAULT_GUIDANCE_IF} for IF.
   *
   * @param scale the scale, {@code >= 0}
   * @return this builder
   */
  public Pipeline guidance(double scale) {
    this.guidance = Guidance.checkScale(scale);
    return this;
  }

  // ------------------------------------------------------------------ timesteps and noise

  /**
   * Uses {@code count} evenly spaced steps (the full chain when {@code count} is the number of
   * training steps). Default: every step for MNIST (300), the study's 990..0 stride 30 for IF. On
   * IF this is {@code count + 1} timesteps from 990 to 0, so {@code count + 1} UNet passes with
   * {@link Variant#DIFFUSERS}; for the list of diffusers' {@code num_inference_steps = n} use
   * {@code timesteps(Timesteps.leading(1000, n))}.
   *
   * @param count the number of denoising steps, in {@code [1, T]}
   * @return this builder
   */
  public Pipeline steps(int count) {
    NoiseSchedule s = denoiser.scheduler().schedule();
    int start = s.kind() == NoiseSchedule.Kind.COSINE ? 990 : s.maxTimestep();
    if (count < 1 || count > start) {
      throw new IllegalArgumentException("steps must be in [1, " + start + "], but is: " + count);
    }
    this.timesteps = Timesteps.evenly(start, count);
    return this;
  }

  /**
   * Uses an explicit timestep list.
   *
   * @param timesteps a strictly descending list within the model's schedule
   * @return this builder
   */
  public Pipeline timesteps(Timesteps timesteps) {
    if (timesteps == null) {
      throw new IllegalArgumentException("timesteps must not be null");
    }
    this.timesteps = timesteps.checkAgainst(denoiser.scheduler().schedule());
    return this;
  }

  /**
   * Seeds the noise. Default: a random seed, recorded in the request.
   *
   * @param seed the seed
   * @return this builder
   */
  public Pipeline seed(long seed) {
    this.seed = seed;
    this.explicitNoise = null;
    return this;
  }

  /**
   * Feeds explicit noise tensors instead of a seeded generator, in the draw order described on this
   * class (for comparisons with a reference implementation).
   *
   * @param tensors the noise tensors
   * @return this builder
   */
  public Pipeline noise(List<Tensor> tensors) {
    if (tensors == null || tensors.isEmpty()) {
      throw new IllegalArgumentException("noise must hold at least one tensor, but is empty");
    }
    this.explicitNoise = List.copyOf(tensors);
    return this;
  }

  /**
   * Sets the number of samples, generated as one batch.
   *
   * @param count at least 1
   * @return this builder
   */
  public Pipeline samples(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("samples must be >= 1, but is: " + count);
    }
    this.samples = count;
    return this;
  }

  /**
   * Sets the dynamic thresholding of the clean estimate, in place of what the model's scheduler
   * config says. Default ({@code null}): the config's thresholding or clipping with {@link
   * Variant#DIFFUSERS}, none with {@link Variant#STUDY}.
   *
   * @param settings the ratio and maximum, or {@code null} for the variant's default
   * @return this builder
   */
  public Pipeline thresholding(DDPMScheduler.Thresholding settings) {
    this.thresholding = settings;
    return this;
  }

  /**
   * Chooses the rules of the loop: {@link Variant#DIFFUSERS} (the default: diffusers' IF pipelines)
   * or {@link Variant#STUDY} (the study's loop: no final pass at timestep 0, no thresholding).
   *
   * @param variant the variant
   * @return this builder
   */
  public Pipeline variant(Variant variant) {
    if (variant == null) {
      throw new IllegalArgumentException("variant must not be null");
    }
    this.variant = variant;
    return this;
  }

  /**
   * Chooses how a mask keeps the region outside it: {@link Inpainting#REPAINT} (the default, the
   * study's) or {@link Inpainting#DIFFUSERS} ({@code IFInpaintingPipeline}'s).
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

  // ------------------------------------------------------------------ image-to-image

  /**
   * Starts from an image (SDEdit, translation, inpainting): it is noised to {@code
   * timesteps[startIndex]} and denoised from there. {@code startIndex = 0} starts from pure noise
   * (for inpainting, the study's setting).
   *
   * @param image {@code [1, C, H, W]} in the model's value range and size. Not modified.
   * @param startIndex the index into the timestep list where the run starts, {@code >= 0}
   * @return this builder
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
              + Arrays.toString(image.shape()));
    }
    if (startIndex < 0) {
      throw new IllegalArgumentException("startIndex must be >= 0, but is: " + startIndex);
    }
    this.image = image;
    this.startIndex = startIndex;
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

  /**
   * Gives the upscaler the low-resolution images to upscale: each is resized to the stage's size
   * (bilinear, {@code align_corners = true}), noised to the noise level and fed beside {@code x_t}.
   * The number of samples becomes the number of images when it is more than one.
   *
   * @param images {@code [N, C, h, w]} in the model's value range. Not modified.
   * @return this builder
   * @throws IllegalArgumentException on a pipeline whose model takes no image condition
   */
  public Pipeline lowResolution(Tensor images) {
    if (!(denoiser instanceof dev.diffusion4j.model.ImageConditioned ic)
        || ic.imageChannels() == 0) {
      throw new IllegalArgumentException(
          "lowResolution needs the upscaler (stage II), but this pipeline runs " + denoiser);
    }
    if (images == null) {
      throw new IllegalArgumentException("lowResolution must not be null");
    }
    images.requireRank(4, "lowResolution");
    if (images.dim(1) != ic.imageChannels()) {
      throw new IllegalArgumentException(
          "lowResolution must have "
              + ic.imageChannels()
              + " channels, but has shape: "
              + Arrays.toString(images.shape()));
    }
    this.lowResolution = images;
    if (images.dim(0) > 1) {
      this.samples = images.dim(0);
    }
    return this;
  }

  /**
   * Sets the timestep the upscaled image is noised to (default {@value #DEFAULT_NOISE_LEVEL}).
   *
   * @param level a timestep of the schedule
   * @return this builder
   */
  public Pipeline noiseLevel(int level) {
    denoiser.scheduler().schedule().checkTimestep("noiseLevel", level);
    this.noiseLevel = level;
    return this;
  }

  // ------------------------------------------------------------------ illusions

  /**
   * Adds a view to a visual anagram: the image read through {@code view} shows {@code other}. The
   * noise estimates of all views (the primary condition read upright) are averaged after their
   * inverse views. May be called several times for more than two views.
   *
   * @param other the condition seen through the view
   * @param view the view, e.g. {@link View#FLIP}
   * @return this builder
   */
  public Pipeline anagram(Condition other, View view) {
    requireConditional("anagram");
    if (view == null) {
      throw new IllegalArgumentException("view must not be null");
    }
    views.add(new ViewTerm(checkCondition(other, "anagram condition"), view));
    return this;
  }

  /**
   * Adds a vertically flipped view (the study's default anagram).
   *
   * @param other the condition seen upside down
   * @return this builder
   */
  public Pipeline anagram(Condition other) {
    return anagram(other, View.FLIP);
  }

  /**
   * Makes a hybrid image: the primary condition shapes the low frequencies (seen from afar), {@code
   * high} the high frequencies (seen up close): {@code eps = lowpass(eps1) + highpass(eps2)}, with
   * the blur scaled to the resolution ({@link GaussianBlur#forHybrid(int)}).
   *
   * @param high the condition of the high frequencies
   * @return this builder
   */
  public Pipeline hybrid(Condition high) {
    return hybrid(high, GaussianBlur.forHybrid(denoiser.sampleShape()[1]));
  }

  /**
   * Makes a hybrid image with an explicit low-pass filter.
   *
   * @param high the condition of the high frequencies
   * @param blur the low-pass filter
   * @return this builder
   */
  public Pipeline hybrid(Condition high, GaussianBlur blur) {
    requireConditional("hybrid");
    if (blur == null) {
      throw new IllegalArgumentException("blur must not be null");
    }
    this.hybridCondition = checkCondition(high, "hybrid condition");
    this.hybridBlur = blur;
    return this;
  }

  private void requireConditional(String what) {
    if (diffusion.encoder() == null) {
      throw new IllegalArgumentException(
          what + " needs a model with conditions, but " + denoiser + " is unconditional");
    }
  }

  // ------------------------------------------------------------------ observation

  /**
   * Captures the sample at the start, after every {@code n}-th step and at the end (for GIFs and
   * progression strips).
   *
   * @param n at least 1
   * @return this builder
   */
  public Pipeline captureEvery(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("captureEvery must be >= 1, but is: " + n);
    }
    this.captureEvery = n;
    return this;
  }

  /**
   * Receives progress after every step, on the thread that runs the pipeline.
   *
   * @param callback the callback, or {@code null} for none
   * @return this builder
   */
  public Pipeline progress(Consumer<Progress> callback) {
    this.progress = callback;
    return this;
  }

  // ------------------------------------------------------------------ freezing and running

  /**
   * Checks the settings together and freezes them.
   *
   * @return the request
   * @throws IllegalArgumentException for settings that contradict each other
   * @throws IllegalStateException if a conditional model has no condition
   */
  public Request build() {
    diffusion.checkOpen();
    boolean conditional = diffusion.encoder() != null;
    if (conditional && conditions.isEmpty()) {
      throw new IllegalStateException(
          "a condition is required for " + denoiser + ": call label(..) or prompt(..)");
    }
    int n = samples != null ? samples : Math.max(DEFAULT_SAMPLES, conditions.size());
    if (conditions.size() > 1 && conditions.size() != n) {
      throw new IllegalArgumentException(
          "samples must equal the number of per-sample conditions ("
              + conditions.size()
              + "), but is: "
              + n);
    }
    timesteps.checkAgainst(denoiser.scheduler().schedule());
    if (startIndex > timesteps.steps() - 1) {
      throw new IllegalArgumentException(
          "startIndex must be in [0, "
              + (timesteps.steps() - 1)
              + "] for "
              + timesteps
              + ", but is: "
              + startIndex);
    }
    if (stage == 2 && lowResolution == null) {
      throw new IllegalStateException(
          "the upscaler needs the low-resolution images: call lowResolution(images)");
    }
    if (lowResolution != null && lowResolution.dim(0) > 1 && lowResolution.dim(0) != n) {
      throw new IllegalArgumentException(
          "samples must equal the number of low-resolution images ("
              + lowResolution.dim(0)
              + "), but is: "
              + n);
    }
    if (mask != null && image == null) {
      throw new IllegalArgumentException(
          "mask needs the original image: call image(original, startIndex) as well");
    }
    if (!views.isEmpty() && hybridCondition != null) {
      throw new IllegalArgumentException(
          "anagram and hybrid cannot be combined in one run; choose one");
    }
    if ((!views.isEmpty() || hybridCondition != null) && conditions.size() > 1) {
      throw new IllegalArgumentException(
          "anagram and hybrid take one primary condition, but got "
              + conditions.size()
              + " per-sample conditions");
    }
    return new Request(
        conditions,
        guidance,
        timesteps,
        startIndex,
        n,
        seed,
        explicitNoise,
        image,
        mask,
        List.copyOf(views),
        hybridCondition,
        hybridBlur,
        thresholding,
        captureEvery,
        progress,
        stage,
        lowResolution,
        noiseLevel,
        variant,
        inpainting);
  }

  /**
   * Freezes the settings and runs the denoising loop.
   *
   * @return the samples and what was captured
   */
  public Generation generate() {
    return diffusion.run(build());
  }

  /**
   * The one-step clean estimate of the study (part A section 1.3): predicts the noise of {@code
   * noisy} at {@code timestep} (with this builder's condition and guidance) and returns {@code
   * x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)}.
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

  /**
   * Returns a builder holding the settings of a request (for sweeps: change one setting, run
   * again).
   *
   * @param diffusion the instance to run on
   * @param request the settings
   * @return a new builder
   */
  public static Pipeline toBuilder(Diffusion diffusion, Request request) {
    Pipeline p = request.stage() == 2 ? diffusion.upscaler() : diffusion.pipeline();
    p.conditions = request.conditions();
    p.guidance = request.guidance();
    p.timesteps = request.timesteps();
    p.startIndex = request.startIndex();
    p.samples = request.samples();
    p.seed = request.seed();
    p.explicitNoise = request.explicitNoise();
    p.image = request.image();
    p.mask = request.mask();
    p.views.addAll(request.views());
    p.hybridCondition = request.hybridCondition();
    p.hybridBlur = request.hybridBlur();
    p.thresholding = request.thresholding();
    p.captureEvery = request.captureEvery();
    p.progress = request.progress();
    p.lowResolution = request.lowResolution();
    p.noiseLevel = request.noiseLevel();
    p.variant = request.variant();
    p.inpainting = request.inpainting();
    return p;
  }

  /**
   * Returns a new builder with this builder's settings (for sweeps).
   *
   * @return the copy
   */
  public Pipeline toBuilder() {
    return toBuilder(diffusion, build());
  }

  static NoiseSource noiseSource(Request r) {
    return r.explicitNoise() != null
        ? NoiseSource.explicit(r.explicitNoise())
        : NoiseSource.seeded(r.seed());
  }
}
