package dev.diffusion4j;

import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.model.ImageConditioned;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
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
   * Gives the upscaler a low-resolution image as a user has it: converted by {@link
   * dev.diffusion4j.image.Images#forModel} to the model's channels and value range and to the size
   * of the base stage's samples (64x64 for IF: a larger image is block-averaged, then resized
   * bilinearly, as {@link Pipeline#image(BufferedImage)} converts a start image), then upscaled as
   * {@link #lowResolution(Tensor)} says.
   *
   * <pre>{@code
   * diffusion.upscaler().prompt("a photo of a dog")
   *     .lowResolution(Images.read(Path.of("dog-64.png")), false).generate();
   * }</pre>
   *
   * @param image the image, any size, gray or color. Not modified.
   * @param invert whether to invert its pixels ({@code 255 - pixel}) first
   * @return this builder
   * @throws IllegalArgumentException for a null image
   */
  public Upscaler lowResolution(java.awt.image.BufferedImage image, boolean invert) {
    int[] base = diffusion.denoiser().sampleShape();
    int channels = ((ImageConditioned) denoiser).imageChannels();
    return lowResolution(
        dev.diffusion4j.image.Images.forModel(
            image, channels, base[1], base[2], denoiser.valueRange(), invert));
  }

  /**
   * Gives the upscaler a low-resolution image file (PNG, JPEG, ... read by {@link
   * dev.diffusion4j.image.Images#read}), converted as {@link #lowResolution(BufferedImage,
   * boolean)} says.
   *
   * @param file the image file
   * @param invert whether to invert its pixels first
   * @return this builder
   * @throws IllegalArgumentException for a file that cannot be read as an image
   */
  public Upscaler lowResolution(java.nio.file.Path file, boolean invert) {
    return lowResolution(dev.diffusion4j.image.Images.read(file), invert);
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
