package dev.diffusion4j.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ViewTest {

  @ParameterizedTest
  @ValueSource(strings = {"identity", "flip", "rot90", "rot180", "rot270", "negate"})
  void inverseUndoesTheView(String name) {
    View v = View.named(name);
    Tensor x = NoiseSource.seeded(1).next(2, 6, 8, 8);
    assertThat(v.inverse(v.apply(x))).isEqualTo(x);
    assertThat(v.apply(v.inverse(x))).isEqualTo(x);
  }

  @Test
  void viewsDoWhatTheirNamesSay() {
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
    assertThat(View.FLIP.apply(x).data()).containsExactly(3, 4, 1, 2);
    assertThat(View.ROT90.apply(x).data()).containsExactly(2, 4, 1, 3);
    assertThat(View.ROT180.apply(x).data()).containsExactly(4, 3, 2, 1);
    assertThat(View.ROT270.apply(x).data()).containsExactly(3, 1, 4, 2);
    Tensor six = NoiseSource.seeded(2).next(1, 6, 2, 2);
    Tensor neg = View.NEGATE.apply(six);
    assertThat(neg.channels(0, 3)).isEqualTo(six.channels(0, 3).mul(-1f));
    assertThat(neg.channels(3, 6)).isEqualTo(six.channels(3, 6));
  }

  @Test
  void aCheckedUserViewThatBreaksItsContractIsNamed() {
    Tensor x = NoiseSource.seeded(1).next(2, 1, 4, 4);
    View nulls = View.checked(View.of("mine\u001b[2J", t -> null, t -> t));
    assertThatThrownBy(() -> nulls.apply(x))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("view 'mine\\u001b[2J': apply returned null");
    View reshapes = View.checked(View.of("squash", t -> t.reshape(2, 1, 2, 8), t -> t));
    assertThatThrownBy(() -> reshapes.apply(x))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "view 'squash': apply must return its input's shape [2, 1, 4, 4] (or with H and W"
                + " swapped), but returned shape [2, 1, 2, 8]");
    View halves =
        View.checked(
            View.of(
                "half", t -> t, t -> Tensor.of(java.util.Arrays.copyOf(t.data(), 16), 1, 1, 4, 4)));
    assertThatThrownBy(() -> halves.inverse(x))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("view 'half': inverse must return its input's shape [2, 1, 4, 4]");
    // a well-behaved view passes through, a quarter turn of a non-square batch included
    Tensor wide = NoiseSource.seeded(2).next(1, 1, 2, 3);
    assertThat(View.checked(View.of("turn", t -> t.rot90(1), t -> t.rot90(-1))).apply(wide))
        .isEqualTo(wide.rot90(1));
    assertThat(View.checked(View.FLIP)).isSameAs(View.FLIP);
  }

  @Test
  void unknownNameListsTheChoices() {
    assertThatThrownBy(() -> View.named("mirror"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "view must be one of " + ViewTable.names(ViewTable.Kind.VIEW) + ", but is: mirror")
        .hasMessageStartingWith("view must be one of [identity, flip, rot90, rot180, rot270,");
  }
}
