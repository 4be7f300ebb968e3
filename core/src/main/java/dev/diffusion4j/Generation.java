package dev.diffusion4j;

import dev.diffusion4j.tensor.Tensor;
import java.util.List;

/**
 * The result of a pipeline run.
 *
 * @param images the final samples {@code [N, C, H, W]}, in the model's value range (not clamped)
 * @param intermediates the samples captured every n-th step (see {@link
 *     Pipeline#captureEvery(int)}), oldest first; empty when nothing was captured
 * @param capturedTimesteps the timestep each intermediate stands at
 * @param request the frozen request that produced this result
 */
public record Generation(
    Tensor images,
    List<Tensor> intermediates,
    List<Integer> capturedTimesteps,
    Pipeline.Request request) {

  /** Copies the lists. */
  public Generation {
    intermediates = List.copyOf(intermediates);
    capturedTimesteps = List.copyOf(capturedTimesteps);
  }
}
