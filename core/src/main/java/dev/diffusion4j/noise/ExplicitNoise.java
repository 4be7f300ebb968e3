package dev.diffusion4j.noise;

import dev.diffusion4j.tensor.Finite;
import dev.diffusion4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Hands out a fixed list of noise tensors in order. Not thread-safe. */
final class ExplicitNoise implements NoiseSource {

  private final List<Tensor> tensors;
  private int next;

  ExplicitNoise(List<Tensor> tensors) {
    if (tensors == null) {
      throw new IllegalArgumentException("tensors must not be null");
    }
    for (int i = 0; i < tensors.size(); i++) {
      if (tensors.get(i) == null) {
        throw new IllegalArgumentException("tensors[" + i + "] must not be null");
      }
      Finite.requireFinite(tensors.get(i), "noise tensor #" + (i + 1));
    }
    this.tensors = new ArrayList<>(tensors);
  }

  @Override
  public Tensor next(int... shape) {
    if (next >= tensors.size()) {
      throw new IllegalStateException(
          "the explicit noise list is used up: the run asked for tensor #"
              + (next + 1)
              + " but only "
              + tensors.size()
              + " were given");
    }
    Tensor t = tensors.get(next);
    if (!Arrays.equals(t.shape(), shape)) {
      throw new IllegalArgumentException(
          "noise tensor #"
              + (next + 1)
              + " must have shape "
              + Arrays.toString(shape)
              + ", but has shape: "
              + Arrays.toString(t.shape()));
    }
    next++;
    return t;
  }
}
