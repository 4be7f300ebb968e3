package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.reference;

import com.google.gson.JsonObject;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler.AlgorithmType;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler.FinalSigmasType;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler.SolverType;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays {@code testdata/reference/dpmsolver_multistep_diffusers.json}: whole runs of diffusers'
 * own {@code DPMSolverMultistepScheduler} (v0.27.2, {@code dpmsolver++} and {@code
 * sde-dpmsolver++}) on both schedules, every spacing, 7 to 50 steps, orders 1 to 3, midpoint and
 * Heun, the lower-order and final-sigma settings, {@code lambda_min_clipped}, Karras sigmas and
 * Lu's lambdas (on the linear schedule), thresholding, a learned-variance model, SDEdit starts and
 * the trailing lists that end at -1 (written by {@code
 * onnx-export/reference/make_scheduler_reference.py}).
 */
class DPMSolverMultistepSchedulerDiffusersTest {

  private static final JsonObject REF = reference("dpmsolver_multistep_diffusers");

  static Stream<Arguments> cases() {
    return DiffusersRuns.cases(REF);
  }

  /** The library's scheduler for a case's diffusers config. */
  static DPMSolverMultistepScheduler scheduler(JsonObject c) {
    JsonObject config = c.getAsJsonObject("config");
    return DPMSolverMultistepScheduler.builder(DiffusersRuns.schedule(REF, config))
        .algorithmType(AlgorithmType.fromDiffusers(config.get("algorithm_type").getAsString()))
        .useKarrasSigmas(config.get("use_karras_sigmas").getAsBoolean())
        .useLuLambdas(config.get("use_lu_lambdas").getAsBoolean())
        .solverOrder(config.get("solver_order").getAsInt())
        .solverType(SolverType.fromDiffusers(config.get("solver_type").getAsString()))
        .lowerOrderFinal(config.get("lower_order_final").getAsBoolean())
        .eulerAtFinal(config.get("euler_at_final").getAsBoolean())
        .finalSigmasType(
            FinalSigmasType.fromDiffusers(config.get("final_sigmas_type").getAsString()))
        .lambdaMinClipped(config.get("lambda_min_clipped").getAsDouble())
        .timestepSpacing(DiffusersRuns.spacing(config))
        .stepsOffset(config.get("steps_offset").getAsInt())
        .thresholding(DiffusersRuns.thresholding(config))
        .build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void runMatchesDiffusers(String name, JsonObject c) {
    double[] worst = DiffusersRuns.replay(REF, c, scheduler(c));
    System.out.println(DiffusersRuns.summary("DPM-Solver++ " + name, worst));
  }
}
