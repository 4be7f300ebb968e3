package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.SamplerSettings.Setting;
import dev.diffusion4j.schedule.DDIMScheduler;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler.AlgorithmType;
import dev.diffusion4j.schedule.EulerAncestralDiscreteScheduler;
import dev.diffusion4j.schedule.LMSDiscreteScheduler;
import dev.diffusion4j.schedule.TimestepSpacing;
import dev.diffusion4j.schedule.UniPCMultistepScheduler;
import org.junit.jupiter.api.Test;

/** A sampler's scheduler options reach its scheduler, and an option it has not is refused. */
class SamplerSettingsTest {

  private static final DDPMScheduler MNIST = DDPMScheduler.mnist();
  private static final DDPMScheduler IF = DDPMScheduler.deepFloydIF();

  @Test
  void withoutOptionsTheSchedulerIsTheTables() {
    for (Sampler s : Sampler.values()) {
      assertThat(SamplerSettings.of(s).scheduler(IF).toString())
          .isEqualTo(s.scheduler(IF).toString());
    }
    assertThat(SamplerSettings.of(Sampler.DDPM).scheduler(MNIST)).isSameAs(MNIST);
  }

  @Test
  void eachOptionReachesItsScheduler() {
    var dpm =
        (DPMSolverMultistepScheduler)
            SamplerSettings.of(Sampler.DPM_SOLVER_PP)
                .solverOrder(3)
                .karrasSigmas(true)
                .timestepSpacing(TimestepSpacing.TRAILING)
                .stepsOffset(1)
                .scheduler(IF);
    assertThat(dpm.solverOrder()).isEqualTo(3);
    assertThat(dpm.useKarrasSigmas()).isTrue();
    assertThat(dpm.timestepSpacing()).isEqualTo(TimestepSpacing.TRAILING);
    assertThat(dpm.stepsOffset()).isEqualTo(1);
    // the table's other settings stay: thresholding from the model's config
    assertThat(dpm.thresholding()).isEqualTo(IF.thresholding());
    var sde =
        (DPMSolverMultistepScheduler)
            SamplerSettings.of(Sampler.DPM_SOLVER_PP)
                .algorithm(AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS)
                .luLambdas(true)
                .scheduler(MNIST);
    assertThat(sde.algorithmType()).isEqualTo(AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS);
    assertThat(sde.useLuLambdas()).isTrue();
    var ddim = (DDIMScheduler) SamplerSettings.of(Sampler.DDIM).eta(0.5).scheduler(MNIST);
    assertThat(ddim.eta()).isEqualTo(0.5);
    assertThat(ddim.timestepSpacing()).isEqualTo(TimestepSpacing.TRAILING); // the table's, kept
    var unipc =
        (UniPCMultistepScheduler)
            SamplerSettings.of(Sampler.UNIPC).solverOrder(1).karrasSigmas(true).scheduler(MNIST);
    assertThat(unipc.solverOrder()).isEqualTo(1);
    assertThat(unipc.useKarrasSigmas()).isTrue();
    var lms =
        (LMSDiscreteScheduler)
            SamplerSettings.of(Sampler.LMS).solverOrder(2).karrasSigmas(true).scheduler(MNIST);
    assertThat(lms.order()).isEqualTo(2);
    assertThat(lms.useKarrasSigmas()).isTrue();
    var euler =
        (EulerAncestralDiscreteScheduler)
            SamplerSettings.of(Sampler.EULER_ANCESTRAL)
                .timestepSpacing(TimestepSpacing.LEADING)
                .stepsOffset(1)
                .scheduler(MNIST);
    assertThat(euler.timestepSpacing()).isEqualTo(TimestepSpacing.LEADING);
    assertThat(euler.stepsOffset()).isEqualTo(1);
  }

  @Test
  void anOptionTheSchedulerHasNotIsRefused() {
    assertThatThrownBy(() -> SamplerSettings.of(Sampler.EULER_ANCESTRAL).karrasSigmas(true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "use_karras_sigmas does not apply to sampler euler-a, whose scheduler has no such"
                + " option; it applies to: dpm++, unipc, lms");
    assertThatThrownBy(
            () -> SamplerSettings.of(Sampler.DDPM).timestepSpacing(TimestepSpacing.LEADING))
        .hasMessageStartingWith("timestep_spacing does not apply to sampler ddpm");
    assertThatThrownBy(() -> SamplerSettings.of(Sampler.UNIPC).eta(0.1))
        .hasMessageEndingWith("it applies to: ddim");
    for (Setting setting : Setting.values()) {
      for (Sampler s : Sampler.values()) {
        assertThat(setting.appliesTo(s)).isEqualTo(setting.samplers().contains(s));
      }
    }
  }

  @Test
  void badValuesAndCombinationsAreRefusedAtOnce() {
    assertThatThrownBy(() -> SamplerSettings.of(Sampler.DPM_SOLVER_PP).solverOrder(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("solverOrder must be in [1, 3], but is: 4");
    assertThatThrownBy(
            () -> SamplerSettings.of(Sampler.DPM_SOLVER_PP).karrasSigmas(true).luLambdas(true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("useKarrasSigmas and useLuLambdas are both set; choose one");
    assertThatThrownBy(() -> SamplerSettings.of(Sampler.DDIM).stepsOffset(-1))
        .hasMessage("stepsOffset must be >= 0, but is: -1");
    // steps_offset's bound is the model's schedule: 500 fits IF's 1,000 timesteps, not MNIST's 300
    SamplerSettings offset = SamplerSettings.of(Sampler.LMS).stepsOffset(500);
    assertThat(((LMSDiscreteScheduler) offset.scheduler(IF)).stepsOffset()).isEqualTo(500);
    assertThatThrownBy(() -> offset.scheduler(MNIST))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stepsOffset must be in [0, 299], but is: 500");
  }

  @Test
  void valuesCompareByTheirOptions() {
    SamplerSettings a = SamplerSettings.of(Sampler.UNIPC).solverOrder(3);
    assertThat(a).isEqualTo(SamplerSettings.of(Sampler.UNIPC).solverOrder(3));
    assertThat(a).isNotEqualTo(SamplerSettings.of(Sampler.UNIPC));
    assertThat(a.isSet(Setting.SOLVER_ORDER)).isTrue();
    assertThat(a.isSet(Setting.KARRAS_SIGMAS)).isFalse();
    assertThat(a.toString()).isEqualTo("unipc[solver_order=3]");
  }

  @Test
  void specsReadBackAsTheSameSettings() {
    SamplerSettings[] all = {
      SamplerSettings.of(Sampler.EULER_ANCESTRAL),
      SamplerSettings.of(Sampler.DPM_SOLVER_PP).solverOrder(3).karrasSigmas(true),
      SamplerSettings.of(Sampler.DPM_SOLVER_PP)
          .algorithm(AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS)
          .luLambdas(true)
          .timestepSpacing(TimestepSpacing.LEADING)
          .stepsOffset(1),
      SamplerSettings.of(Sampler.DDIM).eta(0.5),
      SamplerSettings.of(Sampler.UNIPC).solverOrder(1).karrasSigmas(false),
      SamplerSettings.of(Sampler.LMS).solverOrder(4).karrasSigmas(true),
    };
    for (SamplerSettings s : all) {
      assertThat(SamplerSettings.parse(s.spec())).isEqualTo(s);
    }
    assertThat(all[1].spec()).isEqualTo("dpm++:use_karras_sigmas=true,solver_order=3");
    assertThat(all[0].spec()).isEqualTo("euler-a");
    assertThat(SamplerSettings.parse(" dpm++ : solver_order = 3 , use_karras_sigmas=true"))
        .isEqualTo(all[1]);
    // the scheduler it builds is the one the setters build
    assertThat(SamplerSettings.parse("ddim:eta=0.5").scheduler(MNIST).toString())
        .isEqualTo(all[3].scheduler(MNIST).toString());
  }

  @Test
  void badSpecsAreRefusedNamingThePart() {
    assertThatThrownBy(() -> SamplerSettings.parse(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("a sampler spec must not be null");
    assertThatThrownBy(() -> SamplerSettings.parse("  "))
        .hasMessageStartingWith("a sampler spec must not be blank");
    assertThatThrownBy(() -> SamplerSettings.parse("heun"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("heun");
    assertThatThrownBy(() -> SamplerSettings.parse("dpm++:"))
        .hasMessage("sampler spec 'dpm++:' has a colon but no options after it");
    assertThatThrownBy(() -> SamplerSettings.parse("dpm++:order"))
        .hasMessageStartingWith("sampler option 'order' in 'dpm++:order' is not name=value");
    assertThatThrownBy(() -> SamplerSettings.parse("dpm++:karras=true"))
        .hasMessageStartingWith(
            "unknown sampler option 'karras' in 'dpm++:karras=true'; options: [")
        .hasMessageContaining("use_karras_sigmas");
    assertThatThrownBy(() -> SamplerSettings.parse("dpm++:solver_order=2,solver_order=3"))
        .hasMessage(
            "sampler option solver_order is given twice in 'dpm++:solver_order=2,solver_order=3'");
    assertThatThrownBy(() -> SamplerSettings.parse("dpm++:solver_order=three"))
        .hasMessage(
            "sampler option solver_order='three' in 'dpm++:solver_order=three': expected an"
                + " integer");
    assertThatThrownBy(() -> SamplerSettings.parse("dpm++:solver_order=9"))
        .hasMessageEndingWith("solverOrder must be in [1, 3], but is: 9");
    assertThatThrownBy(() -> SamplerSettings.parse("dpm++:use_karras_sigmas=yes"))
        .hasMessageEndingWith("expected true or false");
    assertThatThrownBy(() -> SamplerSettings.parse("ddim:eta=NaN"))
        .hasMessageEndingWith("expected a finite number");
    assertThatThrownBy(() -> SamplerSettings.parse("euler-a:use_karras_sigmas=true"))
        .hasMessageContaining("use_karras_sigmas does not apply to sampler euler-a");
    assertThatThrownBy(() -> SamplerSettings.parse("dpm++:timestep_spacing=uniform"))
        .hasMessageContaining("unknown timestep_spacing 'uniform'");
  }
}
