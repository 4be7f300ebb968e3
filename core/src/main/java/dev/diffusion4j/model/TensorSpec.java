package dev.diffusion4j.model;

import ai.onnxruntime.OnnxJavaType;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a model input or output must look like: its name, its rank, the element types accepted and
 * the fixed dimensions (-1 where any size is allowed, such as the batch).
 *
 * @param name the ONNX name
 * @param dims the expected dimensions, -1 for free ones; its length is the rank
 * @param types the element types accepted
 */
public record TensorSpec(String name, long[] dims, Set<OnnxJavaType> types) {

  /**
   * A float32 tensor.
   *
   * @param name the ONNX name
   * @param dims the expected dimensions, -1 for free ones
   * @return the spec
   */
  public static TensorSpec float32(String name, long... dims) {
    return new TensorSpec(name, dims, Set.of(OnnxJavaType.FLOAT));
  }

  /**
   * A tensor of one of several element types.
   *
   * @param name the ONNX name
   * @param types the element types accepted
   * @param dims the expected dimensions, -1 for free ones
   * @return the spec
   */
  public static TensorSpec of(String name, Set<OnnxJavaType> types, long... dims) {
    return new TensorSpec(name, dims, types);
  }

  /** Tells whether an actual shape matches; symbolic dimensions (-1 in ONNX info) match all. */
  boolean matches(long[] actual) {
    if (actual.length != dims.length) {
      return false;
    }
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] >= 0 && actual[i] >= 0 && dims[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    String ts =
        types.stream().map(t -> t.name().toLowerCase()).sorted().collect(Collectors.joining("|"));
    return name + " " + ts + Arrays.toString(dims).replace("-1", "B");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec s
        && name.equals(s.name)
        && Arrays.equals(dims, s.dims)
        && types.equals(s.types);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + Arrays.hashCode(dims)) + types.hashCode();
  }
}
