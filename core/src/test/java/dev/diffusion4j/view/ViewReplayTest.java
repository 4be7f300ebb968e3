package dev.diffusion4j.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.testing.TestData;
import dev.diffusion4j.text.Safetensors;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays visual_anagrams' own view code, run unmodified by {@code
 * onnx-export/reference/make_views_reference.py} on fixed tensors: the permutation views exactly,
 * the factorization components within 1e-6.
 */
class ViewReplayTest {

  private static final Map<String, Tensor> REF =
      Safetensors.read(TestData.path("reference/views.safetensors")).tensors();

  private static final List<String> PERMUTATIONS =
      List.of(
          "flip",
          "rotate_cw",
          "rotate_ccw",
          "rotate_180",
          "skew",
          "patch_permute",
          "pixel_permute",
          "jigsaw",
          "inner_circle",
          "square_hinge");

  private static final List<String> COMPONENTS =
      List.of(
          "low_pass",
          "high_pass",
          "triple_low_pass",
          "triple_medium_pass",
          "triple_high_pass",
          "grayscale",
          "color",
          "motion",
          "motion_res",
          "scale");

  /** {@code x[i] = i}: a view's output on it names the source of every value. */
  private static Tensor indices(int n, int c, int size) {
    float[] d = new float[n * c * size * size];
    for (int i = 0; i < d.length; i++) {
      d[i] = i;
    }
    return Tensor.wrap(d, n, c, size, size);
  }

  /** The script's input: {@code ((i * 7919 + 13) % 2003) / 1001 - 1} in float32. */
  private static Tensor values(int c, int size) {
    float[] d = new float[c * size * size];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) ((i * 7919L + 13) % 2003) / 1001f - 1f;
    }
    return Tensor.wrap(d, 1, c, size, size);
  }

  private static int[] ints(Tensor t) {
    float[] f = t.data();
    int[] r = new int[f.length];
    for (int i = 0; i < f.length; i++) {
      r[i] = (int) f[i];
    }
    return r;
  }

  /** What upstream returned on {@link #indices}: every plane gathered by the same map. */
  private static Tensor gathered(int n, int c, int size, int[] map) {
    int hw = size * size;
    float[] d = new float[n * c * hw];
    for (int pl = 0; pl < n * c; pl++) {
      for (int p = 0; p < hw; p++) {
        d[pl * hw + p] = pl * hw + map[p];
      }
    }
    return Tensor.wrap(d, n, c, size, size);
  }

  private static int[] invert(int[] map) {
    int[] inv = new int[map.length];
    for (int p = 0; p < map.length; p++) {
      inv[map[p]] = p;
    }
    return inv;
  }

  @Test
  void permutationViewsAreUpstreamsExactlyOnThreeAndSixChannels() {
    int replayed = 0;
    for (String name : PERMUTATIONS) {
      View view = ViewTable.view(name);
      for (int size : new int[] {64, 256}) {
        Tensor ref = REF.get("perm/" + name + "/" + size);
        if (ref == null) {
          assertThat(List.of("flip", "rotate_cw", "rotate_ccw", "rotate_180")).contains(name);
          continue;
        }
        int[] map = ints(ref);
        for (int c : new int[] {3, 6}) {
          Tensor x = indices(2, c, size);
          assertThat(view.apply(x))
              .as("%s view at %d px, %d channels", name, size, c)
              .isEqualTo(gathered(2, c, size, map));
          assertThat(view.inverse(x))
              .as("%s inverse at %d px, %d channels", name, size, c)
              .isEqualTo(gathered(2, c, size, invert(map)));
        }
        replayed++;
      }
    }
    assertThat(replayed).isEqualTo(6 * 2 + 4);
  }

  @Test
  void jigsawPortIsMakeJigsawPermOnUpstreamsPieces() {
    assertThat(ints(REF.get("jigsaw/piece_perms"))).containsExactly(Jigsaw.PIECE_PERMS);
    assertThat(ints(REF.get("jigsaw/edge_swaps"))).containsExactly(Jigsaw.EDGE_SWAPS);
    for (int size : new int[] {64, 256}) {
      int[] labels = ints(REF.get("jigsaw/labels/" + size));
      int[] port = Jigsaw.permutation(labels, size, Jigsaw.PIECE_PERMS, Jigsaw.EDGE_SWAPS);
      assertThat(port).as("at %d px", size).isEqualTo(ints(REF.get("perm/jigsaw/" + size)));
      assertThat(port).isEqualTo(((PermutationView) View.jigsaw()).map(size));
    }
  }

  @Test
  void componentsAreUpstreamsWithin1e6() {
    for (String name : COMPONENTS) {
      Component comp = ViewTable.component(name);
      for (int size : new int[] {64, 256}) {
        float[] out = comp.extract(values(3, size)).data();
        float[] ref = REF.get("component/" + name + "/" + size).data();
        int stride = size > 64 ? 13 : 1;
        assertThat(ref.length).isEqualTo((out.length + stride - 1) / stride);
        double worst = 0;
        for (int i = 0; i < ref.length; i++) {
          worst = Math.max(worst, Math.abs(out[i * stride] - ref[i]));
        }
        assertThat(worst).as("%s at %d px: worst |java - upstream|", name, size).isLessThan(1e-6);
        // six channels: 0-2 as a 3-channel input, 3-5 passed (the script checks upstream the same)
        Tensor six = values(6, size);
        Tensor six0 = comp.extract(six);
        assertThat(six0.channels(0, 3)).isEqualTo(comp.extract(six.channels(0, 3)));
        assertThat(six0.channels(3, 6)).isEqualTo(six.channels(3, 6));
      }
    }
  }

  @Test
  void factorizationsSumToTheEstimate() {
    Tensor x = values(3, 64);
    for (Factorization f :
        List.of(
            Factorization.hybrid(2),
            Factorization.tripleHybrid(1, 2),
            Factorization.colorHybrid(),
            Factorization.motionHybrid(7),
            Factorization.scales(0.25, 0.75))) {
      Tensor[] same = new Tensor[f.size()];
      Arrays.fill(same, x);
      assertThat(f.combine(List.of(same)).maxAbsDiff(x)).as(f.toString()).isLessThan(1e-5);
    }
    Factorization parsed = Factorization.parse("low_pass:3", "high_pass:sigma=3");
    assertThat(parsed.components())
        .extracting(Component::name)
        .containsExactly("low_pass", "high_pass");
    assertThat(parsed.components().get(1))
        .hasToString("Component[high_pass(sigma=3.0, kernel_size=33)]");
  }

  @ParameterizedTest
  @ValueSource(ints = {8, 28, 30, 32, 64, 100, 128, 256})
  void permutationViewsWorkAtAnyEvenSize(int size) {
    Tensor x = NoiseSource.seeded(size).next(1, 6, size, size);
    for (String name : PERMUTATIONS) {
      View v = ViewTable.view(name);
      v.check(6, size, size);
      assertThat(v.inverse(v.apply(x))).as("%s at %d px", name, size).isEqualTo(x);
      assertThat(v.apply(v.inverse(x))).isEqualTo(x);
      if (!name.equals("skew") && !name.startsWith("rot") && !name.equals("flip")) {
        int[] map = ((PermutationView) v).map(size);
        long moved = Arrays.stream(Permutations.identity(size)).filter(p -> map[p] != p).count();
        assertThat(moved).as("%s at %d px moves pixels", name, size).isGreaterThan(size);
      }
    }
  }

  @Test
  void mnistSizes() {
    // pixel_permute(64) at 28 px shuffles every pixel; patch_permute(8) leaves a 2 px border
    int[] pixels = ((PermutationView) ViewTable.view("pixel_permute")).map(28);
    assertThat(pixels).isEqualTo(Permutations.torchRandperm(28 * 28, 0));
    int[] patches = ((PermutationView) ViewTable.view("patch_permute")).map(28);
    for (int p = 0; p < 28 * 28; p++) {
      int y = p / 28;
      int x = p % 28;
      boolean border = y < 2 || y >= 26 || x < 2 || x >= 26;
      if (border) {
        assertThat(patches[p]).isEqualTo(p);
      }
    }
    // the drawn jigsaw turns into itself: piece 4t+k at p is piece 4t+k+1 a quarter turn on
    for (int size : new int[] {28, 30, 32}) {
      int[] labels = Jigsaw.labels(size);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int l = labels[y * size + x];
          int turned = labels[x * size + size - 1 - y];
          assertThat(turned).isEqualTo(l < 0 ? -1 : (l / 4) * 4 + (l % 4 + 1) % 4);
        }
      }
    }
  }

  @Test
  void patchPermuteIsTorchRandpermAfterManualSeed() {
    // torch.manual_seed(0); torch.randperm(64)[:8] in torch 1.13
    assertThat(Arrays.copyOf(Permutations.torchRandperm(64, 0), 8))
        .containsExactly(44, 46, 17, 3, 47, 21, 35, 6);
  }

  @Test
  void combinationsThatCannotWorkFailUpFrontNamingWhatTheyNeed() {
    assertThatThrownBy(() -> View.jigsaw().check(1, 27, 27))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jigsaw needs an even size of at least 8 px")
        .hasMessageEndingWith("but the size is 27");
    assertThatThrownBy(() -> ViewTable.view("patch_permute:16").check(1, 8, 8))
        .hasMessage(
            "patch_permute(num_patches=16, seed=0) needs at least 16 px (one per patch), but the"
                + " size is 8");
    assertThatThrownBy(() -> View.squareHinge().check(3, 2, 2))
        .hasMessageContaining("square_hinge needs at least 3 px");
    assertThatThrownBy(() -> View.ROT90.check(3, 28, 32))
        .hasMessage("rot90 needs a square image, but the image is 28x32 px");
    assertThatThrownBy(() -> View.skew(1.5).check(3, 28, 32))
        .hasMessage("skew(skew_factor=1.5) needs a square image, but the image is 28x32 px");
    assertThatThrownBy(() -> Component.color().check(1, 28, 28))
        .hasMessage("color needs 3 colour channels, but the image has 1 channel");
    assertThatThrownBy(() -> Factorization.colorHybrid().check(1, 28, 28))
        .hasMessage("grayscale needs 3 colour channels, but the image has 1 channel");
    // and the same view at a size it does take passes
    View.jigsaw().check(1, 28, 28);
    Factorization.hybrid(2).check(1, 28, 28);
  }

  @Test
  void tableNamesArgumentsAndErrors() {
    assertThat(ViewTable.names(ViewTable.Kind.VIEW))
        .containsExactly(
            "identity",
            "flip",
            "rot90",
            "rot180",
            "rot270",
            "rotate_cw",
            "rotate_ccw",
            "rotate_180",
            "negate",
            "skew",
            "patch_permute",
            "pixel_permute",
            "jigsaw",
            "inner_circle",
            "square_hinge");
    assertThat(ViewTable.names(ViewTable.Kind.COMPONENT)).containsExactlyElementsOf(COMPONENTS);
    assertThat(ViewTable.entry("patch_permute").usage())
        .isEqualTo("patch_permute[:num_patches=8,seed=0]");
    assertThat(ViewTable.view("patch_permute:4,seed=3"))
        .hasToString("View[patch_permute(num_patches=4, seed=3)]");
    assertThat(ViewTable.view("skew:skew_factor=2")).hasToString("View[skew(skew_factor=2.0)]");
    assertThat(View.named("rotate_cw").name()).isEqualTo("rotate_cw");
    assertThat(ViewTable.entry("skew").create(0.5)).hasToString("View[skew(skew_factor=0.5)]");
    assertThatThrownBy(() -> ViewTable.view("patch_permute:2.5"))
        .hasMessage("patch_permute: num_patches must be a whole number, but is: 2.5");
    assertThatThrownBy(() -> ViewTable.view("skew:1,2"))
        .hasMessage("skew takes [skew_factor], but got: '1,2'");
    assertThatThrownBy(() -> ViewTable.view("skew:factor=2"))
        .hasMessage("skew has no argument 'factor'; it takes [skew_factor]");
    assertThatThrownBy(() -> ViewTable.view("low_pass"))
        .hasMessageStartingWith("view must be one of [identity, flip,")
        .hasMessageEndingWith("('low_pass' is a component), but is: low_pass");
    assertThatThrownBy(() -> ViewTable.component("jigsaw"))
        .hasMessageStartingWith("component must be one of [low_pass, high_pass,");
  }
}
