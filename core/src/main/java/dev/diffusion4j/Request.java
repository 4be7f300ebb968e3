package dev.diffusion4j;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.image.Mask;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The frozen settings of one run, made only by {@link Pipeline#build()} or {@link
 * Upscaler#build()}. Immutable and thread-safe: a request may run several times, also concurrently.
 * New settings are added as new accessors, so code written against this class keeps compiling and
 * linking as the library grows (as OkHttp's {@code Request} does).
 *
 * <pre>{@code
 * Request r = diffusion.pipeline().label(7).steps(50).seed(42).build();
 * Generation g = diffusion.pipeline(r).seed(43).generate(); // the same settings, another seed
 * }</pre>
 */
public final class Request {

  /**
   * One extra view of a visual anagram: the condition read through the view.
   *
   * @param condition the condition seen through the view
   * @param view the view
   */
  public record ViewTerm(Condition condition, View view) {}

  private final int stage;
  private final List<Condition> conditions;
  private final double guidance;
  private final Timesteps timesteps;
  private final int samples;
  private final long seed;
  private final List<Tensor> explicitNoise;
  private final StartImage start;
  private final Technique technique;
  private final DDPMScheduler.Thresholding thresholding;
  private final int captureEvery;
  private final Consumer<Progress> progress;
  private final UpscalerInput upscalerInput;
  private final Variant variant;
  private final SamplerSettings sampler;
  private final boolean timestepsExplicit;
  private final int steps;
  private final Condition negative;
  private final long[] seeds;
  private final java.time.Duration timeout;

  Request(AbstractPipeline<?> b, int samples) {
    this.stage = b.stage;
    this.conditions = b.conditions;
    this.guidance = b.guidance;
    this.timesteps = b.timesteps;
    this.samples = samples;
    this.seed = b.seed;
    this.explicitNoise = b.explicitNoise;
    this.start = b.startImage();
    this.technique = b.technique;
    this.thresholding = b.thresholding;
    this.captureEvery = b.captureEvery;
    this.progress = b.progress;
    this.upscalerInput = b.upscalerInput();
    this.variant = b.variant;
    this.sampler = b.sampler;
    this.timestepsExplicit = b.timestepsExplicit;
    this.steps = b.steps;
    this.negative = b.negative;
    this.seeds = b.seeds;
    this.timeout = b.timeout;
  }

  /** The settings of {@code r} for one prediction on {@code samples} given samples. */
  private Request(Request r, int samples) {
    this.stage = r.stage;
    this.conditions = r.conditions;
    this.guidance = r.guidance;
    this.timesteps = r.timesteps;
    this.samples = samples;
    this.seed = r.seed;
    this.explicitNoise = r.explicitNoise;
    this.start = r.start;
    this.technique = Technique.plain();
    this.thresholding = r.thresholding;
    this.captureEvery = 0;
    this.progress = null;
    this.upscalerInput = null;
    this.variant = r.variant;
    this.sampler = r.sampler;
    this.timestepsExplicit = r.timestepsExplicit;
    this.steps = r.steps;
    this.negative = r.negative;
    this.seeds = null;
    this.timeout = r.timeout;
  }

  Request forSamples(int n) {
    return new Request(this, n);
  }

  NoiseSource noiseSource() {
    return explicitNoise != null
        ? NoiseSource.explicit(explicitNoise)
        : seeds != null ? NoiseSource.perSample(seeds) : NoiseSource.seeded(seed);
  }

  /**
   * Returns which stage runs the request.
   *
   * @return 1 for the base model ({@link Pipeline}), 2 for the upscaler ({@link Upscaler})
   */
  public int stage() {
    return stage;
  }

  /**
   * Returns the primary condition per sample.
   *
   * @return one entry per sample, or one entry shared by all samples; empty for an unconditional
   *     model
   */
  public List<Condition> conditions() {
    return conditions;
  }

  /**
   * Returns the condition of the unconditional pass of guidance (the negative prompt).
   *
   * @return the negative condition, or {@code null} for the model's default ({@code ""} for IF,
   *     zeros for the MNIST class model)
   */
  public Condition negative() {
    return negative;
  }

  /**
   * Returns the classifier-free guidance scale.
   *
   * @return the scale; 1 runs the conditional pass only
   */
  public double guidance() {
    return guidance;
  }

  /**
   * Returns the timestep list: the one given to {@code timesteps(..)}, or the stage's default list.
   * A run walks it when {@link #steps()} is 0; otherwise the sampler makes its own list of that
   * many steps.
   *
   * @return the timesteps
   */
  public Timesteps timesteps() {
    return timesteps;
  }

  /**
   * Returns the number of steps given to {@code steps(n)}: a run makes that many UNet passes per
   * sample, at the timesteps its sampler's {@code setTimesteps(n)} chooses.
   *
   * @return the count, or 0 when the run walks {@link #timesteps()}
   */
  public int steps() {
    return steps;
  }

  /**
   * Returns where in {@link #timesteps()} the run starts.
   *
   * @return the start index, 0 for a run from pure noise
   */
  public int startIndex() {
    return start == null ? 0 : start.startIndex();
  }

  /**
   * Returns the number of samples.
   *
   * @return at least 1
   */
  public int samples() {
    return samples;
  }

  /**
   * Returns the seed of the noise, used when no explicit noise was given.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  /**
   * Returns the per-sample seeds of {@code seeds(..)}: sample {@code i} draws its noise from seed
   * {@code i} alone.
   *
   * @return one seed per sample, or an empty list when the run has one seed (or explicit noise)
   */
  public List<Long> seeds() {
    if (seeds == null) {
      return List.of();
    }
    List<Long> list = new java.util.ArrayList<>(seeds.length);
    for (long s : seeds) {
      list.add(s);
    }
    return List.copyOf(list);
  }

  long[] seedsArray() {
    return seeds;
  }

  /**
   * Returns the run's time limit.
   *
   * @return the limit, or {@code null} for none
   */
  public java.time.Duration timeout() {
    return timeout;
  }

  /**
   * Returns the explicit noise tensors in draw order.
   *
   * @return the tensors, or {@code null} when the noise is seeded
   */
  public List<Tensor> explicitNoise() {
    return explicitNoise;
  }

  /**
   * Returns the start image of SDEdit, translation or inpainting.
   *
   * @return {@code [1, C, H, W]}, or {@code null}
   */
  public Tensor image() {
    return start == null ? null : start.image();
  }

  /**
   * Returns the settings of a run that starts from an image: the image, the start index, the mask
   * and the inpainting rule, together.
   *
   * @return the settings, or {@code null} for a run from pure noise without an image
   */
  public StartImage startImage() {
    return start;
  }

  /**
   * Returns the inpainting mask.
   *
   * @return the mask, or {@code null}
   */
  public Mask mask() {
    return start == null ? null : start.mask();
  }

  /**
   * Returns the extra views of a visual anagram (the primary condition is read through the
   * identity).
   *
   * @return the views, empty for a run that is not an anagram
   */
  public List<ViewTerm> views() {
    return technique.views();
  }

  /**
   * Returns the technique: plain, an anagram with its views and weights, or a hybrid with its
   * condition and filter.
   *
   * @return the technique
   */
  public Technique technique() {
    return technique;
  }

  /**
   * Returns the condition of the high frequencies of a hybrid image.
   *
   * @return the condition, or {@code null}
   */
  public Condition hybridCondition() {
    return technique.highCondition();
  }

  /**
   * Returns the low-pass filter of a hybrid image.
   *
   * @return the filter, or {@code null}
   */
  public GaussianBlur hybridBlur() {
    return technique.blur();
  }

  /**
   * Returns the dynamic thresholding of the clean estimate.
   *
   * @return the settings, or {@code null} when off
   */
  public DDPMScheduler.Thresholding thresholding() {
    return thresholding;
  }

  /**
   * Returns how often the sample is captured.
   *
   * @return every n steps; 0 for never
   */
  public int captureEvery() {
    return captureEvery;
  }

  /**
   * Returns the progress callback.
   *
   * @return the callback, or {@code null}
   */
  public Consumer<Progress> progress() {
    return progress;
  }

  /**
   * Returns the low-resolution images the upscaler conditions on.
   *
   * @return {@code [N, C, h, w]}, or {@code null} for stage I
   */
  public Tensor lowResolution() {
    return upscalerInput == null ? null : upscalerInput.images();
  }

  /**
   * Returns what the upscaler conditions on: the low-resolution images and their noise level,
   * together.
   *
   * @return the input, or {@code null} for stage I
   */
  public UpscalerInput upscalerInput() {
    return upscalerInput;
  }

  /**
   * Returns the timestep the upscaler's image condition is noised to.
   *
   * @return the noise level
   */
  public int noiseLevel() {
    return upscalerInput == null ? Upscaler.DEFAULT_NOISE_LEVEL : upscalerInput.noiseLevel();
  }

  /**
   * Returns the weights of the anagram's views.
   *
   * @return one weight per view (the primary condition's first), or {@code null} for the plain mean
   */
  public List<Double> viewWeights() {
    return technique.weights();
  }

  /**
   * Returns the rules of the loop.
   *
   * @return {@link Variant#DIFFUSERS} (diffusers' IF pipelines) or {@link Variant#STUDY}
   */
  public Variant variant() {
    return variant;
  }

  /**
   * Returns how a mask keeps the region outside it.
   *
   * @return {@link Inpainting#REPAINT} or {@link Inpainting#DIFFUSERS}
   */
  public Inpainting inpainting() {
    return start == null ? Inpainting.REPAINT : start.inpainting();
  }

  /**
   * Returns the sampler the loop steps with.
   *
   * @return the sampler; {@link Sampler#DDPM} by default
   */
  public Sampler sampler() {
    return sampler.sampler();
  }

  /**
   * Returns the sampler with the scheduler options the request set ({@link
   * AbstractPipeline#sampler(SamplerSettings)}).
   *
   * @return the settings; {@link Sampler#DDPM} with none by default
   */
  public SamplerSettings samplerSettings() {
    return sampler;
  }

  /** Whether the timestep list was given explicitly (rather than by a step count). */
  boolean timestepsExplicit() {
    return timestepsExplicit;
  }

  /** Two requests are equal when every setting is (callbacks and tensors by identity). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Request r
        && stage == r.stage
        && conditions.equals(r.conditions)
        && Double.compare(guidance, r.guidance) == 0
        && timesteps.equals(r.timesteps)
        && samples == r.samples
        && seed == r.seed
        && Objects.equals(explicitNoise, r.explicitNoise)
        && Objects.equals(start, r.start)
        && technique.equals(r.technique)
        && Objects.equals(thresholding, r.thresholding)
        && captureEvery == r.captureEvery
        && progress == r.progress
        && Objects.equals(upscalerInput, r.upscalerInput)
        && variant == r.variant
        && sampler.equals(r.sampler)
        && timestepsExplicit == r.timestepsExplicit
        && steps == r.steps
        && Objects.equals(negative, r.negative)
        && java.util.Arrays.equals(seeds, r.seeds)
        && Objects.equals(timeout, r.timeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        stage, conditions, guidance, timesteps, steps, start, samples, seed, technique, sampler);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Request[");
    s.append(stage == 2 ? "upscaler" : "pipeline");
    if (!conditions.isEmpty()) {
      s.append(", conditions=").append(conditions);
    }
    if (negative != null) {
      s.append(", negative=").append(negative);
    }
    s.append(", guidance=").append(guidance);
    if (sampler.sampler() != Sampler.DDPM) {
      s.append(", sampler=").append(sampler);
    }
    if (steps > 0) {
      s.append(", steps=").append(steps);
    } else {
      s.append(", timesteps=").append(timesteps);
    }
    if (startIndex() > 0) {
      s.append(", startIndex=").append(startIndex());
    }
    s.append(", samples=").append(samples);
    s.append(
        explicitNoise != null
            ? ", explicit noise"
            : seeds != null ? ", seeds=" + java.util.Arrays.toString(seeds) : ", seed=" + seed);
    if (timeout != null) {
      s.append(", timeout=").append(timeout);
    }
    if (start != null) {
      s.append(", image");
    }
    if (mask() != null) {
      s.append(", mask");
    }
    if (!technique.views().isEmpty()) {
      s.append(", anagram=").append(technique.views());
      if (technique.weights() != null) {
        s.append(", anagramWeights=").append(technique.weights());
      }
    }
    if (technique.kind() == Technique.Kind.HYBRID) {
      s.append(", hybrid=").append(technique.hybridConditions());
      if (technique.blur() == null) {
        s.append(", factorization=").append(technique.factorization());
      }
    }
    if (technique.kind() != Technique.Kind.PLAIN) {
      s.append(", reduction=").append(technique.reduction());
    }
    if (technique.reference() != null) {
      s.append(", referenceImage");
    }
    if (thresholding != null) {
      s.append(", thresholding=").append(thresholding);
    }
    if (upscalerInput != null) {
      s.append(", noiseLevel=").append(upscalerInput.noiseLevel());
    }
    return s.append(']').toString();
  }
}
