package dev.diffusion4j.model;

import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.tensor.Tensor;

/**
 * The contract between the library's denoising loop and a noise-predicting diffusion model: given a
 * batch of noisy samples, their timesteps and their conditions, predict the noise (and, for
 * learned-range models, the variance values). A denoiser only predicts; the pipeline owns the loop
 * and the scheduler owns the step.
 *
 * <p>Implementations are thread-safe: {@link #predict} may be called from several threads at once.
 * A denoiser owns its ONNX sessions and releases them in {@link #close()}, which is idempotent.
 *
 * <p>One prediction by hand, and a denoiser of one's own behind the library's loop:
 *
 * <pre>{@code
 * try (MnistUNet unet = MnistUNet.classConditioned(MnistModels.source("class-epoch20"),
 *     SessionSettings.DEFAULT)) {
 *   Tensor x = NoiseSource.seeded(1).next(1, 1, 28, 28);
 *   Tensor eps = unet.predict(x, new int[] {300}, MnistUNet.oneHot(7)).noise();
 * }
 *
 * Denoiser mine = ...; // any model that predicts noise: implement the five methods
 * try (Diffusion diffusion = Diffusion.of(mine, null)) { // unconditional: no encoder
 *   diffusion.pipeline().steps(50).seed(1).generate();
 * }
 * }</pre>
 */
public interface Denoiser extends AutoCloseable {

  /**
   * Returns the sample shape of one image, {@code [C, H, W]}.
   *
   * @return the channels and size the model works on
   */
  int[] sampleShape();

  /**
   * Returns the shape of one condition (for example {@code [10]} for a one-hot class, {@code [77,
   * 4096]} for IF's prompt embeddings), or {@code null} for an unconditional model.
   *
   * @return the condition shape, or {@code null}
   */
  int[] conditionShape();

  /**
   * Returns the scheduler that matches the model's training (schedule and variance type).
   *
   * @return the scheduler
   */
  DDPMScheduler scheduler();

  /**
   * Returns the value range the model's images live in.
   *
   * @return the range
   */
  dev.diffusion4j.image.ValueRange valueRange();

  /**
   * Predicts the noise for a batch.
   *
   * @param sample the noisy samples {@code [B, C, H, W]}. Not modified.
   * @param timesteps one timestep per sample
   * @param condition the conditions {@code [B, ...conditionShape()]}, or {@code null} for an
   *     unconditional model. Not modified.
   * @return the noise estimate (and variance values where the model has them)
   * @throws IllegalArgumentException if a shape does not fit the model
   * @throws IllegalStateException after {@link #close()}
   */
  Prediction predict(Tensor sample, int[] timesteps, Tensor condition);

  /**
   * Cancels the model passes in progress on any thread; each throws a {@link
   * dev.diffusion4j.DiffusionException} saying it was cancelled. Passes started afterwards run
   * normally. The default does nothing (a model without native sessions finishes on its own).
   */
  default void cancel() {}

  /**
   * Cancels the model passes in progress on one thread, as {@link #cancel()} does for all (how a
   * run's timeout stops its own pass). The default cancels the passes of every thread.
   *
   * @param thread the thread whose passes to stop
   */
  default void cancel(Thread thread) {
    cancel();
  }

  /** Releases the model's sessions. Idempotent. */
  @Override
  void close();
}
