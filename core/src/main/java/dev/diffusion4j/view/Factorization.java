package dev.diffusion4j.view;

import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A factorized-diffusion decomposition (Geng, Park and Owens, "Factorized Diffusion", ECCV 2024):
 * components, one per prompt, whose noise estimates are combined as {@code eps = sum_i
 * component_i(eps_i)}, visual_anagrams' {@code reduction="sum"} (its variance estimates are
 * averaged, as upstream does, by the caller).
 *
 * <pre>{@code
 * Factorization hybrid = Factorization.hybrid(2.0);          // low_pass + high_pass
 * Factorization colour = Factorization.of(Component.grayscale(), Component.color());
 * Tensor eps = hybrid.combine(List.of(epsFar, epsNear));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class Factorization {

  private final List<Component> components;

  private Factorization(List<Component> components) {
    this.components = List.copyOf(components);
  }

  /**
   * Returns a factorization of the given components, in prompt order.
   *
   * @param components at least one component
   * @return the factorization
   * @throws IllegalArgumentException if there is none or one is null
   */
  public static Factorization of(Component... components) {
    if (components == null || components.length == 0) {
      throw new IllegalArgumentException("components must hold at least one component");
    }
    List<Component> list = new ArrayList<>();
    for (int i = 0; i < components.length; i++) {
      if (components[i] == null) {
        throw new IllegalArgumentException("components[" + i + "] must not be null");
      }
      list.add(components[i]);
    }
    return new Factorization(list);
  }

  /**
   * Returns the factorization of components named in the {@link ViewTable}, e.g. {@code
   * parse("low_pass:3", "high_pass:3")}.
   *
   * @param specs one spec per component ({@link ViewTable#component(String)})
   * @return the factorization
   * @throws IllegalArgumentException for an unknown name or bad arguments, listing the valid ones
   */
  public static Factorization parse(String... specs) {
    if (specs == null || specs.length == 0) {
      throw new IllegalArgumentException("specs must hold at least one component");
    }
    Component[] c = new Component[specs.length];
    for (int i = 0; i < specs.length; i++) {
      c[i] = ViewTable.component(specs[i]);
    }
    return of(c);
  }

  /**
   * A hybrid image: {@code low_pass} then {@code high_pass} with one sigma.
   *
   * @param sigma the blur's sigma at 64 px ({@link Component#HYBRID_SIGMA} upstream)
   * @return the factorization
   */
  public static Factorization hybrid(double sigma) {
    return of(
        Component.lowPass(sigma, Component.HYBRID_KERNEL_SIZE),
        Component.highPass(sigma, Component.HYBRID_KERNEL_SIZE));
  }

  /**
   * A triple hybrid: low, medium and high bands.
   *
   * @param sigma1 the first sigma at 64 px
   * @param sigma2 the second sigma at 64 px
   * @return the factorization
   */
  public static Factorization tripleHybrid(double sigma1, double sigma2) {
    int k = Component.TRIPLE_KERNEL_SIZE;
    return of(
        Component.tripleBand(0, sigma1, sigma2, k),
        Component.tripleBand(1, sigma1, sigma2, k),
        Component.tripleBand(2, sigma1, sigma2, k));
  }

  /**
   * A colour hybrid: {@code grayscale} then {@code color}.
   *
   * @return the factorization
   */
  public static Factorization colorHybrid() {
    return of(Component.grayscale(), Component.color());
  }

  /**
   * A motion hybrid: {@code motion} then {@code motion_res}.
   *
   * @param size the motion kernel size at 64 px ({@link Component#MOTION_SIZE} upstream)
   * @return the factorization
   */
  public static Factorization motionHybrid(int size) {
    return of(Component.motion(size), Component.motionRes(size));
  }

  /**
   * A scaling decomposition: one {@code scale} per prompt.
   *
   * @param scales the factors
   * @return the factorization
   */
  public static Factorization scales(double... scales) {
    if (scales == null || scales.length == 0) {
      throw new IllegalArgumentException("scales must hold at least one factor");
    }
    Component[] c = new Component[scales.length];
    for (int i = 0; i < scales.length; i++) {
      c[i] = Component.scale(scales[i]);
    }
    return of(c);
  }

  /**
   * Returns the components, in prompt order.
   *
   * @return an unmodifiable list
   */
  public List<Component> components() {
    return components;
  }

  /**
   * Returns the number of components (of prompts).
   *
   * @return the size
   */
  public int size() {
    return components.size();
  }

  /**
   * Checks, before sampling, that every component works on images of this shape.
   *
   * @param channels the image's channels
   * @param height the image height
   * @param width the image width
   * @throws IllegalArgumentException naming the component, the shape and what it needs
   */
  public void check(int channels, int height, int width) {
    for (Component c : components) {
      c.check(channels, height, width);
    }
  }

  /**
   * Combines one estimate per component: {@code sum_i component_i(estimates_i)}.
   *
   * @param estimates one noise estimate per component, all of one shape. Not modified.
   * @return the sum
   * @throws IllegalArgumentException if the count or the shapes disagree
   */
  public Tensor combine(List<Tensor> estimates) {
    if (estimates == null || estimates.size() != components.size()) {
      throw new IllegalArgumentException(
          "estimates must hold one tensor per component ("
              + components.size()
              + "), but holds: "
              + (estimates == null ? "null" : estimates.size()));
    }
    Tensor sum = components.get(0).extract(estimates.get(0));
    for (int i = 1; i < components.size(); i++) {
      Tensor e = estimates.get(i);
      e.requireSameShape(estimates.get(0), "estimates[" + i + "]");
      sum = sum.add(components.get(i).extract(e));
    }
    return sum;
  }

  @Override
  public String toString() {
    return "Factorization" + components;
  }
}
