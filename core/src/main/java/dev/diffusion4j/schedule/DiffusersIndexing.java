package dev.diffusion4j.schedule;

import dev.diffusion4j.tensor.Tensor;

/**
 * What DDIM and DPM-Solver++ (and the schedulers to come) share about diffusers' indexing and model
 * outputs, kept once: the offset between diffusers' timesteps and the library's, the check of a
 * timestep against the training timesteps, and the split of a learned-variance model output.
 *
 * <p>diffusers indexes the training timesteps {@code 0..T-1}, its 0 being the first noisy one. IF's
 * cosine schedule is indexed the same way (offset 0, clean timestep -1); part B's linear schedule
 * counts its clean image as 0 (offset 1, clean timestep 0).
 */
final class DiffusersIndexing {

  private DiffusersIndexing() {}

  /**
   * Returns the library's timestep minus diffusers' for a schedule.
   *
   * @return 1 for part B's linear schedule, 0 for IF's cosine one
   */
  static int offset(NoiseSchedule schedule) {
    return schedule.kind() == NoiseSchedule.Kind.LINEAR ? 1 : 0;
  }

  /** Returns diffusers' timesteps in the library's indexing: each plus {@code offset}. */
  static int[] toLibrary(int[] timesteps, int offset) {
    int[] library = new int[timesteps.length];
    for (int i = 0; i < library.length; i++) {
      library[i] = timesteps[i] + offset;
    }
    return library;
  }

  /**
   * Refuses a library timestep outside the training timesteps.
   *
   * @throws IllegalArgumentException naming the range and the clean timestep
   */
  static void checkTimestep(int timestep, int offset, int numTrainTimesteps) {
    if (timestep < offset || timestep > offset + numTrainTimesteps - 1) {
      throw new IllegalArgumentException(
          "timestep must be in ["
              + offset
              + ", "
              + (offset + numTrainTimesteps - 1)
              + "] (or "
              + (offset - 1)
              + ", the clean image), but is: "
              + timestep);
    }
  }

  /**
   * The noise estimate: the model output, or its first half for a learned-variance model (the
   * variance channels are dropped, as upstream's schedulers do outside DDPM).
   *
   * @throws IllegalArgumentException if the output is null or its noise channels do not fit the
   *     sample
   */
  static Tensor noisePrediction(Tensor modelOutput, Tensor sample) {
    if (modelOutput == null) {
      throw new IllegalArgumentException("modelOutput must not be null");
    }
    modelOutput.requireRank(4, "modelOutput");
    int c = sample.dim(1);
    if (modelOutput.dim(1) == 2 * c) {
      modelOutput = modelOutput.channels(0, c);
    }
    sample.requireSameShape(modelOutput, "modelOutput (its noise channels)");
    return modelOutput;
  }
}
