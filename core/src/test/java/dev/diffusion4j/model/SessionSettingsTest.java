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
}
