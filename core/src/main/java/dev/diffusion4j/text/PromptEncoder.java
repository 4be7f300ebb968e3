package dev.diffusion4j.text;

import dev.diffusion4j.Condition;
import dev.diffusion4j.ConditionEncoder;
import dev.diffusion4j.tensor.Tensor;

/**
 * IF's prompt encoder: precomputed embeddings where the file has the prompt, the T5 encoder
 * otherwise (when there is one); {@link Condition.Embeddings} as they are. The unconditional pass
 * uses the empty prompt {@code ""}.
 *
 * <p>Thread-safe; closes the T5 encoder it was given (it owns it).
 */
public final class PromptEncoder implements ConditionEncoder {

  private final PromptEmbeddings embeddings;
  private final T5Encoder encoder;

  /**
   * Creates an encoder from either source or both.
   *
   * @param embeddings precomputed embeddings, or {@code null}
   * @param encoder a T5 encoder, or {@code null}; this object takes ownership of it
   * @throws IllegalArgumentException if both are {@code null}
   */
  public PromptEncoder(PromptEmbeddings embeddings, T5Encoder encoder) {
    if (embeddings == null && encoder == null) {
      throw new IllegalArgumentException(
          "a prompt encoder needs precomputed embeddings or a T5 encoder, but got neither");
    }
    this.embeddings = embeddings;
    this.encoder = encoder;
  }

  private static String text(Condition condition) {
    if (condition instanceof Condition.Prompt p) {
      return p.text();
    }
    throw new IllegalArgumentException(
        "condition must be a prompt for DeepFloyd IF, but is the label: " + condition);
  }

  @Override
  public Tensor encode(Condition condition) {
    if (condition instanceof Condition.Embeddings e) {
      return e.tensor();
    }
    String text = text(condition);
    if (embeddings != null && (embeddings.contains(text) || encoder == null)) {
      return embeddings.get(text);
    }
    return encoder.encode(text);
  }

  @Override
  public void check(Condition condition) {
    if (condition instanceof Condition.Embeddings) {
      return;
    }
    String text = text(condition);
    if (encoder == null) {
      embeddings.get(text); // throws, listing the prompts held
    }
  }

  @Override
  public Tensor unconditional() {
    return encode(Condition.prompt(""));
  }

  @Override
  public void close() {
    if (encoder != null) {
      encoder.close();
    }
  }
}
