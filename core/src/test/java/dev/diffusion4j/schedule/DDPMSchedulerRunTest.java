package dev.diffusion4j.schedule;

import static dev.diffusion4j.testing.TestData.assertClose;
import static dev.diffusion4j.testing.TestData.reference;
import static dev.diffusion4j.testing.TestData.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link DDPMScheduler} as a {@link Scheduler}: replays {@code testdata/reference/ddpm_runs.json},
 * diffusers' own {@code DDPMScheduler} (v0.27.2) through whole runs, from {@code set_timesteps(n)}
 * and from a custom list (written by {@code onnx-export/reference/ddpm_run_vectors.py}).
 */
class DDPMSchedulerRunTest {

  private static final JsonObject REF = reference("ddpm_runs");

  @Test
  void setTimestepsIsDiffusersOnIfsSchedule() {
    DDPMScheduler s = DDPMScheduler.deepFloydIF();
    for (JsonElement e : REF.getAsJsonArray("timesteps")) {
      JsonObject c = e.getAsJsonObject();
      int n = c.get("n").getAsInt();
      int[] expected =
          c.getAsJsonArray("timesteps").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
      Scheduler.Run run = s.setTimesteps(n);
      assertThat(run.timesteps()).as("n = %d", n).containsExactly(expected);
      assertThat(run.numInferenceSteps()).isEqualTo(n);
      assertThat(run.finalTimestep()).isEqualTo(-1);
    }
  }

  @Test
  void wholeRunsMatchDiffusersWithTheNoiseTheyDraw() {
    for (JsonElement e : REF.getAsJsonArray("runs")) {
      JsonObject c = e.getAsJsonObject();
      DDPMScheduler s = DDPMSchedulerDiffusersTest.scheduler(c.getAsJsonObject("config"));
      Scheduler.Run run;
      if (c.has("custom")) {
        int[] list =
            c.getAsJsonArray("custom").asList().stream().mapToInt(JsonElement::getAsInt).toArray();
        run = s.setTimesteps(Timesteps.of(list));
      } else {
        run = s.setTimesteps(c.get("n").getAsInt());
      }
      List<JsonObject> steps = new ArrayList<>();
      List<Tensor> noise = new ArrayList<>();
      for (JsonElement st : c.getAsJsonArray("steps")) {
        steps.add(st.getAsJsonObject());
        if (!st.getAsJsonObject().get("noise").isJsonNull()) {
          noise.add(tensor(st.getAsJsonObject(), "noise"));
        }
      }
      assertThat(run.timesteps())
          .containsExactly(steps.stream().mapToInt(st -> st.get("t").getAsInt()).toArray());
      // every drawn tensor is used, in diffusers' order, and no more: explicit() refuses an extra
      NoiseSource source = NoiseSource.explicit(noise);
      Tensor x = tensor(c, "x_T");
      for (JsonObject st : steps) {
        int t = st.get("t").getAsInt();
        x = run.step(tensor(st, "model_output"), t, x, source).prevSample();
        assertClose(x, tensor(st, "prev_sample"), 1e-5);
      }
      int[] shape = x.shape();
      assertThatThrownBy(() -> source.next(shape)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aRunIsThePairwiseStepsWithTheNoiseDrawnInOrder() {
    DDPMScheduler s = DDPMScheduler.deepFloydIF();
    Timesteps list = Timesteps.of(990, 500, 30, 0);
    Tensor x0 = NoiseSource.seeded(3).next(1, 3, 4, 4);
    Tensor eps = NoiseSource.seeded(4).next(1, 6, 4, 4).mul(0.5f);
    Tensor byRun = x0;
    NoiseSource a = NoiseSource.seeded(9);
    Scheduler.Run run = s.setTimesteps(list);
    for (int t : run.timesteps()) {
      byRun = run.step(eps, t, byRun, a).prevSample();
    }
    Tensor byHand = x0;
    NoiseSource b = NoiseSource.seeded(9);
    int[] ends = {500, 30, 0, -1};
    for (int i = 0; i < 4; i++) {
      int t = list.get(i);
      Tensor z = s.needsNoise(t, ends[i]) ? b.next(x0.shape()) : null;
      byHand = s.step(eps.channels(0, 3), eps.channels(3, 6), t, ends[i], byHand, z).prevSample();
    }
    assertThat(byRun.data()).containsExactly(byHand.data());
  }

  @Test
  void theWriteUpsRuleStopsAtTheLastEntry() {
    DDPMScheduler study = DDPMScheduler.deepFloydIF().withLastStepToClean(false);
    Scheduler.Run run = study.setTimesteps(Timesteps.of(990, 500, 30, 0));
    assertThat(run.timesteps()).containsExactly(990, 500, 30);
    assertThat(run.finalTimestep()).isEqualTo(0);
    // n steps are n UNet passes under both rules
    assertThat(study.setTimesteps(33).timesteps()).hasSize(33).startsWith(990, 960).endsWith(30);
    assertThat(DDPMScheduler.deepFloydIF().setTimesteps(33).timesteps()).hasSize(33);
    // part B's lists end at its clean timestep 0 under both rules
    assertThat(DDPMScheduler.mnist().setTimesteps(5).timesteps())
        .containsExactly(300, 240, 180, 120, 60);
    assertThat(DDPMScheduler.mnist().withLastStepToClean(false).setTimesteps(5).finalTimestep())
        .isEqualTo(0);
  }

  @Test
  void aRunRefusesWhatDoesNotFit() {
    Scheduler.Run run = DDPMScheduler.deepFloydIF().setTimesteps(4);
    Tensor x = NoiseSource.seeded(1).next(1, 3, 2, 2);
    Tensor out = NoiseSource.seeded(2).next(1, 6, 2, 2);
    assertThatThrownBy(() -> run.step(out, 123, x, NoiseSource.seeded(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[750, 500, 250, 0]")
        .hasMessageContaining("123");
    assertThatThrownBy(() -> run.step(out, 750, x, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noise must not be null");
    assertThatThrownBy(() -> run.step(out.channels(0, 3), 750, x, NoiseSource.seeded(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("varianceValues");
    assertThatThrownBy(() -> DDPMScheduler.deepFloydIF().setTimesteps(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("numInferenceSteps must be in [1, 1000], but is: 0");
    assertThatThrownBy(
            () ->
                DDIMScheduler.builder(NoiseSchedule.mnist())
                    .build()
                    .setTimesteps(Timesteps.of(300, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("takes no explicit timestep list");
  }

  @Test
  void addNoiseAtTheCleanTimestepIsTheOriginal() {
    Tensor x0 = NoiseSource.seeded(3).next(1, 3, 4, 4);
    Tensor z = NoiseSource.seeded(4).next(1, 3, 4, 4);
    assertThat(DDPMScheduler.deepFloydIF().addNoise(x0, z, -1).data()).containsExactly(x0.data());
  }
}
