package dev.diffusion4j;

import dev.diffusion4j.tensor.Tensor;

/**
 * Turns a {@link Condition} into the tensor a {@link dev.diffusion4j.model.Denoiser} is fed (a
 * one-hot vector for a digit, prompt embeddings for IF). Implementations are thread-safe.
 */
public interface ConditionEncoder extends AutoCloseable {

  /**
   * Encodes one condition.
   *
   * @param condition the condition
   * @return a {@code [1, ...]} tensor of the denoiser's condition shape
   * @throws IllegalArgumentException if this encoder does not understand the condition
   */
  Tensor encode(Condition condition);

  /**
   * Returns the condition of the unconditional pass of classifier-free guidance: zeros for the
   * MNIST class model, the empty prompt's embedding for IF.
   *
   * @return a {@code [1, ...]} tensor of the denoiser's condition shape
   */
  Tensor unconditional();

  /**
   * Checks a condition without running any model, so that a pipeline can reject it before the first
   * step.
   *
   * @param condition the condition
   * @throws IllegalArgumentException if this encoder cannot encode it
   */
  default void check(Condition condition) {
    encode(condition);
  }

  /** Releases what the encoder opened. Idempotent; the default holds nothing. */
  @Override
  default void close() {}

  /**
   * The encoder of the MNIST class model: a digit label becomes its one-hot vector; {@link
   * Condition.Embeddings} ({@code [1, 10]}, e.g. a mix of two one-hot vectors) go in as they are.
   *
   * @return the encoder
   */
  static ConditionEncoder digits() {
    return new ConditionEncoder() {
      @Override
      public Tensor encode(Condition condition) {
        if (condition instanceof Condition.Label l) {
          if (l.value() > 9) {
            throw new IllegalArgumentException("digit must be in [0, 9], but is: " + l.value());
          }
          return dev.diffusion4j.model.MnistUNet.oneHot(l.value());
        }
        if (condition instanceof Condition.Embeddings e) {
          return e.tensor();
        }
        throw new IllegalArgumentException(
            "condition must be a digit label for the MNIST class model, but is the prompt: "
                + condition);
      }

      @Override
      public Tensor unconditional() {
        return Tensor.zeros(1, dev.diffusion4j.model.MnistUNet.NUM_CLASSES);
      }
    };
  }
}
