package dev.diffusion4j.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

/** Sessions open without ONNX Runtime's idle spinning unless the property turns it back on. */
class SessionSettingsTest {

  private static String spinning() throws Exception {
    boolean[] cuda = new boolean[1];
    try (OrtSession.SessionOptions o = SessionSettings.on(Device.cpu()).toOptions(cuda)) {
      return o.getConfigEntries().get("session.intra_op.allow_spinning");
    }
  }

  @Test
  void spinningIsOffByDefaultAndThePropertyTurnsItOn() throws Exception {
    String before = System.getProperty(SessionSettings.ALLOW_SPINNING_PROPERTY);
    try {
      System.clearProperty(SessionSettings.ALLOW_SPINNING_PROPERTY);
      assertThat(spinning()).isEqualTo("0");
      System.setProperty(SessionSettings.ALLOW_SPINNING_PROPERTY, "true");
      assertThat(spinning()).isEqualTo("1");
      System.setProperty(SessionSettings.ALLOW_SPINNING_PROPERTY, "yes");
      assertThat(spinning()).isEqualTo("0");
    } finally {
      if (before == null) {
        System.clearProperty(SessionSettings.ALLOW_SPINNING_PROPERTY);
      } else {
        System.setProperty(SessionSettings.ALLOW_SPINNING_PROPERTY, before);
      }
    }
  }

  @Test
  void theMemorySwitchesChangeNoResultAndRefuseOtherValues() throws Exception {
    java.nio.file.Path model =
        dev.diffusion4j.testing.TestData.path("models/contract/class-d4.onnx");
    float[] expected = sample(model);
    String[] properties = {
      SessionSettings.MEMORY_PATTERN_PROPERTY, SessionSettings.CPU_ARENA_PROPERTY
    };
    try {
      for (String p : properties) {
        System.setProperty(p, "false");
      }
      boolean[] cuda = new boolean[1];
      try (OrtSession.SessionOptions o = SessionSettings.on(Device.cpu()).toOptions(cuda)) {
        assertThat(o).isNotNull();
      }
      assertThat(sample(model)).containsExactly(expected);
      System.setProperty(SessionSettings.CPU_ARENA_PROPERTY, "off");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> sample(model))
          .hasStackTraceContaining(
              "system property diffusion4j.ort.cpuArena must be true or false, but is: 'off'");
    } finally {
      for (String p : properties) {
        System.clearProperty(p);
      }
    }
  }

  private static float[] sample(java.nio.file.Path model) {
    try (dev.diffusion4j.Diffusion d =
        dev.diffusion4j.Diffusion.mnist(model, SessionSettings.on(Device.cpu()))) {
      return d.pipeline().label(3).steps(3).seed(5).generate().images().data();
    }
  }
}
