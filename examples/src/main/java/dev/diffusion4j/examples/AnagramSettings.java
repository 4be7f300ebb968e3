package dev.diffusion4j.examples;

import java.util.Map;

/**
 * The settings {@code mnist-anagram} uses when given no {@code --guidance} or {@code --weights}:
 * tuned per pair on the class model where a pair needed it, measured with the digit judge (README,
 * "Anagrams that read both ways"), and a general default for every other pair.
 *
 * @param guidance the classifier-free guidance scale of both readings
 * @param upright the weight of the upright reading; the viewed reading weighs {@code 1 - upright}
 */
record AnagramSettings(double guidance, double upright) {

  /** For a pair without tuned settings: guidance 7.5, both readings weighed alike. */
  static final AnagramSettings GENERAL = new AnagramSettings(7.5, 0.5);

  /**
   * Tuned pairs, keyed {@code "<upright>-<other>-<view>"}. 0-8-rot90 (weight 0.4), 1-7-skew and
   * 0-6-jigsaw come from the two-judge sweep on seed 1 (README's quality table, tuning figures in
   * {@code onnx-export/mnist/quality/tuning.md}).
   */
  private static final Map<String, AnagramSettings> TUNED =
      Map.of(
          "7-1-flip", new AnagramSettings(7.5, 0.7),
          "0-9-rot180", new AnagramSettings(7.5, 0.6),
          "0-8-rot90", new AnagramSettings(10, 0.4),
          "1-7-skew", new AnagramSettings(7.5, 0.3),
          "0-6-jigsaw", new AnagramSettings(10, 0.5));

  /**
   * Returns the settings for a pair.
   *
   * @param upright the digit read upright
   * @param other the digit read through the view
   * @param view the view's name
   * @return the tuned settings of the pair, or {@link #GENERAL}
   */
  static AnagramSettings of(int upright, int other, String view) {
    return TUNED.getOrDefault(upright + "-" + other + "-" + view, GENERAL);
  }
}
