package dev.diffusion4j.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.diffusion4j.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimestepsTest {

  @Test
  void leadingIsDiffusersSetTimesteps() {
    assertThat(Timesteps.leading(1000, 100)).isEqualTo(Timesteps.strided(990, 10));
    assertThat(Timesteps.leading(1000, 50)).isEqualTo(Timesteps.strided(980, 20));
    assertThat(Timesteps.leading(1000, 3).toArray()).containsExactly(666, 333, 0);
    assertThat(Timesteps.leading(300, 7).toArray()).containsExactly(252, 210, 168, 126, 84, 42, 0);
    assertThatThrownBy(() -> Timesteps.leading(1000, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must be in [2, 1000], but is: 1");
  }

  @Test
  void defaultListIs990DownTo0InStridesOf30() {
    Timesteps ts = Timesteps.IF_DEFAULT;
    assertThat(ts.size()).isEqualTo(34);
    assertThat(ts.get(0)).isEqualTo(990);
    assertThat(ts.get(10)).isEqualTo(690);
    assertThat(ts.get(33)).isEqualTo(0);
  }

  @Test
  void evenlyCoversTheFullChainAndStridedLists() {
    Timesteps full = Timesteps.evenly(300, 300);
    assertThat(full.size()).isEqualTo(301);
    assertThat(full.get(0)).isEqualTo(300);
    assertThat(full.get(299)).isEqualTo(1);
    assertThat(Timesteps.evenly(300, 30).toArray())
        .startsWith(300, 290, 280)
        .endsWith(10, 0)
        .hasSize(31);
    assertThat(Timesteps.evenly(300, 7).toArray())
        .containsExactly(300, 257, 214, 171, 129, 86, 43, 0);
  }

  @Test
  void fromStartsAtAnIndex() {
    assertThat(Timesteps.IF_DEFAULT.from(10).get(0)).isEqualTo(690);
    assertThatThrownBy(() -> Timesteps.IF_DEFAULT.from(33))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startIndex must be in [0, 32], but is: 33");
  }

  @Test
  void rejectsListsThatAreNotStrictlyDescendingOrOutOfRange() {
    assertThatThrownBy(() -> Timesteps.of(10, 10, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timesteps must be strictly descending, but timesteps[1] = 10 follows 10");
    assertThatThrownBy(() -> Timesteps.of(5, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timesteps must be >= 0, but timesteps[1] is: -1");
    assertThatThrownBy(() -> Timesteps.of(1000, 0).checkAgainst(NoiseSchedule.cosine(1000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[0, 999]")
        .hasMessageContaining("1000");
    assertThatThrownBy(() -> Timesteps.evenly(300, 301))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("steps must be in [1, 300], but is: 301");
  }

  /** The presets against diffusers' own lists ({@code onnx-export/reference/if_timesteps.py}). */
  @Test
  void ifPresetsAreDiffusersLists() {
    JsonObject presets = TestData.reference("if_timesteps").getAsJsonObject("presets");
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, com.google.gson.JsonElement> e : presets.entrySet()) {
      names.add(e.getKey());
      JsonArray list = e.getValue().getAsJsonArray();
      int[] expected = new int[list.size()];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = list.get(i).getAsInt();
      }
      Timesteps t = Timesteps.preset(e.getKey());
      assertThat(t.toArray()).as(e.getKey()).containsExactly(expected);
      assertThat(t.checkAgainst(NoiseSchedule.cosine(1000))).isSameAs(t);
    }
    assertThat(Timesteps.presetNames()).containsExactlyElementsOf(names);
    assertThat(names)
        .contains("fast27", "smart27", "smart50", "smart100", "super27", "super40", "super100");
    assertThat(Timesteps.FAST27).isSameAs(Timesteps.preset("fast27"));
    assertThat(Timesteps.SUPER100.size()).isEqualTo(100);
    assertThatThrownBy(() -> Timesteps.preset("fast28"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown timesteps preset 'fast28'; expected one of [fast27, smart27, smart50, smart100,"
                + " smart185, super27, super40, super100]");
  }
}
