package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.assertClose;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.schedule.DDPMScheduler.Thresholding;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Replays the runs of {@code onnx-export/reference/make_scheduler_reference.py}: diffusers' own
 * schedulers fed {@code 0.6 * x + 0.4 * roll(E, k)} at step {@code k}, compared step by step.
 */
final class DiffusersRuns {

  /** The tolerance of every comparison: {@code |a - e| <= 1e-5 * max(1, |e|)}. */
  static final double TOLERANCE = 1e-5;

  private DiffusersRuns() {}

  static Stream<Arguments> cases(JsonObject ref) {
    List<Arguments> out = new ArrayList<>();
    for (JsonElement e : ref.getAsJsonArray("cases")) {
      JsonObject c = e.getAsJsonObject();
      out.add(Arguments.of(name(c), c));
    }
    return out.stream();
  }

  private static String name(JsonObject c) {
    JsonObject config = c.getAsJsonObject("config");
    StringBuilder b = new StringBuilder();
    b.append(
        config.get("beta_schedule").getAsString().startsWith("squaredcos") ? "cosine" : "linear");
    b.append(' ').append(config.get("timestep_spacing").getAsString());
    b.append(" n=").append(c.get("num_inference_steps").getAsInt());
    for (String key :
        new String[] {
          "eta",
          "use_clipped_model_output",
          "clip_sample",
          "set_alpha_to_one",
          "steps_offset",
          "thresholding",
          "solver_order",
          "solver_type",
          "lower_order_final",
          "euler_at_final",
          "final_sigmas_type",
          "lambda_min_clipped",
          "algorithm_type",
          "use_karras_sigmas",
          "use_lu_lambdas",
          "order",
          "disable_corrector"
        }) {
      JsonObject from = c.has(key) ? c : config;
      if (from.has(key) && !from.get(key).isJsonNull()) {
        JsonElement v = from.get(key);
        b.append(' ')
            .append(key)
            .append('=')
            .append(v.isJsonArray() ? v.toString() : v.getAsString());
      }
    }
    if (c.get("learned_variance").getAsBoolean()) {
      b.append(" learned-variance");
    }
    if (c.get("start").getAsInt() > 0) {
      b.append(" sdedit-from-").append(c.get("start").getAsInt());
    }
    return b.toString();
  }

  /** The library's schedule for a diffusers config. */
  static NoiseSchedule schedule(JsonObject config) {
    int t = config.get("num_train_timesteps").getAsInt();
    String beta = config.get("beta_schedule").getAsString();
    return switch (beta) {
      case "squaredcos_cap_v2" -> NoiseSchedule.cosine(t);
      case "linear" ->
          NoiseSchedule.linear(
              t, config.get("beta_start").getAsDouble(), config.get("beta_end").getAsDouble());
      default -> throw new IllegalArgumentException("beta_schedule " + beta);
    };
  }

  /**
   * The schedule for a diffusers config, with upstream's own betas for the linear schedule where
   * the reference file holds them ({@code linear_betas}), so that a replay compares the scheduler
   * alone.
   */
  static NoiseSchedule schedule(JsonObject ref, JsonObject config) {
    if (ref.has("linear_betas") && config.get("beta_schedule").getAsString().equals("linear")) {
      JsonArray data = ref.getAsJsonArray("linear_betas");
      float[] betas = new float[data.size()];
      for (int i = 0; i < betas.length; i++) {
        betas[i] = data.get(i).getAsFloat();
      }
      assertThat(betas.length).isEqualTo(config.get("num_train_timesteps").getAsInt());
      return NoiseSchedule.linearOf(betas);
    }
    return schedule(config);
  }

  static Thresholding thresholding(JsonObject config) {
    return config.get("thresholding").getAsBoolean()
        ? new Thresholding(
            config.get("dynamic_thresholding_ratio").getAsDouble(),
            config.get("sample_max_value").getAsDouble())
        : null;
  }

  static TimestepSpacing spacing(JsonObject config) {
    return TimestepSpacing.fromDiffusers(config.get("timestep_spacing").getAsString());
  }

  /** {@code torch.roll(t.flatten(), k).reshape(t.shape)}. */
  static Tensor roll(Tensor t, int k) {
    float[] in = t.data();
    float[] out = new float[in.length];
    int n = in.length;
    for (int i = 0; i < n; i++) {
      out[i] = in[Math.floorMod(i - k, n)];
    }
    return Tensor.wrap(out, t.shape());
  }

  /**
   * Runs {@code scheduler} as the generator ran upstream's and compares every recorded step.
   *
   * @return the largest absolute and scaled differences seen
   */
  static double[] replay(JsonObject ref, JsonObject c, Scheduler scheduler) {
    JsonObject inputs = ref.getAsJsonObject("inputs");
    Tensor e = tensor(inputs, "E");
    Tensor z = tensor(inputs, "Z");
    Tensor v = tensor(inputs, "V");
    int n = c.get("num_inference_steps").getAsInt();
    // upstream's timesteps, rounded where they are fractional (Euler's and LMS's linspace, Karras)
    List<Integer> upstream = new ArrayList<>();
    c.getAsJsonArray("timesteps").forEach(t -> upstream.add((int) Math.rint(t.getAsDouble())));
    int offset = scheduler.cleanTimestep() + 1;
    // numpy's arange gave upstream one entry too many, a last timestep of -1 (which it reads as
    // its noisiest): the library drops it, and the steps before the last kept one are upstream's
    boolean overshoot = upstream.size() == n + 1 && upstream.get(n) == -1;
    if (overshoot) {
      upstream.remove(n);
    }
    Scheduler.Run run = scheduler.setTimesteps(n);
    int[] timesteps = run.timesteps();
    assertThat(timesteps)
        .as("timesteps")
        .containsExactly(upstream.stream().mapToInt(t -> t + offset).toArray());
    // DPM-Solver++'s last kept step goes to upstream's sigma of timestep -1: compare those before
    int steps = overshoot ? timesteps.length - 1 : timesteps.length;
    // a third-order multistep solver also lowers its order one step before the last (diffusers'
    // lower_order_second, counted from the end of its longer list): compare the steps before that
    JsonObject cfg = c.getAsJsonObject("config");
    if (overshoot && cfg.has("solver_order") && cfg.get("solver_order").getAsInt() == 3) {
      steps--;
    }

    int start = c.get("start").getAsInt();
    if (c.has("init_noise_sigma")) {
      assertThat(run.initNoiseSigma())
          .as("init_noise_sigma")
          .isCloseTo(c.get("init_noise_sigma").getAsDouble(), within(1e-5));
    }
    Tensor x = tensor(inputs, "x_T").mul((float) run.initNoiseSigma());
    double[] worst = {0, 0};
    if (start > 0) {
      x = scheduler.addNoise(tensor(inputs, "X0"), z, timesteps[start]);
      compare(x, tensor(c, "add_noise"), worst);
    }
    boolean learned = c.get("learned_variance").getAsBoolean();
    List<JsonElement> recorded = new ArrayList<>();
    c.getAsJsonArray("steps").forEach(recorded::add);
    int r = 0;
    for (int k = start; k < steps; k++) {
      Tensor eps = run.scaleModelInput(x, timesteps[k]).axpby(0.6f, roll(e, k), 0.4f);
      Tensor modelOutput = learned ? Tensor.concatChannels(eps, v) : eps;
      int step = k;
      SchedulerOutput out = run.step(modelOutput, timesteps[k], x, shape -> roll(z, step));
      if (r < recorded.size() && recorded.get(r).getAsJsonObject().get("index").getAsInt() == k) {
        JsonObject s = recorded.get(r++).getAsJsonObject();
        assertThat((int) Math.rint(s.get("timestep").getAsDouble()) + offset)
            .isEqualTo(timesteps[k]);
        compare(out.prevSample(), tensor(s, "prev_sample"), worst);
        compare(out.predOriginalSample(), tensor(s, "pred_original_sample"), worst);
      }
      x = out.prevSample();
    }
    int expected = 0;
    for (JsonElement step : recorded) {
      expected += step.getAsJsonObject().get("index").getAsInt() < steps ? 1 : 0;
    }
    assertThat(r).as("recorded steps compared").isEqualTo(expected).isPositive();
    return worst;
  }

  private static void compare(Tensor actual, Tensor expected, double[] worst) {
    assertClose(actual, expected, TOLERANCE);
    float[] a = actual.data();
    float[] x = expected.data();
    for (int i = 0; i < a.length; i++) {
      double d = Math.abs((double) a[i] - x[i]);
      worst[0] = Math.max(worst[0], d);
      worst[1] = Math.max(worst[1], d / Math.max(1, Math.abs(x[i])));
    }
  }

  static String summary(String name, double[] worst) {
    return String.format(
        Locale.ROOT, "parity %-90s max abs %.3g, max scaled %.3g", name, worst[0], worst[1]);
  }
}
