package dev.diffusion4j;

import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.model.ImageConditioned;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import java.util.Arrays;

/**
 * A fluent description of one run of the super-resolution stage (IF stage II, 64 to 256 pixels),
 * from {@link Diffusion#upscaler()}. It takes the settings both stages share ({@link
 * AbstractPipeline}: prompts, guidance, timesteps, noise, anagram and hybrid views, progress) and
 * the low-resolution images to upscale, which it requires.
 *
 * <pre>{@code
 * try (Diffusion diffusion = Diffusion.deepFloyd(Path.of("models/if"))) {
 *   Generation small = diffusion.pipeline().prompt("a photo of a dog").seed(1).generate();
 *   Generation big =
 *       diffusion.upscaler().prompt("a photo of a dog").lowResolution(small.images()).generate();
 *   big.save(Path.of("dog"));
 * }
 * }</pre>
 *
 * <p>Each low-resolution image is resized to the stage's size (bilinear, {@code align_corners =
 * true}), noised to {@link #noiseLevel(int)} by the model's own DDPM scheduler and fed beside
 * {@code x_t}. The upscaler takes every {@link Sampler} ({@link #sampler(Sampler)}) and {@link
 * #steps(int)}, as stage I does. Noise is drawn in the order described on {@link Pipeline}: the
 * starting noise, the noise of the image condition (the other way round with {@link
 * Variant#STUDY}), then per step the scheduler's noise.
 *
 * <p>A builder is not thread-safe; requests are immutable and may run concurrently.
 */
public final class Upscaler extends AbstractPipeline<Upscaler> {

  /** The default timestep the upscaled image is noised to: diffusers' {@code noise_level}. */
  public static final int DEFAULT_NOISE_LEVEL = 250;

  /** The default guidance of stage II: diffusers' setting. */
  public static final double DEFAULT_GUIDANCE = 4.0;

  /**
   * The default timesteps of stage II: 980, 960, ..., 0, the 50 timesteps of diffusers' default
   * ({@code num_inference_steps = 50}, leading spacing): 50 UNet passes with {@link
   * Variant#DIFFUSERS}, 49 with {@link Variant#STUDY}.
   */
  public static final Timesteps DEFAULT_TIMESTEPS = Timesteps.strided(980, 20);

  private Tensor lowResolution;
  private int noiseLevel = DEFAULT_NOISE_LEVEL;

  Upscaler(Diffusion diffusion, Denoiser denoiser) {
    super(diffusion, denoiser, 2);
    this.guidance = DEFAULT_GUIDANCE;
    this.timesteps = DEFAULT_TIMESTEPS;
  }

  @Override
  Upscaler self() {
    return this;
  }

  @Override
  void copyStage(Request r) {
    lowResolution = r.lowResolution();
    noiseLevel = r.noiseLevel();
  }

  @Override
  StartImage startImage() {
    return null;
  }

  @Override
  UpscalerInput upscalerInput() {
    return lowResolution == null ? null : new UpscalerInput(lowResolution, noiseLevel);
  }

  /**
   * Gives the upscaler the low-resolution images to upscale. The number of samples becomes the
   * number of images when it is more than one. Required.
   *
   * @param images {@code [N, C, h, w]} in the model's value range. Not modified.
   * @return this builder
   */
  public Upscaler lowResolution(Tensor images) {
    if (images == null) {
      throw new IllegalArgumentException("lowResolution must not be null");
    }
    int channels = ((ImageConditioned) denoiser).imageChannels();
    images.requireRank(4, "lowResolution");
    if (images.dim(1) != channels) {
      throw new IllegalArgumentException(
          "lowResolution must have "
              + channels
              + " channels, but has shape: "
              + Arrays.toString(images.shape()));
    }
    this.lowResolution = dev.diffusion4j.tensor.Finite.requireFinite(images, "lowResolution");
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
  public Upscaler noiseLevel(int level) {
    denoiser.scheduler().schedule().checkTimestep("noiseLevel", level);
    this.noiseLevel = level;
    return this;
  }

  @Override
  void checkStage(int n) {
    if (lowResolution == null) {
      throw new IllegalStateException(
          "the upscaler needs the low-resolution images: call lowResolution(images)");
    }
    if (lowResolution.dim(0) > 1 && lowResolution.dim(0) != n) {
      throw new IllegalArgumentException(
          "samples must equal the number of low-resolution images ("
              + lowResolution.dim(0)
              + "), but is: "
              + n);
    }
  }

  @Override
  public Upscaler toBuilder() {
    return new Upscaler(diffusion, denoiser).copy(build());
  }
}
