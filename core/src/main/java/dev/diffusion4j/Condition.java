package dev.diffusion4j;

/**
 * What a conditional model is asked for: a text prompt (DeepFloyd IF) or a class label (the MNIST
 * class-conditioned UNet).
 */
public sealed interface Condition permits Condition.Prompt, Condition.Label {

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
}
