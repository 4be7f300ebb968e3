package dev.diffusion4j;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.model.Prediction;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.Scheduler;
import dev.diffusion4j.schedule.SchedulerOutput;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one denoising loop behind every technique, as diffusers' {@code IFPipeline.__call__} writes
 * it: check, encode, prepare timesteps, prepare the starting sample, loop, return. Stateless; all
 * state of a run lives on its stack.
 */
final class DenoisingLoop {

  private DenoisingLoop() {}

  /** The encoded conditions of one run: one entry per view, plus the unconditional batch. */
  private record Encoded(List<View> views, List<Tensor> conditional, Tensor unconditional) {}

  /**
   * Runs one request: the stages of diffusers' {@code IFPipeline.__call__}, whatever the sampler,
   * the technique or the stage.
   */
  static Generation run(Denoiser denoiser, ConditionEncoder encoder, Request r) {
    java.time.Duration timeout = r.timeout();
    if (timeout == null || timeout.compareTo(UNBOUNDED) > 0) {
      return run(denoiser, encoder, r, 0);
    }
    long nanos = timeout.toNanos();
    long deadline = System.nanoTime() + nanos;
    if (deadline == 0) {
      deadline = 1; // 0 means no deadline
    }
    Thread runner = Thread.currentThread();
    // at the deadline, and every 50 ms after it until the run has ended, the model passes of this
    // thread are cancelled: a pass that starts just after one cancel is caught by the next. The
    // flag, read and written under its lock, keeps a late tick off this thread's next run
    boolean[] over = {false};
    Runnable tick =
        () -> {
          synchronized (over) {
            if (!over[0]) {
              denoiser.cancel(runner);
            }
          }
        };
    ScheduledFuture<?> timer =
        TIMER.scheduleAtFixedRate(tick, nanos, 50_000_000L, TimeUnit.NANOSECONDS);
    try {
      return run(denoiser, encoder, r, deadline);
    } catch (DiffusionException e) {
      if (System.nanoTime() - deadline >= 0 && !(e instanceof TimedOut)) {
        throw new TimedOut(
            "the run exceeded its timeout of "
                + describe(timeout)
                + " (timeout(..)) and was"
                + " stopped during a model pass",
            e);
      }
      throw e;
    } finally {
      synchronized (over) {
        over[0] = true;
      }
      timer.cancel(false);
    }
  }

  /** Limits longer than this (about 100 years) are no limit: their nanoseconds would overflow. */
  private static final java.time.Duration UNBOUNDED = java.time.Duration.ofDays(36_525);

  /** The daemon thread that cancels the model passes of runs past their timeout. */
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread t = new Thread(task, "diffusion4j-timeout");
            t.setDaemon(true);
            return t;
          });

  /** A run stopped by its timeout. */
  private static final class TimedOut extends DiffusionException {
    private static final long serialVersionUID = 1L;

    TimedOut(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static DiffusionException timedOut(Request r, int done, int total) {
    return new TimedOut(
        "the run exceeded its timeout of "
            + describe(r.timeout())
            + " (timeout(..)) and was stopped before step "
            + (done + 1)
            + " of "
            + total,
        null);
  }

  private static String describe(java.time.Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static Generation run(
      Denoiser denoiser, ConditionEncoder encoder, Request r, long deadline) {
    // 1. check inputs: the request was checked when it was built; its sampler's scheduler, built
    //    from the model's DDPM scheduler as the variant and the request's thresholding leave it
    DDPMScheduler config = scheduler(denoiser, r);
    Scheduler scheduler = r.samplerSettings().scheduler(config);
    boolean diffusers = r.variant() == Variant.DIFFUSERS;
    int n = r.samples();
    int[] s = denoiser.sampleShape();
    int[] shape = {n, s[0], s[1], s[2]};
    checkViews(r.technique(), s);

    // 2. encode the conditions
    Encoded encoded = encode(denoiser, encoder, r);

    // 3. prepare the timesteps: the scheduler's, from the start index on
    Scheduler.Run run = timesteps(scheduler, r);
    int[] ts = run.timesteps();
    int start = r.startIndex();
    int clean = scheduler.cleanTimestep();

    // 4. prepare the starting sample (pure noise, or the start image noised to ts[start]) and the
    //    upscaler's image condition (resized, noised to the noise level by the model's own DDPM
    //    scheduler, diffusers' image_noising_scheduler); diffusers draws the starting noise first,
    //    the write-up drew the image's first
    NoiseSource noise = r.noiseSource();
    Tensor up = null;
    if (r.lowResolution() != null) {
      up = r.lowResolution().resizeBilinear(s[1], s[2]);
      if (up.dim(0) != n) {
        up = up.repeatBatch(n);
      }
    }
    Tensor imageCondition = null;
    if (up != null && !diffusers) {
      imageCondition = config.addNoise(up, noise.next(up.shape()), r.noiseLevel());
    }
    Tensor original = r.image() == null ? null : r.image().repeatBatch(n);
    Tensor x = noise.next(shape);
    boolean keepOriginal = r.mask() != null && r.inpainting() == Inpainting.DIFFUSERS;
    // diffusers binarises the mask at 0.5 (IFInpaintingPipeline.preprocess_mask_image): a soft edge
    // blended with the kept clean sample at every step would never finish denoising (a seam)
    dev.diffusion4j.image.Mask mask =
        r.mask() == null ? null : keepOriginal ? r.mask().binarized() : r.mask();
    if (original != null && (start > 0 || keepOriginal)) {
      x = scheduler.addNoise(original, x, ts[start]);
    } else if (run.initNoiseSigma() != 1.0) {
      x = x.mul((float) run.initNoiseSigma());
    }
    if (keepOriginal) {
      x = mask.composite(x, original);
    }
    if (up != null && diffusers) {
      imageCondition = config.addNoise(up, noise.next(up.shape()), r.noiseLevel());
    }

    Tensor reference = reference(r.technique(), s, n);

    List<Tensor> captured = new ArrayList<>();
    List<Integer> capturedAt = new ArrayList<>();
    if (r.captureEvery() > 0) {
      captured.add(x);
      capturedAt.add(ts[start]);
    }

    // 5. the denoising loop: per step one batch of UNet passes, the combined estimate (noise and,
    //    for a learned-variance model, variance) to the scheduler, which draws its own noise, then
    //    the mask's projection (RePaint draws the noise that brings the original to the step's end)
    int total = ts.length - start;
    for (int i = start; i < ts.length; i++) {
      int done = i - start;
      if (deadline != 0 && System.nanoTime() - deadline >= 0) {
        throw timedOut(r, done, total);
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new CancellationException(
            "the run was cancelled before step " + (done + 1) + " of " + total);
      }
      int t = ts[i];
      int prev = i + 1 < ts.length ? ts[i + 1] : run.finalTimestep();
      // diffusers scales the whole model input, the upscaled image of stage II included
      if (reference != null) {
        // visual_anagrams' ref_im: the first component of x_t from the reference noised to t
        x = r.technique().projectReference(x, scheduler.addNoise(reference, noise.next(shape), t));
      }
      Tensor modelInput = run.scaleModelInput(x, t);
      Tensor stepImage = imageCondition == null ? null : run.scaleModelInput(imageCondition, t);
      Prediction p = predict(denoiser, encoded, r, modelInput, stepImage, t, i);
      Tensor modelOutput =
          p.variance() == null ? p.noise() : Tensor.concatChannels(p.noise(), p.variance());
      Tensor before = x;
      SchedulerOutput out = run.step(modelOutput, t, x, noise);
      x = out.prevSample();
      if (keepOriginal) {
        x = mask.composite(x, before);
      } else if (mask != null) {
        Tensor kept =
            prev == clean ? original : scheduler.addNoise(original, noise.next(shape), prev);
        x = mask.composite(x, kept);
      }
      if (r.captureEvery() > 0 && ((done + 1) % r.captureEvery() == 0 || done == total - 1)) {
        captured.add(x);
        capturedAt.add(prev);
      }
      if (r.progress() != null) {
        r.progress().accept(new Progress(done + 1, total, prev, x, out.predOriginalSample()));
      }
    }

    // 6. post-process: the samples in the model's value range, and what was captured
    return new Generation(x, captured, capturedAt, r, denoiser.valueRange());
  }

  /**
   * Checks every view and component of the technique against the model's sample shape before any
   * model runs, so that a combination that cannot work fails up front naming the view, the size or
   * the channel count, and what it needs.
   */
  static void checkViews(Technique technique, int[] sampleShape) {
    for (Request.ViewTerm v : technique.views()) {
      v.view().check(sampleShape[0], sampleShape[1], sampleShape[2]);
    }
    if (technique.factorization() != null) {
      technique.factorization().check(sampleShape[0], sampleShape[1], sampleShape[2]);
    }
    Tensor ref = technique.reference();
    if (ref != null && ref.dim(1) != sampleShape[0]) {
      throw new IllegalArgumentException(
          "reference image must have the model's "
              + sampleShape[0]
              + " channel(s), but has shape: "
              + Arrays.toString(ref.shape()));
    }
  }

  /** The hybrid's reference image at the model's size, one per sample; null for none. */
  private static Tensor reference(Technique technique, int[] s, int n) {
    Tensor ref = technique.reference();
    if (ref == null) {
      return null;
    }
    if (ref.dim(2) != s[1] || ref.dim(3) != s[2]) {
      ref = ref.resizeBilinear(s[1], s[2]);
    }
    return n == 1 ? ref : ref.repeatBatch(n);
  }

  /**
   * The run of a request's timesteps: {@code setTimesteps(n)} for {@code steps(n)}, the list itself
   * for an explicit list or {@link Sampler#DDPM}'s default list, and otherwise as many steps as the
   * default list has.
   */
  static Scheduler.Run timesteps(Scheduler scheduler, Request r) {
    if (r.steps() > 0) {
      return scheduler.setTimesteps(r.steps());
    }
    if (r.timestepsExplicit() || r.sampler() == Sampler.DDPM) {
      return scheduler.setTimesteps(r.timesteps());
    }
    return scheduler.setTimesteps(r.timesteps().steps());
  }

  static Tensor denoiseOnce(
      Denoiser denoiser, ConditionEncoder encoder, Request r, Tensor noisy, int t) {
    noisy.requireRank(4, "noisy");
    int[] s = denoiser.sampleShape();
    if (!Arrays.equals(Arrays.copyOfRange(noisy.shape(), 1, 4), s)) {
      throw new IllegalArgumentException(
          "noisy must have shape [N, "
              + s[0]
              + ", "
              + s[1]
              + ", "
              + s[2]
              + "], but has shape: "
              + Arrays.toString(noisy.shape()));
    }
    Request sized = r.forSamples(noisy.dim(0));
    if (r.stage() == 2) {
      throw new IllegalArgumentException("denoiseOnce runs on the base model, not the upscaler");
    }
    checkViews(r.technique(), s);
    Prediction p = predict(denoiser, encode(denoiser, encoder, sized), sized, noisy, null, t, 0);
    return scheduler(denoiser, r).predOriginalSample(noisy, p.noise(), t);
  }

  /**
   * The model's scheduler as its config says (diffusers), or without thresholding and clipping (the
   * study); an explicit thresholding of the request wins in both.
   */
  static DDPMScheduler scheduler(Denoiser denoiser, Request r) {
    DDPMScheduler s = denoiser.scheduler().withLastStepToClean(r.variant() == Variant.DIFFUSERS);
    if (r.variant() == Variant.STUDY) {
      s = s.withThresholding(null).withClipSample(false, s.clipSampleRange());
    }
    return r.thresholding() == null ? s : s.withThresholding(r.thresholding());
  }

  private static Encoded encode(Denoiser denoiser, ConditionEncoder encoder, Request r) {
    int n = r.samples();
    List<View> views = new ArrayList<>();
    List<Tensor> conditional = new ArrayList<>();
    if (encoder == null) {
      views.add(View.IDENTITY);
      conditional.add(null);
      return new Encoded(views, conditional, null);
    }
    List<Tensor> perSample = new ArrayList<>();
    for (Condition c : r.conditions()) {
      perSample.add(encoder.encode(c));
    }
    Tensor primary =
        perSample.size() == 1
            ? perSample.get(0).repeatBatch(n)
            : Tensor.concatBatch(perSample.toArray(new Tensor[0]));
    views.add(View.IDENTITY);
    conditional.add(primary);
    for (Request.ViewTerm v : r.views()) {
      views.add(v.view());
      conditional.add(encoder.encode(v.condition()).repeatBatch(n));
    }
    for (Condition c : r.technique().hybridConditions()) {
      views.add(View.IDENTITY);
      conditional.add(encoder.encode(c).repeatBatch(n));
    }
    // diffusers' do_classifier_free_guidance is guidance_scale > 1; the write-up guided unless g =
    // 1
    boolean cfg = r.variant() == Variant.DIFFUSERS ? r.guidance() > 1.0 : r.guidance() != 1.0;
    // the negative prompt, when given, is the unconditional branch (diffusers'
    // negative_prompt_embeds)
    Tensor negative =
        !cfg ? null : r.negative() == null ? encoder.unconditional() : encoder.encode(r.negative());
    Tensor unconditional = cfg ? negative.repeatBatch(n) : null;
    return new Encoded(views, conditional, unconditional);
  }

  /**
   * Runs every UNet pass of one step as one batch and combines the estimates: guidance per view,
   * the inverse view applied (to noise and variance together), then the technique's combination
   * ({@link Technique}).
   */
  private static Prediction predict(
      Denoiser denoiser, Encoded e, Request r, Tensor x, Tensor imageCondition, int t, int step) {
    int n = x.dim(0);
    boolean cfg = e.unconditional() != null;
    // the views whose passes this step runs: all, or one in turn (reduction "alternate")
    int[] active = e.views().size() == 1 ? new int[] {0} : r.technique().active(step);
    int k = active.length;
    List<Tensor> xs = new ArrayList<>();
    List<Tensor> cs = new ArrayList<>();
    for (int a = 0; a < k; a++) {
      View view = e.views().get(active[a]);
      Tensor seen = view.apply(x);
      if (imageCondition != null) {
        seen = Tensor.concatChannels(seen, view.apply(imageCondition));
      }
      xs.add(seen);
      cs.add(e.conditional().get(active[a]));
      if (cfg) {
        xs.add(seen);
        cs.add(e.unconditional());
      }
    }
    Tensor batch = xs.size() == 1 ? xs.get(0) : Tensor.concatBatch(xs.toArray(new Tensor[0]));
    Tensor cond =
        cs.get(0) == null
            ? null
            : cs.size() == 1 ? cs.get(0) : Tensor.concatBatch(cs.toArray(new Tensor[0]));
    int[] times = new int[batch.dim(0)];
    Arrays.fill(times, t);
    Prediction all =
        imageCondition != null
            ? ((dev.diffusion4j.model.ImageConditioned) denoiser)
                .predict(batch, times, cond, r.noiseLevel())
            : denoiser.predict(batch, times, cond);

    int per = cfg ? 2 * n : n;
    List<Tensor> noises = new ArrayList<>();
    List<Tensor> variances = new ArrayList<>();
    for (int v = 0; v < k; v++) {
      Prediction c = all.slice(v * per, v * per + n);
      Tensor eps =
          cfg
              ? Guidance.classifierFree(
                  c.noise(), all.noise().slice(v * per + n, v * per + 2 * n), r.guidance())
              : c.noise();
      Tensor variance = c.variance(); // the variance comes from the conditional pass
      View view = e.views().get(active[v]);
      if (variance != null) {
        int ch = eps.dim(1);
        Tensor both = view.inverse(Tensor.concatChannels(eps, variance));
        eps = both.channels(0, ch);
        variance = both.channels(ch, 2 * ch);
      } else {
        eps = view.inverse(eps);
      }
      noises.add(eps);
      variances.add(variance);
    }
    return r.technique().combine(step, noises, variances);
  }
}
