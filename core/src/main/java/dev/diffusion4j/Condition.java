package dev.diffusion4j;

import dev.diffusion4j.tensor.Tensor;

/**
 * What a conditional model is asked for: a text prompt (DeepFloyd IF) or a class label (the MNIST
 * class-conditioned UNet). The pipeline's {@code label(..)} and {@code prompt(..)} make the primary
 * condition; a {@code Condition} names the others (the second view of an anagram, the high
 * frequencies of a hybrid, one condition per sample):
 *
 * <pre>{@code
 * diffusion.pipeline().label(6).anagram(Condition.label(9), View.ROT180).generate();
 * diffusion.pipeline().conditions(List.of(Condition.label(0), Condition.label(1))).generate();
 * ifDiffusion.pipeline().prompt("a lithograph of a skull")
 *     .hybrid(Condition.prompt("a lithograph of waterfalls")).generate();
 * ifDiffusion.pipeline().prompt("a photo of a dog")
 *     .negative(Condition.embeddings(myNegativeEmbeds)).generate(); // [1, 77, 4096]
 * }</pre>
 *
 * <p>A condition is checked against the model when it is given to a pipeline: a label for IF, a
 * prompt for MNIST, a digit outside 0-9 or an unknown prompt without a text encoder are refused
 * there. Immutable.
 */
public sealed interface Condition permits Condition.Prompt, Condition.Label, Condition.Embeddings {

  /**
   * A text prompt.
   *
   * @param text the prompt; may be empty (the unconditional prompt of IF)
   */
  record Prompt(String text) implements Condition {
    /**
     * Validates the prompt.
     *
     * @throws IllegalArgumentException if the text is null
     */
    public Prompt {
      if (text == null) {
        throw new IllegalArgumentException("prompt must not be null");
      }
    }

    @Override
    public String toString() {
      return "\"" + text + "\"";
    }
  }

  /**
   * A class label.
   *
   * @param value the class index, {@code >= 0}
   */
  record Label(int value) implements Condition {
    /**
     * Validates the label.
     *
     * @throws IllegalArgumentException if the label is negative
     */
    public Label {
      if (value < 0) {
        throw new IllegalArgumentException("label must be >= 0, but is: " + value);
      }
    }

    @Override
    public String toString() {
      return Integer.toString(value);
    }
  }

  /**
   * Precomputed condition tensors, fed to the model as they are: for IF a prompt's T5 embeddings,
   * as diffusers' {@code prompt_embeds} and {@code negative_prompt_embeds} take them.
   *
   * @param tensor a batch of one, {@code [1, ...]} in the model's condition shape (checked when the
   *     condition is given to a pipeline): {@code [1, 77, 4096]} for IF
   */
  record Embeddings(Tensor tensor) implements Condition {
    /**
     * Validates the tensor.
     *
     * @throws IllegalArgumentException if it is null, not a batch of one of rank 2 or more, or
     *     holds NaN or an infinity
     */
    public Embeddings {
      if (tensor == null) {
        throw new IllegalArgumentException("embeddings must not be null");
      }
      if (tensor.rank() < 2 || tensor.dim(0) != 1) {
        throw new IllegalArgumentException(
            "embeddings must be a batch of one, [1, ...], but have shape: "
                + java.util.Arrays.toString(tensor.shape()));
      }
      float[] d = tensor.data();
      for (int i = 0; i < d.length; i++) {
        if (!Float.isFinite(d[i])) {
          throw new IllegalArgumentException(
              "embeddings must be finite, but element " + i + " is: " + d[i]);
        }
      }
    }

    @Override
    public String toString() {
      return "embeddings" + java.util.Arrays.toString(tensor.shape());
    }
  }

  /**
   * A prompt.
   *
   * @param text the prompt
   * @return the condition
   */
  static Condition prompt(String text) {
    return new Prompt(text);
  }

  /**
   * A class label.
   *
   * @param value the class index
   * @return the condition
   */
  static Condition label(int value) {
    return new Label(value);
  }

  /**
   * Precomputed condition tensors (IF's prompt embeddings).
   *
   * @param tensor {@code [1, ...]} in the model's condition shape
   * @return the condition
   */
  static Condition embeddings(Tensor tensor) {
    return new Embeddings(tensor);
  }
}
