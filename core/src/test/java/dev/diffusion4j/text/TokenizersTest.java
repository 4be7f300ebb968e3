package dev.diffusion4j.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** DJL's tokenizers are optional: their absence is a message naming the dependency. */
class TokenizersTest {

  @Test
  void theTestClasspathHasThem() {
    assertThat(Tokenizers.available()).isTrue();
  }

  @Test
  void aMissingTokenizerNamesTheDependencyToAdd() {
    assertThatThrownBy(() -> Tokenizers.require("no.such.Tokenizer", "the T5 text encoder"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "the T5 text encoder needs DJL's HuggingFace tokenizers, an optional dependency of"
                + " diffusion4j-core: add ai.djl.huggingface:tokenizers:0.");
  }
}
