package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.reference;

import com.google.gson.JsonObject;
import dev.diffusion4j.schedule.UniPCMultistepScheduler.SolverType;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays {@code testdata/reference/unipc_multistep_diffusers.json}: whole runs of diffusers' own
 * {@code UniPCMultistepScheduler} (v0.27.2) on both schedules, every spacing, orders 1 to 3, bh1
 * and bh2, {@code lower_order_final}, {@code disable_corrector}, Karras sigmas (on the linear
 * schedule), thresholding, a learned-variance model, an SDEdit start and a trailing list that ends
 * at -1 (written by {@code onnx-export/reference/make_sampler_reference.py}).
 */
class UniPCMultistepSchedulerDiffusersTest {

  private static final JsonObject REF = reference("unipc_multistep_diffusers");

  static Stream<Arguments> cases() {
    return DiffusersRuns.cases(REF);
  }

  /** The library's scheduler for a case's diffusers config. */
  static UniPCMultistepScheduler scheduler(JsonObject c) {
    JsonObject config = c.getAsJsonObject("config");
    if (!config.get("predict_x0").getAsBoolean()) {
      throw new IllegalArgumentException("predict_x0 " + config.get("predict_x0"));
    }
    int[] disable =
        StreamSupport.stream(config.getAsJsonArray("disable_corrector").spliterator(), false)
            .mapToInt(e -> e.getAsInt())
            .toArray();
    return UniPCMultistepScheduler.builder(DiffusersRuns.schedule(REF, config))
        .solverOrder(config.get("solver_order").getAsInt())
        .solverType(SolverType.fromDiffusers(config.get("solver_type").getAsString()))
        .lowerOrderFinal(config.get("lower_order_final").getAsBoolean())
        .disableCorrector(disable)
        .useKarrasSigmas(config.get("use_karras_sigmas").getAsBoolean())
        .timestepSpacing(DiffusersRuns.spacing(config))
        .stepsOffset(config.get("steps_offset").getAsInt())
        .thresholding(DiffusersRuns.thresholding(config))
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void runMatchesDiffusers(String name, JsonObject c) {
    double[] worst = DiffusersRuns.replay(REF, c, scheduler(c));
    System.out.println(DiffusersRuns.summary("UniPC " + name, worst));
  }
}
