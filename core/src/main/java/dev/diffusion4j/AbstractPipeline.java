package dev.diffusion4j;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.NoiseSchedule;
import dev.diffusion4j.schedule.Scheduler;
import dev.diffusion4j.schedule.Timesteps;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.Factorization;
import dev.diffusion4j.view.View;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The settings that both stages share: conditions, guidance, timesteps, noise, the illusions
 * (anagram, hybrid) and observation (capture, progress). {@link Pipeline} adds what only the base
 * model takes (class labels, a start image, a mask); {@link Upscaler} adds what only the upscaler
 * takes (the low-resolution images and their noise level).
 *
 * <p>Setters check their argument at once and return this builder; {@link #build()} checks what
 * they cannot check alone (before any model runs) and freezes the settings into an immutable {@link
 * Request}; {@link #generate()} builds and runs it.
 *
 * <p>Cancelling: a run checks its thread's interrupt flag before every step and, when it is set,
 * throws {@link java.util.concurrent.CancellationException} (leaving the flag set), so {@code
 * Future.cancel(true)} on a run submitted to an executor stops it within one step. An exception
 * thrown by the progress callback also ends the run at once and reaches the caller of {@link
 * #generate()} unchanged. A cancelled run leaves nothing behind: the {@link Diffusion} and its
 * models stay usable.
 *
 * <p>A builder is not thread-safe; requests are immutable and may run concurrently.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract sealed class AbstractPipeline<B extends AbstractPipeline<B>>
    permits Pipeline, Upscaler {

  final Diffusion diffusion;
  final Denoiser denoiser;
  final int stage;
  List<Condition> conditions = List.of();
  double guidance;
  Timesteps timesteps;
  Integer samples;
  long seed = ThreadLocalRandom.current().nextLong();
  List<Tensor> explicitNoise;
  Technique technique = Technique.plain();
  DDPMScheduler.Thresholding thresholding;
  int captureEvery;
  Consumer<Progress> progress;
  Variant variant = Variant.DIFFUSERS;
  SamplerSettings sampler = SamplerSettings.of(Sampler.DDPM);
  boolean timestepsExplicit;
  int steps;
  Condition negative;
  long[] seeds;
  java.time.Duration timeout;

  AbstractPipeline(Diffusion diffusion, Denoiser denoiser, int stage) {
    this.diffusion = diffusion;
    this.denoiser = denoiser;
    this.stage = stage;
  }

  abstract B self();

  /** Copies what only this stage takes from a request. */
  abstract void copyStage(Request r);

  /** Returns the start image settings of this stage's run, or {@code null}. */
  abstract StartImage startImage();

  /** Returns the upscaler's input, or {@code null} for stage I. */
  abstract UpscalerInput upscalerInput();

  /** Copies the settings of a request into this builder. */
  final B copy(Request r) {
    conditions = r.conditions();
    guidance = r.guidance();
    timesteps = r.timesteps();
    samples = r.samples();
    seed = r.seed();
    explicitNoise = r.explicitNoise();
    technique = r.technique();
    thresholding = r.thresholding();
    captureEvery = r.captureEvery();
    progress = r.progress();
    variant = r.variant();
    sampler = r.samplerSettings();
    timestepsExplicit = r.timestepsExplicit();
    steps = r.steps();
    seeds = r.seedsArray();
    timeout = r.timeout();
    copyStage(r);
    negative = r.negative();
    return self();
  }

  // ------------------------------------------------------------------ conditions

  /**
   * Conditions every sample on a prompt (text models).
   *
   * @param text the prompt
   * @return this builder
   * @throws IllegalArgumentException if the model takes no prompts, or for a prompt the encoder
   *     cannot encode (an unknown prompt without a text encoder)
   */
  public B prompt(String text) {
    return condition(Condition.prompt(text));
  }

  /**
   * Gives each sample its own prompt; the number of samples becomes {@code prompts.size()}.
   *
   * @param prompts one prompt per sample, at least one
   * @return this builder
   */
  public B prompts(List<String> prompts) {
    if (prompts == null || prompts.isEmpty()) {
      throw new IllegalArgumentException("prompts must hold at least one prompt, but is empty");
    }
    List<Condition> list = new ArrayList<>();
    for (String p : prompts) {
      list.add(checkCondition(Condition.prompt(p), "prompts"));
    }
    this.conditions = List.copyOf(list);
    this.samples = prompts.size();
    return self();
  }

  /**
   * Gives each sample its own condition; the number of samples becomes {@code conditions.size()}.
   *
   * @param conditions one condition per sample, at least one
   * @return this builder
   */
  public B conditions(List<Condition> conditions) {
    if (conditions == null || conditions.isEmpty()) {
      throw new IllegalArgumentException(
          "conditions must hold at least one condition, but is empty");
    }
    List<Condition> list = new ArrayList<>();
    for (Condition c : conditions) {
      list.add(checkCondition(c, "conditions"));
    }
    this.conditions = List.copyOf(list);
    this.samples = conditions.size();
    return self();
  }

  /**
   * Conditions every sample on one condition.
   *
   * @param condition the condition
   * @return this builder
   */
  public B condition(Condition condition) {
    this.conditions = List.of(checkCondition(condition, "condition"));
    return self();
  }

  final Condition checkCondition(Condition condition, String name) {
    if (condition == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
    if (diffusion.encoder() == null) {
      throw new IllegalArgumentException(
          name
              + " cannot be used: the model "
              + denoiser
              + " has no conditions, but got: "
              + condition);
    }
    if (condition instanceof Condition.Embeddings e) {
      int[] expected = new int[denoiser.conditionShape().length + 1];
      expected[0] = 1;
      System.arraycopy(denoiser.conditionShape(), 0, expected, 1, expected.length - 1);
      if (!java.util.Arrays.equals(e.tensor().shape(), expected)) {
        throw new IllegalArgumentException(
            name
                + " embeddings must have shape "
                + java.util.Arrays.toString(expected)
                + " for "
                + denoiser
                + ", but have: "
                + java.util.Arrays.toString(e.tensor().shape()));
      }
    }
    diffusion.encoder().check(condition);
    return condition;
  }

  /**
   * Sets the negative prompt: the condition of the unconditional pass of classifier-free guidance,
   * so that {@code eps = eps_neg + g * (eps_c - eps_neg)} steers away from it, as diffusers' {@code
   * negative_prompt} does. Default: {@code ""} (IF's unconditional prompt). Used only where the run
   * guides (a scale above 1 with {@link Variant#DIFFUSERS}, as in diffusers, which ignores the
   * negative prompt otherwise).
   *
   * @param text the negative prompt; {@code ""} is the default unconditional pass
   * @return this builder
   * @throws IllegalArgumentException if the model takes no prompts, or for a prompt the encoder
   *     cannot encode
   */
  public B negativePrompt(String text) {
    return negative(Condition.prompt(text));
  }

  /**
   * Sets the condition of the unconditional pass of classifier-free guidance (see {@link
   * #negativePrompt(String)}): a prompt, or precomputed embeddings ({@link
   * Condition#embeddings(Tensor)}, diffusers' {@code negative_prompt_embeds}); for the MNIST class
   * model a label (default: zeros, no class). Shared by every sample and view of the run.
   *
   * @param condition the negative condition, or {@code null} for the default
   * @return this builder
   * @throws IllegalArgumentException if the model has no conditions or cannot encode it
   */
  public B negative(Condition condition) {
    this.negative = condition == null ? null : checkCondition(condition, "negative");
    return self();
  }

  /**
   * Sets the classifier-free guidance scale: {@code eps = eps_u + g * (eps_c - eps_u)}. A scale of
   * 1 or less runs the conditional pass only, as diffusers does ({@link Variant#STUDY}: only 1).
   * The defaults are on {@link Pipeline} and {@link Upscaler}.
   *
   * @param scale the scale, {@code >= 0}
   * @return this builder
   */
  public B guidance(double scale) {
    this.guidance = Guidance.checkScale(scale);
    return self();
  }

  // ------------------------------------------------------------------ timesteps and noise

  /**
   * Runs {@code count} steps: {@code count} UNet passes per sample (times the passes of guidance
   * and views), whatever the sampler, at the timesteps the sampler's scheduler chooses ({@code
   * Scheduler.setTimesteps(count)}, diffusers' {@code num_inference_steps}). For {@link
   * Sampler#DDPM} on part B's linear schedule that is {@code count} evenly spaced steps from 300 to
   * 0; on IF's cosine schedule diffusers' {@code leading} list ({@code (count - 1 - i) * (1000 /
   * count)}, the last step to the clean image), or with {@link Variant#STUDY} {@code count} evenly
   * spaced steps from 990 to 0. Replaces an explicit {@link #timesteps} list. Default: the stage's
   * list ({@link Pipeline}, {@link Upscaler}).
   *
   * @param count the number of denoising steps, in {@code [1, T]} (990 on IF)
   * @return this builder
   */
  public B steps(int count) {
    NoiseSchedule s = denoiser.scheduler().schedule();
    int start = s.kind() == NoiseSchedule.Kind.COSINE ? 990 : s.maxTimestep();
    if (count < 1 || count > start) {
      throw new IllegalArgumentException("steps must be in [1, " + start + "], but is: " + count);
    }
    this.steps = count;
    this.timestepsExplicit = false;
    return self();
  }

  /**
   * Uses an explicit timestep list, diffusers' {@code set_timesteps(timesteps=...)}: one step from
   * each entry to the next and, with {@link Variant#DIFFUSERS}, one more from the last entry to the
   * clean image. Only schedulers that step between any two timesteps take one ({@link
   * Sampler#DDPM}); {@link #build()} refuses a list for the others, which take {@link #steps(int)}.
   *
   * @param timesteps a strictly descending list within the model's schedule
   * @return this builder
   */
  public B timesteps(Timesteps timesteps) {
    if (timesteps == null) {
      throw new IllegalArgumentException("timesteps must not be null");
    }
    this.timesteps = timesteps.checkAgainst(denoiser.scheduler().schedule());
    this.timestepsExplicit = true;
    this.steps = 0;
    return self();
  }

  /**
   * Chooses the sampler: {@link Sampler#DDPM} (the default), {@link Sampler#DDIM}, {@link
   * Sampler#DPM_SOLVER_PP} or another entry of {@link Sampler}. Every technique and both stages
   * take every sampler. See {@link Sampler} for the schedulers each builds and the combinations to
   * know of.
   *
   * <pre>{@code
   * diffusion.pipeline().label(3).guidance(5).sampler(Sampler.DPM_SOLVER_PP).steps(20).generate();
   * }</pre>
   *
   * @param sampler the sampler
   * @return this builder
   * @throws IllegalArgumentException if {@code sampler} is null, listing the samplers
   */
  public B sampler(Sampler sampler) {
    this.sampler = SamplerSettings.of(sampler);
    return self();
  }

  /**
   * Chooses the sampler with some of its scheduler's options changed ({@link SamplerSettings}):
   * Karras sigmas, the solver order, DDIM's {@code eta}, the timestep spacing and the others that
   * diffusers' users set.
   *
   * <pre>{@code
   * diffusion.pipeline().label(3).guidance(5)
   *     .sampler(SamplerSettings.of(Sampler.DPM_SOLVER_PP).solverOrder(3)).steps(20).generate();
   * }</pre>
   *
   * @param settings the sampler and its options
   * @return this builder
   * @throws IllegalArgumentException if {@code settings} is null
   */
  public B sampler(SamplerSettings settings) {
    if (settings == null) {
      throw new IllegalArgumentException(
          "settings must not be null; give SamplerSettings.of(sampler) for one of: "
              + Sampler.cliNames());
    }
    this.sampler = settings;
    return self();
  }

  /**
   * Seeds the noise. Default: a random seed, recorded in the request.
   *
   * @param seed the seed
   * @return this builder
   */
  public B seed(long seed) {
    this.seed = seed;
    this.explicitNoise = null;
    this.seeds = null;
    return self();
  }

  /**
   * Seeds each sample on its own, as diffusers' list of generators does: sample {@code i} draws all
   * its noise (the starting noise, every step's noise, a mask's noise) from {@code seeds[i]} alone
   * ({@link NoiseSource#perSample(long...)}), so it comes out the same whatever the other samples
   * of the run are. The rule: sample {@code i} of a run with {@code seeds(s_0, .., s_n-1)} equals
   * the one sample of the same request with {@code seeds(s_i)}, and equals {@code seed(s_i)} with
   * {@code samples(1)} (up to the model's batch arithmetic, about 1e-6). The number of samples
   * becomes {@code seeds.length}; a later {@code samples(..)} or per-sample conditions must agree
   * with it. A generator per image, such as the Spark module's {@code ImageSeeds.of(seed, i)}, can
   * therefore batch its images. Replaces {@link #seed(long)} and {@link #noise(List)}.
   *
   * <pre>{@code
   * Generation three = diffusion.pipeline().label(3).seeds(11, 12, 13).generate();
   * Generation alone = diffusion.pipeline().label(3).seeds(12).generate(); // == three's sample 1
   * }</pre>
   *
   * @param seeds one seed per sample, at least one
   * @return this builder
   * @throws IllegalArgumentException if {@code seeds} is null, empty or longer than {@link
   *     Pipeline#MAX_SAMPLES}
   */
  public B seeds(long... seeds) {
    if (seeds == null || seeds.length == 0) {
      throw new IllegalArgumentException("seeds must hold at least one seed, but is empty");
    }
    checkMaxSamples(seeds.length);
    this.seeds = seeds.clone();
    this.explicitNoise = null;
    this.samples = seeds.length;
    return self();
  }

  /**
   * Repeats each of the current per-sample conditions (or the one condition) {@code count} times,
   * in order, as diffusers' {@code num_images_per_prompt} does: {@code labels(1, 2)
   * .samplesPerCondition(4)} makes 8 samples, labels 1, 1, 1, 1, 2, 2, 2, 2. Call it after {@code
   * labels(..)}, {@code prompts(..)} or {@code conditions(..)}; a later call of one of them
   * replaces the list again. ({@link #samples(int)} sets the total instead, and with per-sample
   * conditions must equal their number.)
   *
   * @param count how many samples each condition gets, {@code >= 1}
   * @return this builder
   * @throws IllegalArgumentException for a count below 1, or a total above {@link
   *     Pipeline#MAX_SAMPLES}
   * @throws IllegalStateException if no condition is set yet
   */
  public B samplesPerCondition(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("samplesPerCondition must be >= 1, but is: " + count);
    }
    if (conditions.isEmpty()) {
      throw new IllegalStateException(
          "samplesPerCondition needs the conditions first: call labels(..), prompts(..) or"
              + " conditions(..) before it");
    }
    long total = (long) count * conditions.size();
    if (total > Pipeline.MAX_SAMPLES) {
      throw new IllegalArgumentException(
          "samplesPerCondition("
              + count
              + ") with "
              + conditions.size()
              + " conditions makes "
              + total
              + " samples, but at most "
              + Pipeline.MAX_SAMPLES
              + " (Pipeline.MAX_SAMPLES) are allowed");
    }
    List<Condition> list = new ArrayList<>();
    for (Condition c : conditions) {
      for (int i = 0; i < count; i++) {
        list.add(c);
      }
    }
    this.conditions = List.copyOf(list);
    this.samples = list.size();
    return self();
  }

  /**
   * Bounds the run's time: when {@code limit} has passed since {@link #generate()} began, the run
   * stops with a {@link DiffusionException} that names the timeout, before the next step or, for a
   * model pass in progress, at the pass's next operator (the pass of this run's thread is
   * cancelled, {@link Denoiser#cancel(Thread)}; runs on other threads go on). Time spent encoding
   * the prompts counts, but an encoder pass is not interrupted. A limit of more than 36,525 days
   * (about 100 years, {@code ChronoUnit.FOREVER} included) is no limit. Default: none.
   *
   * @param limit the longest the run may take, positive, or {@code null} for no limit
   * @return this builder
   * @throws IllegalArgumentException for a zero or negative limit
   */
  public B timeout(java.time.Duration limit) {
    if (limit != null && (limit.isZero() || limit.isNegative())) {
      throw new IllegalArgumentException("timeout must be positive, but is: " + limit);
    }
    this.timeout = limit;
    return self();
  }

  /**
   * Feeds explicit noise tensors instead of a seeded generator, in the draw order described on
   * {@link Pipeline} (for comparisons with a reference implementation).
   *
   * @param tensors the noise tensors
   * @return this builder
   */
  public B noise(List<Tensor> tensors) {
    if (tensors == null || tensors.isEmpty()) {
      throw new IllegalArgumentException("noise must hold at least one tensor, but is empty");
    }
    this.explicitNoise = List.copyOf(tensors);
    this.seeds = null;
    return self();
  }

  /**
   * Sets the number of samples, generated as one batch. Default: 1, or the number of per-sample
   * conditions.
   *
   * @param count in {@code [1, }{@link Pipeline#MAX_SAMPLES}{@code ]}
   * @return this builder
   */
  public B samples(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("samples must be >= 1, but is: " + count);
    }
    checkMaxSamples(count);
    this.samples = count;
    return self();
  }

  /**
   * Sets the dynamic thresholding of the clean estimate, in place of what the model's scheduler
   * config says. Default ({@code null}): the config's thresholding or clipping with {@link
   * Variant#DIFFUSERS}, none with {@link Variant#STUDY}.
   *
   * @param settings the ratio and maximum, or {@code null} for the variant's default
   * @return this builder
   */
  public B thresholding(DDPMScheduler.Thresholding settings) {
    this.thresholding = settings;
    return self();
  }

  /**
   * Chooses the rules of the loop: {@link Variant#DIFFUSERS} (the default: diffusers' IF pipelines)
   * or {@link Variant#STUDY} (the write-up's loop: no final pass at timestep 0, no thresholding).
   *
   * @param variant the variant
   * @return this builder
   */
  public B variant(Variant variant) {
    if (variant == null) {
      throw new IllegalArgumentException("variant must not be null");
    }
    this.variant = variant;
    return self();
  }

  // ------------------------------------------------------------------ illusions

  /**
   * Adds a view to a visual anagram: the image read through {@code view} shows {@code other}. The
   * noise estimates of all views (the primary condition read upright) are averaged after their
   * inverse views. May be called several times for more than two views.
   *
   * @param other the condition seen through the view
   * @param view the view, e.g. {@link View#FLIP}
   * @return this builder
   */
  public B anagram(Condition other, View view) {
    requireConditional("anagram");
    if (view == null) {
      throw new IllegalArgumentException("view must not be null");
    }
    technique =
        technique.plusView(
            new Request.ViewTerm(checkCondition(other, "anagram condition"), View.checked(view)));
    return self();
  }

  /**
   * Weighs the views of a visual anagram: the combined noise estimate (and variance) becomes {@code
   * sum_i w_i * inverse_i(eps_i) / sum_i w_i} instead of the plain mean. One weight per view, the
   * primary condition's (read upright) first, then one per {@link #anagram(Condition, View)} call
   * in order. Default: none, the mean (the write-up's and visual_anagrams' {@code
   * reduction="mean"}).
   *
   * <p>Weights help a pair in which one digit or prompt wins: on the MNIST class model a "1" takes
   * over a 7-1 anagram, and giving the "7" more weight brings the other reading back.
   *
   * <pre>{@code
   * diffusion.pipeline().label(7).anagram(Condition.label(1), View.FLIP).anagramWeights(0.6, 0.4)
   *     .generate();
   * }</pre>
   *
   * @param weights one finite weight {@code >= 0} per view, not all zero; checked against the
   *     number of views when the request is built
   * @return this builder
   * @throws IllegalArgumentException for fewer than two weights, a negative, NaN or infinite
   *     weight, or weights that are all zero or whose sum overflows
   */
  public B anagramWeights(double... weights) {
    technique = technique.withWeights(weights);
    return self();
  }

  /**
   * Sets the technique, with all its settings at once: {@link Technique#plain()}, an anagram (its
   * views and weights) or a hybrid (its high condition and filter), in place of what {@link
   * #anagram}, {@link #anagramWeights} and {@link #hybrid} set.
   *
   * <pre>{@code
   * diffusion.pipeline().label(6)
   *     .technique(Technique.anagram(List.of(new Request.ViewTerm(Condition.label(9), View.ROT180))))
   *     .generate();
   * }</pre>
   *
   * @param technique the technique
   * @return this builder
   * @throws IllegalArgumentException if it is null, or names a condition this model cannot take
   */
  public B technique(Technique technique) {
    if (technique == null) {
      throw new IllegalArgumentException("technique must not be null");
    }
    if (technique.kind() != Technique.Kind.PLAIN) {
      requireConditional(technique.kind().name().toLowerCase(java.util.Locale.ROOT));
    }
    for (Request.ViewTerm v : technique.views()) {
      checkCondition(v.condition(), "anagram condition");
    }
    for (Condition c : technique.hybridConditions()) {
      checkCondition(c, "hybrid condition");
    }
    this.technique = technique;
    return self();
  }

  /**
   * Adds a vertically flipped view (the default anagram of the write-up).
   *
   * @param other the condition seen upside down
   * @return this builder
   */
  public B anagram(Condition other) {
    return anagram(other, View.FLIP);
  }

  /**
   * Makes a hybrid image: the primary condition shapes the low frequencies (seen from afar), {@code
   * high} the high frequencies (seen up close): {@code eps = lowpass(eps1) + highpass(eps2)}, with
   * the blur scaled to the resolution ({@link GaussianBlur#forHybrid(int)}).
   *
   * @param high the condition of the high frequencies
   * @return this builder
   */
  public B hybrid(Condition high) {
    return hybrid(high, GaussianBlur.forHybrid(denoiser.sampleShape()[1]));
  }

  /**
   * Makes a hybrid image with an explicit low-pass filter.
   *
   * @param high the condition of the high frequencies
   * @param blur the low-pass filter
   * @return this builder
   */
  public B hybrid(Condition high, GaussianBlur blur) {
    requireConditional("hybrid");
    if (blur == null) {
      throw new IllegalArgumentException("blur must not be null");
    }
    technique =
        technique.asHybrid(Technique.hybrid(checkCondition(high, "hybrid condition"), blur));
    return self();
  }

  /**
   * Makes a factorized illusion of any decomposition (Geng, Park and Owens, "Factorized Diffusion",
   * 2024): component 0 from the primary condition, component {@code i} from {@code others[i - 1]},
   * their noise estimates summed ({@link Technique.Reduction#SUM}, set another with {@link
   * #reduction}).
   *
   * <pre>{@code
   * diffusion.pipeline().label(8).hybrid(Factorization.parse("low_pass", "high_pass"),
   *     Condition.label(1)).generate();
   * diffusion.pipeline().prompt("a photo of a dog")                  // IF: colour hybrid
   *     .hybrid(Factorization.colorHybrid(), Condition.prompt("a photo of a cat")).generate();
   * }</pre>
   *
   * @param factorization the decomposition, e.g. {@link Factorization#tripleHybrid(double,
   *     double)}; each component is checked against the model's shape when the run starts
   * @param others one condition per component after the first
   * @return this builder
   * @throws IllegalArgumentException if the counts disagree, or a condition does not fit the model
   */
  public B hybrid(Factorization factorization, Condition... others) {
    requireConditional("hybrid");
    if (others == null) {
      throw new IllegalArgumentException("others must not be null");
    }
    List<Condition> list = new ArrayList<>();
    for (Condition c : others) {
      list.add(checkCondition(c, "hybrid condition"));
    }
    technique = technique.asHybrid(Technique.hybrid(factorization, list));
    return self();
  }

  /**
   * Sets how the estimates of an anagram's views or a hybrid's components are reduced to one per
   * step (visual_anagrams' {@code reduction}): {@link Technique.Reduction#MEAN} (an anagram's
   * default), {@link Technique.Reduction#SUM} (a hybrid's) or {@link Technique.Reduction#ALTERNATE}
   * (one view per step in turn).
   *
   * @param reduction the reduction
   * @return this builder
   * @throws IllegalArgumentException if it is null, or contradicts anagram weights
   */
  public B reduction(Technique.Reduction reduction) {
    if (reduction == null) {
      throw new IllegalArgumentException(
          "reduction must be one of "
              + Arrays.toString(Technique.Reduction.values())
              + ", but is: null");
    }
    technique = technique.withReduction(reduction);
    return self();
  }

  /**
   * Fixes the first component of a hybrid from a reference image (visual_anagrams' {@code ref_im},
   * its inverse problems): e.g. the low frequencies of a photo with the high frequencies of a
   * prompt, or {@code grayscale} from a photo and {@code color} from a prompt (colourisation). See
   * {@link Technique#withReference(Tensor)}. Call after {@code hybrid(..)}.
   *
   * @param image {@code [1, C, H, W]} or {@code [C, H, W]} in the model's value range. Not
   *     modified.
   * @return this builder
   * @throws IllegalArgumentException if the image is null or not one image, or no hybrid is set
   */
  public B referenceImage(Tensor image) {
    if (technique.kind() != Technique.Kind.HYBRID) {
      throw new IllegalArgumentException(
          "referenceImage fixes a hybrid's first component: call hybrid(..) first, but the"
              + " technique is: "
              + technique);
    }
    technique = technique.withReference(image);
    return self();
  }

  private void requireConditional(String what) {
    if (diffusion.encoder() == null) {
      throw new IllegalArgumentException(
          what + " needs a model with conditions, but " + denoiser + " is unconditional");
    }
  }

  // ------------------------------------------------------------------ observation

  /**
   * Captures the sample at the start, after every {@code n}-th step and at the end (for GIFs and
   * progression strips).
   *
   * @param n at least 1
   * @return this builder
   */
  public B captureEvery(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("captureEvery must be >= 1, but is: " + n);
    }
    this.captureEvery = n;
    return self();
  }

  /**
   * Receives progress after every step, on the thread that runs the pipeline. {@link
   * ConsoleProgress#toStandardError()} is a ready display. A callback that throws ends the run (see
   * the class comment on cancelling).
   *
   * @param callback the callback, or {@code null} for none
   * @return this builder
   */
  public B progress(Consumer<Progress> callback) {
    this.progress = callback;
    return self();
  }

  // ------------------------------------------------------------------ freezing and running

  /**
   * Checks the settings together and freezes them.
   *
   * @return the request
   * @throws IllegalArgumentException for settings that contradict each other
   * @throws IllegalStateException if a conditional model has no condition, or after the {@link
   *     Diffusion} was closed
   */
  public Request build() {
    diffusion.checkOpen();
    boolean conditional = diffusion.encoder() != null;
    if (conditional && conditions.isEmpty()) {
      throw new IllegalStateException(
          "a condition is required for " + denoiser + ": call label(..) or prompt(..)");
    }
    int n = samples != null ? samples : Math.max(Pipeline.DEFAULT_SAMPLES, conditions.size());
    checkMaxSamples(n);
    if (conditions.size() > 1 && conditions.size() != n) {
      throw new IllegalArgumentException(
          "samples must equal the number of per-sample conditions ("
              + conditions.size()
              + "), but is: "
              + n
              + "; for several samples of each condition use samplesPerCondition(count)");
    }
    if (seeds != null && seeds.length != n) {
      throw new IllegalArgumentException(
          "seeds must hold one seed per sample (" + n + "), but holds: " + seeds.length);
    }
    timesteps.checkAgainst(denoiser.scheduler().schedule());
    technique.checked();
    DenoisingLoop.checkViews(technique, denoiser.sampleShape());
    if (technique.kind() != Technique.Kind.PLAIN && conditions.size() > 1) {
      throw new IllegalArgumentException(
          "anagram and hybrid take one primary condition, but got "
              + conditions.size()
              + " per-sample conditions");
    }
    checkStage(n);
    Request r = new Request(this, n);
    Scheduler.Run run = checkTimesteps(r);
    if (resolveStart(run)) {
      r = new Request(this, n);
    }
    checkStartIndex(r, run);
    return r;
  }

  /**
   * Checks that the sampler's scheduler takes the request's timesteps (an explicit list, or the
   * step count) and that the start index falls within them, before any model runs.
   */
  private Scheduler.Run checkTimesteps(Request r) {
    Scheduler.Run run;
    try {
      run = DenoisingLoop.timesteps(sampler.scheduler(DenoisingLoop.scheduler(denoiser, r)), r);
    } catch (IllegalArgumentException e) {
      if (timestepsExplicit && sampler.sampler() != Sampler.DDPM) {
        throw new IllegalArgumentException(
            "timesteps(..) cannot be combined with sampler "
                + sampler.sampler().cliName()
                + ", which takes its timesteps from its scheduler: use steps(n) instead, but got"
                + " timesteps="
                + timesteps,
            e);
      }
      throw e;
    }
    return run;
  }

  /**
   * Decides what depends on the run's timesteps (the start index of a strength) once they are
   * known.
   *
   * @param run the run's timesteps
   * @return whether the request must be made again
   */
  boolean resolveStart(Scheduler.Run run) {
    return false;
  }

  private void checkStartIndex(Request r, Scheduler.Run run) {
    int count = run.numInferenceSteps();
    int startIndex = r.startIndex();
    if (startIndex > count - 1) {
      throw new IllegalArgumentException(
          "startIndex must be in [0, "
              + (count - 1)
              + "] for the "
              + count
              + " "
              + sampler.sampler().cliName()
              + " steps "
              + java.util.Arrays.toString(run.timesteps())
              + ", but is: "
              + startIndex);
    }
  }

  /**
   * Checks what only this stage takes, with the number of samples decided.
   *
   * @param n the number of samples
   */
  abstract void checkStage(int n);

  /**
   * Freezes the settings and runs the denoising loop.
   *
   * @return the samples and what was captured
   * @throws java.util.concurrent.CancellationException when the thread was interrupted during the
   *     run
   */
  public Generation generate() {
    return diffusion.run(build());
  }

  /**
   * Returns a new builder with this builder's settings (for sweeps: change one setting, run again).
   *
   * @return the copy
   */
  public abstract B toBuilder();

  static void checkMaxSamples(int n) {
    if (n > Pipeline.MAX_SAMPLES) {
      throw new IllegalArgumentException(
          "samples must be <= " + Pipeline.MAX_SAMPLES + " (Pipeline.MAX_SAMPLES), but is: " + n);
    }
  }
}
