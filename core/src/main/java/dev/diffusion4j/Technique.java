package dev.diffusion4j;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.model.Prediction;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How a run combines the noise estimates of its views, as a frozen value: {@link #plain()} (one
 * view, the primary condition read upright), an {@link #anagram(List, double...) anagram} (extra
 * views with their conditions, and optional weights) or a {@link #hybrid(Condition, GaussianBlur)
 * hybrid} (the condition of the high frequencies and the low-pass filter). The settings of one
 * technique are set and checked together; the loop asks the technique how to combine the estimates
 * of a step ({@code eps = sum_i w_i * inverse_i(eps_i) / sum_i w_i}, the plain mean without
 * weights, or {@code lowpass(eps_1) + highpass(eps_2)}).
 *
 * <pre>{@code
 * Technique sixNine =
 *     Technique.anagram(List.of(new Request.ViewTerm(Condition.label(9), View.ROT180)), 0.6, 0.4);
 * diffusion.pipeline().label(6).technique(sixNine).generate();
 * }</pre>
 *
 * <p>The builder's {@code anagram(..)}, {@code anagramWeights(..)} and {@code hybrid(..)} make the
 * same values one setting at a time. Immutable and thread-safe.
 */
public final class Technique {

  /** The kinds of technique. */
  public enum Kind {
    /** One view: sampling, SDEdit, translation, inpainting. */
    PLAIN,
    /** Several views of one image, each with its condition (visual anagrams). */
    ANAGRAM,
    /** Low frequencies from the primary condition, high frequencies from another (hybrids). */
    HYBRID
  }

  private static final Technique PLAIN = new Technique(List.of(), null, null, null);

  private final List<Request.ViewTerm> views;
  private final List<Double> weights;
  private final Condition highCondition;
  private final GaussianBlur blur;

  private Technique(
      List<Request.ViewTerm> views, List<Double> weights, Condition high, GaussianBlur blur) {
    this.views = views;
    this.weights = weights;
    this.highCondition = high;
    this.blur = blur;
  }

  /**
   * Returns the plain technique: one view, no combination.
   *
   * @return the technique
   */
  public static Technique plain() {
    return PLAIN;
  }

  /**
   * Returns a visual anagram: the primary condition read upright plus one extra view per entry,
   * combined by the weighted mean of their inverse-viewed estimates (noise and variance alike).
   *
   * @param views the extra views, at least one. Not modified.
   * @param weights none for the plain mean, or one finite weight {@code >= 0} per view (the primary
   *     condition's first), not all zero
   * @return the technique
   * @throws IllegalArgumentException for no views, a null view, or weights that do not fit
   */
  public static Technique anagram(List<Request.ViewTerm> views, double... weights) {
    if (views == null || views.isEmpty()) {
      throw new IllegalArgumentException("an anagram needs at least one view, but got: " + views);
    }
    for (Request.ViewTerm v : views) {
      if (v == null || v.condition() == null || v.view() == null) {
        throw new IllegalArgumentException(
            "anagram views must hold a condition and a view, but got: " + views);
      }
    }
    Technique t =
        new Technique(
            List.copyOf(views),
            weights == null || weights.length == 0 ? null : checkWeights(weights),
            null,
            null);
    return t.checked();
  }

  /**
   * Returns a hybrid image: low frequencies from the primary condition, high frequencies from
   * {@code high}.
   *
   * @param high the condition of the high frequencies
   * @param blur the low-pass filter
   * @return the technique
   * @throws IllegalArgumentException if either is null
   */
  public static Technique hybrid(Condition high, GaussianBlur blur) {
    if (high == null) {
      throw new IllegalArgumentException("hybrid condition must not be null");
    }
    if (blur == null) {
      throw new IllegalArgumentException("blur must not be null");
    }
    return new Technique(List.of(), null, high, blur);
  }

  /**
   * Returns the kind.
   *
   * @return {@link Kind#PLAIN}, {@link Kind#ANAGRAM} or {@link Kind#HYBRID}
   */
  public Kind kind() {
    return highCondition != null ? Kind.HYBRID : views.isEmpty() ? Kind.PLAIN : Kind.ANAGRAM;
  }

  /**
   * Returns the extra views of an anagram.
   *
   * @return the views; empty for the other kinds
   */
  public List<Request.ViewTerm> views() {
    return views;
  }

  /**
   * Returns the weights of an anagram's views.
   *
   * @return one weight per view (the primary condition's first), or {@code null} for the plain mean
   */
  public List<Double> weights() {
    return weights;
  }

  /**
   * Returns the condition of a hybrid's high frequencies.
   *
   * @return the condition, or {@code null} for the other kinds
   */
  public Condition highCondition() {
    return highCondition;
  }

  /**
   * Returns a hybrid's low-pass filter.
   *
   * @return the filter, or {@code null} for the other kinds
   */
  public GaussianBlur blur() {
    return blur;
  }

  // ------------------------------------------------------------------ the builder's steps

  /** This technique with one more anagram view; refused for a hybrid. */
  Technique plusView(Request.ViewTerm view) {
    if (highCondition != null) {
      throw combined();
    }
    List<Request.ViewTerm> more = new ArrayList<>(views);
    more.add(view);
    return new Technique(List.copyOf(more), weights, null, null);
  }

  /** This technique with anagram weights, checked against the views by {@link #checked()}. */
  Technique withWeights(double... weights) {
    if (highCondition != null) {
      throw combined();
    }
    return new Technique(views, checkWeights(weights), null, null);
  }

  /** A hybrid in place of this technique; refused for an anagram. */
  Technique asHybrid(Condition high, GaussianBlur blur) {
    if (!views.isEmpty()) {
      throw combined();
    }
    return hybrid(high, blur);
  }

  private static IllegalArgumentException combined() {
    return new IllegalArgumentException(
        "anagram and hybrid cannot be combined in one run; choose one");
  }

  /** Checks the weights against the views: one weight per view, the primary condition's first. */
  Technique checked() {
    if (weights != null && weights.size() != views.size() + 1) {
      throw new IllegalArgumentException(
          "anagramWeights must hold one weight per view ("
              + (views.size() + 1)
              + ": the primary condition and "
              + views.size()
              + " anagram view(s)), but holds "
              + weights.size()
              + ": "
              + weights);
    }
    return this;
  }

  private static List<Double> checkWeights(double... weights) {
    if (weights == null || weights.length < 2) {
      throw new IllegalArgumentException(
          "anagramWeights must hold one weight per view (at least 2), but holds: "
              + (weights == null ? "null" : Arrays.toString(weights)));
    }
    double sum = 0;
    List<Double> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      double w = weights[i];
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException(
            "anagramWeights[" + i + "] must be finite and >= 0, but is: " + w);
      }
      sum += w;
      list.add(w);
    }
    if (sum == 0 || Double.isInfinite(sum)) {
      throw new IllegalArgumentException(
          "anagramWeights must not all be zero and must have a finite sum, but are: "
              + Arrays.toString(weights));
    }
    return List.copyOf(list);
  }

  // ------------------------------------------------------------------ the loop's question

  /**
   * Combines the inverse-viewed estimates of one step, one per view (the primary first, then the
   * extra views or the hybrid's high condition): the weighted or plain mean, or low-pass of the
   * first plus high-pass of the second with the mean variance.
   *
   * @param noises the noise estimates. Not modified.
   * @param variances the variance estimates, entries {@code null} for a fixed-variance model. Not
   *     modified.
   * @return the combined prediction
   */
  Prediction combine(List<Tensor> noises, List<Tensor> variances) {
    if (noises.size() == 1) {
      return new Prediction(noises.get(0), variances.get(0));
    }
    if (weights != null) {
      return new Prediction(weighted(noises, weights), weighted(variances, weights));
    }
    Tensor variance = mean(variances);
    if (highCondition != null) {
      Tensor low = blur.lowPass(noises.get(0));
      Tensor high = blur.highPass(noises.get(1));
      return new Prediction(low.add(high), variance);
    }
    return new Prediction(mean(noises), variance);
  }

  /** {@code sum_i w_i * t_i / sum_i w_i}; null when the tensors are (no variance). */
  private static Tensor weighted(List<Tensor> tensors, List<Double> weights) {
    if (tensors.get(0) == null) {
      return null;
    }
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    Tensor sum = tensors.get(0).mul((float) (weights.get(0) / total));
    for (int i = 1; i < tensors.size(); i++) {
      sum = sum.add(tensors.get(i).mul((float) (weights.get(i) / total)));
    }
    return sum;
  }

  private static Tensor mean(List<Tensor> tensors) {
    if (tensors.get(0) == null) {
      return null;
    }
    Tensor sum = tensors.get(0);
    for (int i = 1; i < tensors.size(); i++) {
      sum = sum.add(tensors.get(i));
    }
    return sum.mul(1f / tensors.size());
  }

  /** Two techniques are equal when their settings are (filters by identity). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Technique t
        && views.equals(t.views)
        && Objects.equals(weights, t.weights)
        && Objects.equals(highCondition, t.highCondition)
        && blur == t.blur;
  }

  @Override
  public int hashCode() {
    return Objects.hash(views, weights, highCondition);
  }

  @Override
  public String toString() {
    return switch (kind()) {
      case PLAIN -> "plain";
      case ANAGRAM -> "anagram" + views + (weights == null ? "" : ", weights=" + weights);
      case HYBRID -> "hybrid[" + highCondition + ", " + blur + "]";
    };
  }
}
