package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.assertClose;
import static dev.diffusion4j.testing.TestData.reference;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.schedule.DDPMScheduler.Thresholding;
import dev.diffusion4j.schedule.DDPMScheduler.VarianceType;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays {@code testdata/reference/ddpm_diffusers.json}: diffusers' own {@code DDPMScheduler}
 * (v0.27.2) stepped from every timestep of a list, the last (t = 0 to -1) included, for every
 * variance type, clipping and thresholding setting (written by {@code
 * onnx-export/reference/ddpm_scheduler_vectors.py}).
 */
class DDPMSchedulerDiffusersTest {

  private static final JsonObject REF = reference("ddpm_diffusers");
  private static final double[] WORST = new double[2]; // unit: absolute; large: scaled

  @AfterAll
  static void report() {
    System.out.printf(
        "DDPMScheduler vs diffusers: worst %.3g absolute on unit-scale inputs, %.3g relative on"
            + " large ones%n",
        WORST[0], WORST[1]);
  }

  private static void track(Tensor actual, Tensor expected, int which) {
    for (int i = 0; i < actual.size(); i++) {
      double e = expected.data()[i];
      double err = Math.abs(actual.data()[i] - e) / (which == 0 ? 1 : Math.max(1, Math.abs(e)));
      WORST[which] = Math.max(WORST[which], err);
    }
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (JsonElement e : REF.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      JsonObject config = c.getAsJsonObject("config");
      String name =
          config.get("beta_schedule").getAsString()
              + " "
              + config.get("variance_type").getAsString()
              + (config.get("thresholding").getAsBoolean()
                  ? " thresholding " + config.get("dynamic_thresholding_ratio").getAsDouble()
                  : config.get("clip_sample").getAsBoolean()
                      ? " clip " + config.get("clip_sample_range").getAsDouble()
                      : "")
              + " "
              + c.get("input").getAsString()
              + " t="
              + c.get("timestep").getAsInt()
              + "->"
              + c.get("prev_timestep").getAsInt();
      out.add(Arguments.of(name, c));
    }
    return out.stream();
  }

  /** The library's scheduler for a diffusers config. */
  static DDPMScheduler scheduler(JsonObject config) {
    int t = config.get("num_train_timesteps").getAsInt();
    NoiseSchedule schedule =
        switch (config.get("beta_schedule").getAsString()) {
          case "squaredcos_cap_v2" -> NoiseSchedule.cosine(t);
          case "linear" -> NoiseSchedule.linear(t, 1e-4, 0.02);
          default -> throw new IllegalArgumentException(config.toString());
        };
    Thresholding thresholding =
        config.get("thresholding").getAsBoolean()
            ? new Thresholding(
                config.get("dynamic_thresholding_ratio").getAsDouble(),
                config.get("sample_max_value").getAsDouble())
            : null;
    return new DDPMScheduler(
            schedule,
            VarianceType.fromDiffusers(config.get("variance_type").getAsString()),
            thresholding,
            true)
        .withClipSample(
            config.get("clip_sample").getAsBoolean(),
            config.get("clip_sample_range").getAsDouble());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void stepMatchesDiffusers(String name, JsonObject c) {
    DDPMScheduler s = scheduler(c.getAsJsonObject("config"));
    String prefix = c.get("input").getAsString().equals("large") ? "large_" : "";
    JsonObject inputs = REF.getAsJsonObject("inputs");
    Tensor xt = tensor(inputs, prefix + "x_t");
    Tensor eps = tensor(inputs, prefix + "eps");
    boolean learnedOnly = s.varianceType() == VarianceType.LEARNED;
    Tensor v = tensor(inputs, prefix + (learnedOnly ? "v_learned" : "v"));
    Tensor z = tensor(inputs, "z");
    // part B's linear schedule counts from the clean image: its t is diffusers' t + 1
    int offset = s.schedule().kind() == NoiseSchedule.Kind.LINEAR ? 1 : 0;
    int t = c.get("timestep").getAsInt() + offset;
    int prev = c.get("prev_timestep").getAsInt() + offset;
    assertThat(s.needsNoise(t, prev)).isEqualTo(t - offset > 0);
    SchedulerOutput out = s.step(eps, v, t, prev, xt, z);
    // 1e-6 absolute on unit-scale values; 1e-5 relative on the large batch (x_t up to ~500, x0_hat
    // up to 1.4e5)
    double tol = prefix.isEmpty() ? 1e-6 : 1e-5;
    track(out.predOriginalSample(), tensor(c, "pred_original_sample"), prefix.isEmpty() ? 0 : 1);
    track(out.prevSample(), tensor(c, "prev_sample"), prefix.isEmpty() ? 0 : 1);
    assertClose(out.predOriginalSample(), tensor(c, "pred_original_sample"), tol);
    assertClose(out.prevSample(), tensor(c, "prev_sample"), tol);
  }

  @Test
  void everyConfigStepsEveryTimestepDownToTheCleanImage() {
    long finalSteps =
        REF.getAsJsonArray("cases").asList().stream()
            .filter(e -> e.getAsJsonObject().get("prev_timestep").getAsInt() == -1)
            .count();
    assertThat(finalSteps).isEqualTo(22); // 11 configs, unit and large inputs
  }
}
