package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.reference;

import com.google.gson.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays {@code testdata/reference/ddim_diffusers.json}: whole runs of diffusers' own {@code
 * DDIMScheduler} (v0.27.2) on both schedules, every spacing, 7 to 50 steps, {@code eta} 0 and
 * above, clipping, thresholding, {@code set_alpha_to_one}, {@code steps_offset}, a learned-variance
 * model and an SDEdit start (written by {@code onnx-export/reference/make_scheduler_reference.py}).
 */
class DDIMSchedulerDiffusersTest {

  private static final JsonObject REF = reference("ddim_diffusers");

  static Stream<Arguments> cases() {
    return DiffusersRuns.cases(REF);
  }

  /** The library's scheduler for a case's diffusers config and step settings. */
  static DDIMScheduler scheduler(JsonObject c) {
    JsonObject config = c.getAsJsonObject("config");
    return DDIMScheduler.builder(DiffusersRuns.schedule(config))
        .eta(c.get("eta").getAsDouble())
        .useClippedModelOutput(c.get("use_clipped_model_output").getAsBoolean())
        .timestepSpacing(DiffusersRuns.spacing(config))
        .stepsOffset(config.get("steps_offset").getAsInt())
        .setAlphaToOne(config.get("set_alpha_to_one").getAsBoolean())
        .clipSample(config.get("clip_sample").getAsBoolean())
        .clipSampleRange(config.get("clip_sample_range").getAsDouble())
        .thresholding(DiffusersRuns.thresholding(config))
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void runMatchesDiffusers(String name, JsonObject c) {
    double[] worst = DiffusersRuns.replay(REF, c, scheduler(c));
    System.out.println(DiffusersRuns.summary("DDIM " + name, worst));
  }
}
