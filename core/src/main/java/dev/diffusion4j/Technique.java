package dev.diffusion4j;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.model.Prediction;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.Component;
import dev.diffusion4j.view.Factorization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How a run combines the noise estimates of its views, as a frozen value: {@link #plain()} (one
 * view, the primary condition read upright), an {@link #anagram(List, double...) anagram} (extra
 * views with their conditions, and optional weights) or a {@link #hybrid(Factorization, List)
 * hybrid}, any factorized-diffusion decomposition (Geng, Park and Owens 2024: low/high pass, triple
 * bands, grayscale/color, motion, scales), one condition per component. The settings of one
 * technique are set and checked together; the loop asks the technique how to combine the estimates
 * of a step, as visual_anagrams' samplers do with their {@code reduction} ({@link Reduction}):
 * {@code eps = sum_i w_i * inverse_i(eps_i) / sum_i w_i} (the plain mean without weights) for an
 * anagram, {@code eps = sum_i component_i(eps_i)} for a hybrid, or one view per step in turn.
 *
 * <p>A hybrid may fix its first component from a reference image ({@link #withReference(Tensor)},
 * upstream's {@code ref_im}: hybrids of a real photo, colourisation): before every step the loop
 * replaces the first component of {@code x_t} with that of the reference noised to {@code t}.
 *
 * <pre>{@code
 * Technique sixNine =
 *     Technique.anagram(List.of(new Request.ViewTerm(Condition.label(9), View.ROT180)), 0.6, 0.4);
 * diffusion.pipeline().label(6).technique(sixNine).generate();
 *
 * Technique colour =
 *     Technique.hybrid(Factorization.colorHybrid(), List.of(Condition.prompt("a red rose")));
 * }</pre>
 *
 * <p>The builder's {@code anagram(..)}, {@code anagramWeights(..)}, {@code hybrid(..)}, {@code
 * reduction(..)} and {@code referenceImage(..)} make the same values one setting at a time.
 * Immutable and thread-safe.
 */
public final class Technique {

  /** The kinds of technique. */
  public enum Kind {
    /** One view: sampling, SDEdit, translation, inpainting. */
    PLAIN,
    /** Several views of one image, each with its condition (visual anagrams). */
    ANAGRAM,
    /**
     * A factorization, one condition per component (hybrid images and the other decompositions of
     * factorized diffusion).
     */
    HYBRID
  }

  /**
   * How the estimates of the views or components of one step are reduced to one, visual_anagrams'
   * {@code reduction} argument of {@code sample_stage_1} and {@code sample_stage_2}.
   */
  public enum Reduction {
    /**
     * The mean of the estimates (noise and variance), or their weighted mean with {@code
     * anagramWeights}; the default of an anagram. For a hybrid, the components' sum divided by
     * their count.
     */
    MEAN,
    /**
     * The sum of the noise estimates, the mean of the variances; the default of a hybrid
     * (factorized diffusion).
     */
    SUM,
    /**
     * One view per step in turn: step {@code i} (counted from 0 over the run's timesteps) takes the
     * estimate of view {@code i mod k} alone, noise and variance, after its inverse view or
     * component. Only that view's model passes run.
     */
    ALTERNATE
  }

  private static final Technique PLAIN =
      new Technique(List.of(), null, null, List.of(), null, null, null);

  private final List<Request.ViewTerm> views;
  private final List<Double> weights;
  private final Factorization factorization;
  private final List<Condition> hybridConditions;
  private final GaussianBlur blur;
  private final Reduction reduction;
  private final Tensor reference;

  private Technique(
      List<Request.ViewTerm> views,
      List<Double> weights,
      Factorization factorization,
      List<Condition> hybridConditions,
      GaussianBlur blur,
      Reduction reduction,
      Tensor reference) {
    this.views = views;
    this.weights = weights;
    this.factorization = factorization;
    this.hybridConditions = hybridConditions;
    this.blur = blur;
    this.reduction = reduction;
    this.reference = reference;
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
            List.of(),
            null,
            null,
            null);
    return t.checked();
  }

  /**
   * Returns a hybrid image: low frequencies from the primary condition, high frequencies from
   * {@code high}, through one fixed filter ({@link Component#lowPass(GaussianBlur)} and {@link
   * Component#highPass(GaussianBlur)}).
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
    Factorization f = Factorization.of(Component.lowPass(blur), Component.highPass(blur));
    return new Technique(List.of(), null, f, List.of(high), blur, null, null);
  }

  /**
   * Returns a factorized illusion: component 0 of {@code factorization} from the primary condition,
   * component {@code i} from {@code others.get(i - 1)}, combined by {@link Reduction#SUM}.
   *
   * @param factorization the decomposition, e.g. {@link Factorization#hybrid(double)} or {@code
   *     Factorization.parse("grayscale", "color")}
   * @param others one condition per component after the first. Not modified.
   * @return the technique
   * @throws IllegalArgumentException if either is null, or the counts disagree
   */
  public static Technique hybrid(Factorization factorization, List<Condition> others) {
    if (factorization == null) {
      throw new IllegalArgumentException("factorization must not be null");
    }
    if (others == null || others.size() != factorization.size() - 1) {
      throw new IllegalArgumentException(
          "a hybrid needs one condition per component after the first ("
              + (factorization.size() - 1)
              + " for "
              + factorization
              + "), but got: "
              + others);
    }
    for (Condition c : others) {
      if (c == null) {
        throw new IllegalArgumentException("hybrid conditions must not be null: " + others);
      }
    }
    if (factorization.size() < 2) {
      throw new IllegalArgumentException(
          "a hybrid needs at least 2 components, but " + factorization + " has 1");
    }
    return new Technique(List.of(), null, factorization, List.copyOf(others), null, null, null);
  }

  /**
   * Returns this technique with another reduction.
   *
   * @param reduction the reduction, or {@code null} for the kind's default ({@link Reduction#MEAN}
   *     for an anagram, {@link Reduction#SUM} for a hybrid)
   * @return the technique
   * @throws IllegalArgumentException if the technique has weights and the reduction is not {@link
   *     Reduction#MEAN}
   */
  public Technique withReduction(Reduction reduction) {
    return new Technique(
            views, weights, factorization, hybridConditions, blur, reduction, reference)
        .checkedWeights();
  }

  /**
   * Returns this hybrid with its first component fixed from a reference image, visual_anagrams'
   * {@code ref_im}: before every step {@code x_t} becomes {@code component_0(ref_t) + sum_{i>=1}
   * component_i(x_t)}, {@code ref_t} the reference noised to {@code t} by the scheduler ({@code
   * sqrt(alphas_cumprod[t]) * ref + sqrt(1 - alphas_cumprod[t]) * noise}, a fresh draw each step
   * before the model passes). The reference is resized (bilinear) to the model's size.
   *
   * @param image {@code [1, C, H, W]} or {@code [C, H, W]} in the model's value range ([-1, 1] for
   *     IF), C the model's channels. Not modified.
   * @return the technique
   * @throws IllegalArgumentException if the image is null or not one image, or this is not a hybrid
   */
  public Technique withReference(Tensor image) {
    if (image == null) {
      throw new IllegalArgumentException("reference image must not be null");
    }
    Tensor ref =
        image.rank() == 3 ? image.reshape(1, image.dim(0), image.dim(1), image.dim(2)) : image;
    if (ref.rank() != 4 || ref.dim(0) != 1) {
      throw new IllegalArgumentException(
          "reference image must have shape [1, C, H, W] or [C, H, W], but has shape: "
              + Arrays.toString(image.shape()));
    }
    if (kind() != Kind.HYBRID) {
      throw new IllegalArgumentException(
          "a reference image fixes a hybrid's first component, but the technique is: " + this);
    }
    return new Technique(views, weights, factorization, hybridConditions, blur, reduction, ref);
  }

  /**
   * Returns the kind.
   *
   * @return {@link Kind#PLAIN}, {@link Kind#ANAGRAM} or {@link Kind#HYBRID}
   */
  public Kind kind() {
    return factorization != null ? Kind.HYBRID : views.isEmpty() ? Kind.PLAIN : Kind.ANAGRAM;
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
   * Returns a hybrid's factorization.
   *
   * @return the factorization, or {@code null} for the other kinds
   */
  public Factorization factorization() {
    return factorization;
  }

  /**
   * Returns the conditions of a hybrid's components after the first.
   *
   * @return the conditions; empty for the other kinds
   */
  public List<Condition> hybridConditions() {
    return hybridConditions;
  }

  /**
   * Returns the condition of a hybrid's second component (the high frequencies of a low/high
   * hybrid).
   *
   * @return the condition, or {@code null} for the other kinds
   */
  public Condition highCondition() {
    return hybridConditions.isEmpty() ? null : hybridConditions.get(0);
  }

  /**
   * Returns the low-pass filter of a hybrid made by {@link #hybrid(Condition, GaussianBlur)}.
   *
   * @return the filter, or {@code null} for the other kinds and factorizations
   */
  public GaussianBlur blur() {
    return blur;
  }

  /**
   * Returns the reduction.
   *
   * @return the reduction set, or the kind's default ({@link Reduction#SUM} for a hybrid, {@link
   *     Reduction#MEAN} otherwise)
   */
  public Reduction reduction() {
    return reduction != null ? reduction : kind() == Kind.HYBRID ? Reduction.SUM : Reduction.MEAN;
  }

  /**
   * Returns a hybrid's reference image.
   *
   * @return {@code [1, C, H, W]}, or {@code null} for none
   */
  public Tensor reference() {
    return reference;
  }

  // ------------------------------------------------------------------ the builder's steps

  /** This technique with one more anagram view; refused for a hybrid. */
  Technique plusView(Request.ViewTerm view) {
    if (factorization != null) {
      throw combined();
    }
    List<Request.ViewTerm> more = new ArrayList<>(views);
    more.add(view);
    return new Technique(List.copyOf(more), weights, null, List.of(), null, reduction, null);
  }

  /** This technique with anagram weights, checked against the views by {@link #checked()}. */
  Technique withWeights(double... weights) {
    if (factorization != null) {
      throw combined();
    }
    return new Technique(views, checkWeights(weights), null, List.of(), null, reduction, null)
        .checkedWeights();
  }

  /** A hybrid in place of this technique, keeping its reduction; refused for an anagram. */
  Technique asHybrid(Technique hybrid) {
    if (!views.isEmpty()) {
      throw combined();
    }
    return new Technique(
        List.of(),
        null,
        hybrid.factorization,
        hybrid.hybridConditions,
        hybrid.blur,
        reduction,
        reference);
  }

  private static IllegalArgumentException combined() {
    return new IllegalArgumentException(
        "anagram and hybrid cannot be combined in one run; choose one");
  }

  /** Checks the settings together: the weights against the views, a reduction for a kind. */
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
    if (reduction != null && kind() == Kind.PLAIN) {
      throw new IllegalArgumentException(
          "reduction is for an anagram or a hybrid, but the run has neither (reduction: "
              + reduction
              + ")");
    }
    return checkedWeights();
  }

  private Technique checkedWeights() {
    if (weights != null && reduction() != Reduction.MEAN) {
      throw new IllegalArgumentException(
          "anagramWeights weigh the mean; they cannot be combined with reduction " + reduction());
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

  // ------------------------------------------------------------------ the loop's questions

  /** The number of views whose estimates a step combines: anagram views or hybrid components. */
  int viewCount() {
    return kind() == Kind.HYBRID ? factorization.size() : views.size() + 1;
  }

  /**
   * The views whose model passes step {@code step} runs: all of them, or for {@link
   * Reduction#ALTERNATE} view {@code step mod k} alone.
   */
  int[] active(int step) {
    int k = viewCount();
    if (k > 1 && reduction() == Reduction.ALTERNATE) {
      return new int[] {Math.floorMod(step, k)};
    }
    int[] all = new int[k];
    for (int i = 0; i < k; i++) {
      all[i] = i;
    }
    return all;
  }

  /**
   * Combines the inverse-viewed estimates of one step, one per active view ({@link #active(int)}):
   * for an anagram the weighted or plain mean, or the sum; for a hybrid the sum (or mean) of the
   * components of each estimate, the mean variance; for {@link Reduction#ALTERNATE} the one active
   * view's estimate (a hybrid's through its component).
   *
   * @param step the step's index in the run's timesteps
   * @param noises the noise estimates. Not modified.
   * @param variances the variance estimates, entries {@code null} for a fixed-variance model. Not
   *     modified.
   * @return the combined prediction
   */
  Prediction combine(int step, List<Tensor> noises, List<Tensor> variances) {
    int[] active = active(step);
    if (factorization == null && noises.size() == 1) {
      return new Prediction(noises.get(0), variances.get(0));
    }
    if (factorization != null) {
      List<Component> components = factorization.components();
      if (active.length == 1) {
        return new Prediction(components.get(active[0]).extract(noises.get(0)), variances.get(0));
      }
      Tensor sum = factorization.combine(noises);
      Tensor eps = reduction() == Reduction.MEAN ? sum.mul(1f / noises.size()) : sum;
      return new Prediction(eps, mean(variances));
    }
    if (weights != null) {
      return new Prediction(weighted(noises, weights), weighted(variances, weights));
    }
    Tensor variance = mean(variances);
    if (reduction() == Reduction.SUM) {
      Tensor sum = noises.get(0);
      for (int i = 1; i < noises.size(); i++) {
        sum = sum.add(noises.get(i));
      }
      return new Prediction(sum, variance);
    }
    return new Prediction(mean(noises), variance);
  }

  /**
   * {@code ref_im}'s projection: {@code component_0(refNoisy) + sum_{i>=1} component_i(x)}, the
   * first component of the sample replaced with the noised reference's.
   */
  Tensor projectReference(Tensor x, Tensor refNoisy) {
    List<Component> components = factorization.components();
    Tensor out = components.get(0).extract(refNoisy);
    for (int i = 1; i < components.size(); i++) {
      out = out.add(components.get(i).extract(x));
    }
    return out;
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

  /** Two techniques are equal when their settings are (filters and references by identity). */
  @Override
  public boolean equals(Object o) {
    return o instanceof Technique t
        && views.equals(t.views)
        && Objects.equals(weights, t.weights)
        && hybridConditions.equals(t.hybridConditions)
        && (blur != null || t.blur != null ? blur == t.blur : factorization == t.factorization)
        && reduction == t.reduction
        && reference == t.reference;
  }

  @Override
  public int hashCode() {
    return Objects.hash(views, weights, hybridConditions, reduction);
  }

  @Override
  public String toString() {
    String r = reduction == null ? "" : ", reduction=" + reduction;
    return switch (kind()) {
      case PLAIN -> "plain" + r;
      case ANAGRAM -> "anagram" + views + (weights == null ? "" : ", weights=" + weights) + r;
      case HYBRID ->
          "hybrid["
              + hybridConditions
              + ", "
              + (blur != null ? blur : factorization)
              + r
              + (reference == null ? "" : ", reference image")
              + "]";
    };
  }
}
