package dev.diffusion4j.guidance;

import static dev.diffusion4j.testing.TestData.assertClose;
import static dev.diffusion4j.testing.TestData.reference;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class GuidanceTest {

  private static final JsonObject REF = reference("misc");

  @Test
  void classifierFreeGuidanceMatchesTorch() {
    Tensor c = tensor(REF, "cond");
    Tensor u = tensor(REF, "uncond");
    assertClose(Guidance.classifierFree(c, u, 7), tensor(REF, "cfg_7"), 1e-5);
    assertClose(Guidance.classifierFree(c, u, 1), c, 1e-6);
    assertClose(Guidance.classifierFree(c, u, 0), u, 0);
  }

  @Test
  void rejectsNegativeGuidance() {
    Tensor c = tensor(REF, "cond");
    assertThatThrownBy(() -> Guidance.classifierFree(c, c, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("guidance must be >= 0 and finite, but is: -1.0");
  }
}
