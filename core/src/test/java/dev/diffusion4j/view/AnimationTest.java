package dev.diffusion4j.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transition animations: the clip of animate.py (hold, fade, eased transition, fade, hold,
 * boomerang), which ends its transition on exactly the image seen through the view.
 */
class AnimationTest {

  /** frames[7] is the transition's first frame (t = 0), frames[30] its last (t = 1). */
  static final int START = 7;

  static final int END = START + Animation.TRANSITION_FRAMES - 1;

  static Tensor digit() {
    return NoiseSource.seeded(3).next(1, 1, 28, 28).clamp(0f, 1f);
  }

  @Test
  void easesAsAnimatePyDoes() {
    assertThat(Animation.easeInOutQuint(0)).isZero();
    assertThat(Animation.easeInOutQuint(0.5)).isEqualTo(0.5);
    assertThat(Animation.easeInOutQuint(0.25)).isEqualTo(4 * 0.25 * 0.25 * 0.25);
    assertThat(Animation.easeInOutQuint(1)).isEqualTo(1);
  }

  /** The transition ends on the image as the view shows it, drawn on the same frame. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "flip",
        "rot180",
        "rot90",
        "rot270",
        "negate",
        "patch_permute:4",
        "pixel_permute",
        "jigsaw",
        "square_hinge",
        "skew"
      })
  void theTransitionEndsOnTheView(String spec) {
    View view = View.named(spec);
    Tensor x = digit();
    List<BufferedImage> frames =
        Animation.anagram(x, ValueRange.ZERO_TO_ONE, view, "6", "9").frames();
    List<BufferedImage> still =
        Animation.anagram(x, ValueRange.ZERO_TO_ONE, View.IDENTITY, "", "").frames();
    List<BufferedImage> viewed =
        Animation.anagram(view.apply(x), ValueRange.ZERO_TO_ONE, View.IDENTITY, "", "").frames();
    // flip is drawn as a half turn, as upstream's FlipView.make_frame does
    // and negation as 1 - x on the screen (NegateView.make_frame), the view's -x in [0, 1]
    Tensor shown =
        spec.equals("flip") ? x.rot90(2) : spec.equals("negate") ? x.mul(-1f).add(1f) : null;
    List<BufferedImage> expected =
        shown == null
            ? viewed
            : Animation.anagram(shown, ValueRange.ZERO_TO_ONE, View.IDENTITY, "", "").frames();
    assertThat(maxChannelDiff(frames.get(START), still.get(START))).isZero();
    assertThat(maxChannelDiff(frames.get(END), expected.get(START))).isLessThanOrEqualTo(1);
    assertThat(maxChannelDiff(frames.get(END / 2 + START / 2), still.get(START)))
        .as("half way differs from both ends")
        .isGreaterThan(10);
  }

  @Test
  void theClipHoldsFadesAndComesBack(@TempDir Path dir) throws Exception {
    Animation a = Animation.anagram(digit(), ValueRange.ZERO_TO_ONE, View.ROT180, "6", "9");
    List<BufferedImage> frames = a.frames();
    int[] delays = a.delaysMillis();
    int forward = 2 + 2 * Animation.FADE_FRAMES + Animation.TRANSITION_FRAMES;
    assertThat(frames).hasSize(2 * forward);
    assertThat(delays).hasSize(2 * forward);
    assertThat(delays[0]).isEqualTo(Animation.HOLD_MILLIS / 2);
    assertThat(delays[1]).isEqualTo(Animation.HOLD_MILLIS / 2);
    assertThat(delays[START]).isEqualTo(Animation.FRAME_MILLIS);
    // 140 px of image (28 x 5) on a 210 px frame, the caption below it in black, faded to white
    BufferedImage hold = frames.get(1);
    assertThat(hold.getWidth()).isEqualTo(210);
    assertThat(darkPixelsBelowImage(hold)).isGreaterThan(5);
    assertThat(darkPixelsBelowImage(frames.get(START - 1))).isZero();
    // the boomerang: the second half is the first backwards
    assertThat(maxChannelDiff(frames.get(START), frames.get(2 * forward - START + 1))).isZero();
    Path gif = dir.resolve("a.gif");
    a.write(gif);
    try (ImageInputStream in = ImageIO.createImageInputStream(Files.newInputStream(gif))) {
      ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
      reader.setInput(in);
      assertThat(reader.getNumImages(true)).isEqualTo(2 * forward);
    }
  }

  @Test
  void aHybridShrinksAndAColourHybridGainsItsColour() {
    Tensor rgb = NoiseSource.seeded(4).next(1, 3, 64, 64).clamp(-1f, 1f);
    List<BufferedImage> far =
        Animation.hybrid(rgb, ValueRange.MINUS_ONE_TO_ONE, Factorization.hybrid(2), "a", "b")
            .frames();
    // at the end of the transition only a 1/12 of the 256 px image is left at the centre
    BufferedImage end = far.get(END);
    assertThat(end.getRGB(end.getWidth() / 2 - 40, end.getHeight() / 2) & 0xFFFFFF)
        .isEqualTo(0xFFFFFF);
    List<BufferedImage> colour =
        Animation.hybrid(rgb, ValueRange.MINUS_ONE_TO_ONE, Factorization.colorHybrid(), "a", "b")
            .frames();
    int start = colour.get(START).getRGB(96, 96);
    assertThat((start >> 16) & 255).isEqualTo(start & 255); // grey
    int stop = colour.get(END).getRGB(96, 96);
    assertThat(((stop >> 16) & 255) != (stop & 255) || ((stop >> 8) & 255) != (stop & 255))
        .isTrue();
  }

  @Test
  void refusesWhatItCannotDraw() {
    assertThatThrownBy(
            () ->
                Animation.anagram(
                    NoiseSource.seeded(1).next(2, 1, 28, 28),
                    ValueRange.ZERO_TO_ONE,
                    View.FLIP,
                    "a",
                    "b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one square image");
  }

  static int maxChannelDiff(BufferedImage a, BufferedImage b) {
    assertThat(a.getWidth()).isEqualTo(b.getWidth());
    int worst = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int s = 0; s < 24; s += 8) {
          worst = Math.max(worst, Math.abs(((p >> s) & 255) - ((q >> s) & 255)));
        }
      }
    }
    return worst;
  }

  static int darkPixelsBelowImage(BufferedImage img) {
    int n = 0;
    int from = img.getHeight() * 5 / 6;
    for (int y = from; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if ((img.getRGB(x, y) & 255) < 128) {
          n++;
        }
      }
    }
    return n;
  }
}
