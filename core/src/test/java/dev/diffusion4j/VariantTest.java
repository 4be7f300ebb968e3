package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.model.Prediction;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rules that tell {@link Variant#DIFFUSERS} from {@link Variant#STUDY}, on a denoiser with IF's
 * schedule and stage I's scheduler config (thresholding 0.95 / 1.5) whose prediction is a simple
 * function of its input, against the loop of diffusers' {@code IFPipeline.__call__} written out by
 * hand.
 */
class VariantTest {

  static final Timesteps TS = Timesteps.of(990, 500, 30, 0);
  static final DDPMScheduler IF_STAGE_I =
      DDPMScheduler.deepFloydIF()
          .withThresholding(new DDPMScheduler.Thresholding(0.95, 1.5))
          .withClipSample(true, 1.0);

  /** eps = 0.9 x + 0.2 (label + 1) for a label, 0.9 x for the unconditional; v = 0.3. */
  static final class Fake implements Denoiser {
    final List<int[]> calls = new ArrayList<>();

    @Override
    public int[] sampleShape() {
      return new int[] {1, 4, 4};
    }

    @Override
    public int[] conditionShape() {
      return new int[] {10};
    }

    @Override
    public DDPMScheduler scheduler() {
      return IF_STAGE_I;
    }

    @Override
    public ValueRange valueRange() {
      return ValueRange.MINUS_ONE_TO_ONE;
    }

    @Override
    public Prediction predict(Tensor sample, int[] timesteps, Tensor condition) {
      calls.add(new int[] {timesteps[0], sample.dim(0)});
      int n = sample.dim(0);
      int per = sample.size() / n;
      float[] x = sample.data();
      float[] c = condition.data();
      float[] eps = new float[x.length];
      for (int b = 0; b < n; b++) {
        float shift = 0;
        for (int k = 0; k < 10; k++) {
          shift += 0.2f * (k + 1) * c[b * 10 + k];
        }
        for (int i = 0; i < per; i++) {
          eps[b * per + i] = 0.9f * x[b * per + i] + shift;
        }
      }
      return new Prediction(Tensor.wrap(eps, sample.shape()), Tensor.full(0.3f, sample.shape()));
    }

    @Override
    public void close() {}
  }

  /** diffusers' IFPipeline loop: every timestep, t = 0 included, CFG when g > 1. */
  static Tensor diffusersLoop(Fake f, int label, double g, long seed) {
    NoiseSource noise = NoiseSource.seeded(seed);
    Tensor x = noise.next(1, 1, 4, 4);
    Tensor c = ConditionEncoder.digits().encode(Condition.label(label));
    Tensor u = ConditionEncoder.digits().unconditional();
    int[] ts = TS.toArray();
    for (int i = 0; i < ts.length; i++) {
      int t = ts[i];
      int prev = i + 1 < ts.length ? ts[i + 1] : -1;
      Prediction p = f.predict(x, new int[] {t}, c);
      Tensor eps = p.noise();
      if (g > 1) {
        Tensor epsU = f.predict(x, new int[] {t}, u).noise();
        eps = dev.diffusion4j.guidance.Guidance.classifierFree(eps, epsU, g);
      }
      Tensor z = t > 0 ? noise.next(1, 1, 4, 4) : null;
      x = IF_STAGE_I.step(eps, p.variance(), t, prev, x, z).prevSample();
    }
    return x;
  }

  @Test
  void diffusersRunsEveryTimestepAndReturnsTheThresholdedEstimate() {
    Fake f = new Fake();
    try (Diffusion d = Diffusion.of(f, ConditionEncoder.digits())) {
      Tensor out = d.pipeline().label(3).guidance(7).timesteps(TS).seed(5).generate().images();
      assertThat(f.calls.stream().mapToInt(c -> c[0]).toArray()).containsExactly(990, 500, 30, 0);
      assertThat(f.calls.stream().mapToInt(c -> c[1]).toArray()).containsOnly(2);
      Tensor expected = diffusersLoop(new Fake(), 3, 7, 5);
      assertThat(out.data()).containsExactly(expected.data());
      for (float v : out.data()) {
        assertThat(Math.abs(v)).isLessThanOrEqualTo(1f);
      }
    }
  }

  @Test
  void diffusersRunsOneConditionalPassAtGuidanceUpToOne() {
    for (double g : new double[] {0.0, 0.5, 1.0}) {
      Fake f = new Fake();
      try (Diffusion d = Diffusion.of(f, ConditionEncoder.digits())) {
        Tensor out = d.pipeline().label(4).guidance(g).timesteps(TS).seed(6).generate().images();
        assertThat(f.calls.stream().mapToInt(c -> c[1]).toArray()).containsOnly(1);
        assertThat(out.data()).containsExactly(diffusersLoop(new Fake(), 4, g, 6).data());
      }
    }
  }

  @Test
  void studyStopsAtTimestepZeroWithoutThresholdingAndGuidesBelowOne() {
    Fake f = new Fake();
    try (Diffusion d = Diffusion.of(f, ConditionEncoder.digits())) {
      Pipeline p = d.pipeline().variant(Variant.STUDY).label(3).guidance(0.5).timesteps(TS);
      p.seed(5).generate();
      assertThat(f.calls.stream().mapToInt(c -> c[0]).toArray()).containsExactly(990, 500, 30);
      assertThat(f.calls.stream().mapToInt(c -> c[1]).toArray()).containsOnly(2);
      assertThat(p.toBuilder().build().variant()).isEqualTo(Variant.STUDY);
    }
  }
}
