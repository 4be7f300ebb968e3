package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.reference;

import com.google.gson.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays {@code testdata/reference/lms_discrete_diffusers.json}: whole runs of diffusers' own
 * {@code LMSDiscreteScheduler} (v0.27.2) on both schedules, every spacing, orders 1 to 4, Karras
 * sigmas (on the linear schedule), SDEdit starts and a trailing list that ends at -1 (written by
 * {@code onnx-export/reference/make_sampler_reference.py}).
 */
class LMSDiscreteSchedulerDiffusersTest {

  private static final JsonObject REF = reference("lms_discrete_diffusers");

  static Stream<Arguments> cases() {
    return DiffusersRuns.cases(REF);
  }

  /** The library's scheduler for a case's diffusers config and step order. */
  static LMSDiscreteScheduler scheduler(JsonObject c) {
    JsonObject config = c.getAsJsonObject("config");
    return LMSDiscreteScheduler.builder(DiffusersRuns.schedule(REF, config))
        .order(c.get("order").getAsInt())
        .useKarrasSigmas(config.get("use_karras_sigmas").getAsBoolean())
        .timestepSpacing(DiffusersRuns.spacing(config))
        .stepsOffset(config.get("steps_offset").getAsInt())
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void runMatchesDiffusers(String name, JsonObject c) {
    double[] worst = DiffusersRuns.replay(REF, c, scheduler(c));
    System.out.println(DiffusersRuns.summary("LMS " + name, worst));
  }
}
