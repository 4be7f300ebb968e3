package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.reference;

import com.google.gson.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays {@code testdata/reference/euler_ancestral_diffusers.json}: whole runs of diffusers' own
 * {@code EulerAncestralDiscreteScheduler} (v0.27.2) on both schedules, every spacing (linspace's
 * fractional timesteps included), 7 to 50 steps, SDEdit starts and a trailing list that ends at -1,
 * with its step noise given (written by {@code onnx-export/reference/make_sampler_reference.py}).
 */
class EulerAncestralDiscreteSchedulerDiffusersTest {

  private static final JsonObject REF = reference("euler_ancestral_diffusers");

  static Stream<Arguments> cases() {
    return DiffusersRuns.cases(REF);
  }

  /** The library's scheduler for a case's diffusers config. */
  static EulerAncestralDiscreteScheduler scheduler(JsonObject c) {
    JsonObject config = c.getAsJsonObject("config");
    return EulerAncestralDiscreteScheduler.builder(DiffusersRuns.schedule(REF, config))
        .timestepSpacing(DiffusersRuns.spacing(config))
        .stepsOffset(config.get("steps_offset").getAsInt())
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void runMatchesDiffusers(String name, JsonObject c) {
    double[] worst = DiffusersRuns.replay(REF, c, scheduler(c));
    System.out.println(DiffusersRuns.summary("Euler Ancestral " + name, worst));
  }
}
