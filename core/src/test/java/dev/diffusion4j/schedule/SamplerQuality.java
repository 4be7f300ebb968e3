package dev.diffusion4j.schedule;

import dev.diffusion4j.guidance.Guidance;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import dev.diffusion4j.schedule.DPMSolverMultistepScheduler.AlgorithmType;
import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Quality against steps for the samplers, without the pipeline: drives part B's class-conditioned
 * UNet through the public {@link Scheduler} API (classifier-free guidance, {@code initNoiseSigma},
 * {@code scaleModelInput}) and writes {@code digit<c>_<i>.png} for {@code
 * onnx-export/mnist/classifier.py eval --class-dir}. Not a test: a main, run from the test
 * classpath.
 *
 * <pre>
 * java -cp core/target/classes:core/target/test-classes:$(cat cp.txt) \
 *   dev.diffusion4j.schedule.SamplerQuality SAMPLER STEPS PER_DIGIT SEED GUIDANCE OUT_DIR [FROM]
 * </pre>
 *
 * <p>SAMPLER: {@code dpm++}, {@code dpm++3}, {@code sde-dpm++}, {@code sde-dpm++-karras}, {@code
 * dpm++-karras}, {@code unipc}, {@code unipc3}, {@code unipc-karras}, {@code euler-a}, {@code
 * euler-a-trailing}, {@code lms}, {@code lms-karras}. The starting noise and every step's noise
 * come from {@code NoiseSource.seeded(SEED)}, in batches of 100 samples (10 of each digit). FROM
 * (default 0) resumes a run at that sample, a multiple of 100: the earlier batches' noise is drawn
 * and dropped (the draws do not depend on the model), so the images are those of the whole run.
 */
public final class SamplerQuality {

  private SamplerQuality() {}

  static Scheduler scheduler(String name) {
    NoiseSchedule s = NoiseSchedule.mnist();
    return switch (name) {
      case "dpm++" -> DPMSolverMultistepScheduler.builder(s).build();
      case "dpm++3" -> DPMSolverMultistepScheduler.builder(s).solverOrder(3).build();
      case "dpm++-karras" -> DPMSolverMultistepScheduler.builder(s).useKarrasSigmas(true).build();
      case "sde-dpm++" ->
          DPMSolverMultistepScheduler.builder(s)
              .algorithmType(AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS)
              .build();
      case "sde-dpm++-karras" ->
          DPMSolverMultistepScheduler.builder(s)
              .algorithmType(AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS)
              .useKarrasSigmas(true)
              .build();
      case "unipc" -> UniPCMultistepScheduler.builder(s).build();
      case "unipc3" -> UniPCMultistepScheduler.builder(s).solverOrder(3).build();
      case "unipc-karras" -> UniPCMultistepScheduler.builder(s).useKarrasSigmas(true).build();
      case "euler-a" -> EulerAncestralDiscreteScheduler.builder(s).build();
      case "euler-a-trailing" ->
          EulerAncestralDiscreteScheduler.builder(s)
              .timestepSpacing(TimestepSpacing.TRAILING)
              .build();
      case "lms" -> LMSDiscreteScheduler.builder(s).build();
      case "lms-karras" -> LMSDiscreteScheduler.builder(s).useKarrasSigmas(true).build();
      default -> throw new IllegalArgumentException("unknown sampler '" + name + "'");
    };
  }

  private static boolean stochastic(Scheduler s) {
    return s instanceof EulerAncestralDiscreteScheduler
        || (s instanceof DPMSolverMultistepScheduler d
            && d.algorithmType() == AlgorithmType.SDE_DPMSOLVER_PLUS_PLUS);
  }

  /**
   * Runs the sampler and writes the images.
   *
   * @param args SAMPLER STEPS PER_DIGIT SEED GUIDANCE OUT_DIR [FROM]
   * @throws Exception if an image cannot be written
   */
  public static void main(String[] args) throws Exception {
    Scheduler scheduler = scheduler(args[0]);
    int steps = Integer.parseInt(args[1]);
    int perDigit = Integer.parseInt(args[2]);
    long seed = Long.parseLong(args[3]);
    double guidance = Double.parseDouble(args[4]);
    Path out = Path.of(args[5]);
    Files.createDirectories(out);
    int batch = 100;
    int first = args.length > 6 ? Integer.parseInt(args[6]) : 0;
    int total = 10 * perDigit;
    NoiseSource noise = NoiseSource.seeded(seed);
    long start = System.nanoTime();
    try (MnistUNet unet =
        MnistUNet.classConditioned(
            Path.of("testdata/models/mnist/class-epoch20.onnx"),
            SessionSettings.on(Device.cpu()))) {
      for (int from = 0; from < total; from += batch) {
        int n = Math.min(batch, total - from);
        float[] onehot = new float[2 * n * 10];
        int[] digits = new int[n];
        for (int i = 0; i < n; i++) {
          digits[i] = (from + i) % 10;
          onehot[i * 10 + digits[i]] = 1f; // the second half stays zero: unconditional
        }
        Tensor labels = Tensor.wrap(onehot, 2 * n, 10);
        Scheduler.Run run = scheduler.setTimesteps(steps);
        if (from < first) {
          // the batch's draws: the start and one per step for a stochastic sampler (Euler A, SDE)
          noise.next(n, 1, 28, 28);
          if (stochastic(scheduler)) {
            for (int i = 0; i < run.numInferenceSteps(); i++) {
              noise.next(n, 1, 28, 28);
            }
          }
          continue;
        }
        Tensor x = noise.next(n, 1, 28, 28).mul((float) run.initNoiseSigma());
        for (int t : run.timesteps()) {
          Tensor in = run.scaleModelInput(x, t);
          int[] times = new int[2 * n];
          Arrays.fill(times, t);
          Tensor both = unet.predict(Tensor.concatBatch(in, in), times, labels).noise();
          Tensor eps = Guidance.classifierFree(both.slice(0, n), both.slice(n, 2 * n), guidance);
          x = run.step(eps, t, x, noise).prevSample();
        }
        for (int i = 0; i < n; i++) {
          int index = (from + i) / 10;
          Images.write(
              x,
              i,
              ValueRange.ZERO_TO_ONE,
              out.resolve(String.format(Locale.ROOT, "digit%d_%04d.png", digits[i], index)));
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%s %d steps, %d samples, seed %d, guidance %s: %.1f s%n",
        scheduler,
        steps,
        total,
        seed,
        guidance,
        (System.nanoTime() - start) / 1e9);
  }
}
