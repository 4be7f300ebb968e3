package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MessagesTest {

  @Test
  void controlCharactersAreEscapedSoNoLineCanBeForged() {
    assertThat(Messages.quote("a\nINFO: forged\r\u001b[31m\u0000\t\\ \u0085\u2028ok"))
        .isEqualTo("a\\nINFO: forged\\r\\u001b[31m\\u0000\\t\\\\ \\u0085\\u2028ok");
    assertThat(Messages.quote(null)).isEqualTo("null");
    assertThat(Messages.quote("trois étoiles ★")).isEqualTo("trois étoiles ★");
  }

  @Test
  void longInputIsCutWithItsLength() {
    String q = Messages.quote("x".repeat(1000));
    assertThat(q).isEqualTo("x".repeat(Messages.MAX_CHARS) + "... (1000 chars)");
  }

  @Test
  void errorsThatEchoUserInputEscapeIt() {
    assertThatThrownBy(() -> Sampler.fromName("ddim\nERROR: forged"))
        .hasMessageStartingWith("unknown sampler 'ddim\\nERROR: forged'")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThatThrownBy(() -> RegularFiles.require(Path.of("/nonexistent\r\u001b[2J"), "model file"))
        .hasMessage("model file does not exist: /nonexistent\\r\\u001b[2J");
  }
}
