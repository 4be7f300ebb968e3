package dev.diffusion4j.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.diffusion4j.DiffusionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime session whose inputs and outputs were checked against a contract when it loaded.
 *
 * <p>The session is created by this class and closed by {@link #close()}, which is idempotent;
 * {@link #run} after close throws {@link IllegalStateException}. {@link #run} may be called from
 * several threads at once (ONNX Runtime sessions are thread-safe for inference).
 */
public class OnnxModel implements AutoCloseable {

  private final Path path;
  private final OrtSession session;
  private final boolean onCuda;
  private final Map<String, TensorInfo> inputs;
  private final java.util.concurrent.locks.ReadWriteLock lock =
      new java.util.concurrent.locks.ReentrantReadWriteLock();
  private boolean closed;
  private final java.util.concurrent.atomic.LongAdder runNanos =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * Opens a model and checks its contract.
   *
   * @param path the .onnx file
   * @param settings how to open the session
   * @param expectedInputs the inputs the model must have (exactly these names)
   * @param expectedOutputs outputs the model must have (others are allowed)
   * @throws IllegalArgumentException naming the file when it is missing, is not a valid ONNX model,
   *     or does not match the contract (listing what was found and what was expected)
   * @throws DiffusionException when ONNX Runtime fails for another reason
   */
  public OnnxModel(
      Path path,
      SessionSettings settings,
      List<TensorSpec> expectedInputs,
      List<TensorSpec> expectedOutputs) {
    if (path == null) {
      throw new IllegalArgumentException("model path must not be null");
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("model file does not exist: " + path);
    }
    this.path = path;
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    boolean[] cuda = new boolean[1];
    OrtSession s;
    try (OrtSession.SessionOptions options = settings.toOptions(cuda)) {
      s = env.createSession(path.toString(), options);
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          "model file " + path + " is not a valid ONNX model: " + e.getMessage(), e);
    }
    this.session = s;
    this.onCuda = cuda[0];
    try {
      this.inputs = tensorInfos(session.getInputInfo());
      Map<String, TensorInfo> outputs = tensorInfos(session.getOutputInfo());
      checkContract(inputs, outputs, expectedInputs, expectedOutputs);
    } catch (OrtException | RuntimeException e) {
      closeQuietly();
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new DiffusionException("cannot read the inputs of model " + path, e);
    }
  }

  private static Map<String, TensorInfo> tensorInfos(Map<String, NodeInfo> nodes) {
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    for (var e : nodes.entrySet()) {
      if (e.getValue().getInfo() instanceof TensorInfo ti) {
        out.put(e.getKey(), ti);
      }
    }
    return out;
  }

  private void checkContract(
      Map<String, TensorInfo> inputs,
      Map<String, TensorInfo> outputs,
      List<TensorSpec> expectedInputs,
      List<TensorSpec> expectedOutputs) {
    List<String> problems = new ArrayList<>();
    if (inputs.size() != expectedInputs.size()) {
      problems.add(
          "it has " + inputs.size() + " inputs where " + expectedInputs.size() + " are expected");
    }
    check(inputs, expectedInputs, "input", problems);
    check(outputs, expectedOutputs, "output", problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "model file "
              + path
              + " does not match the expected contract: "
              + String.join("; ", problems)
              + ". Found inputs "
              + describe(inputs)
              + " and outputs "
              + describe(outputs)
              + "; expected inputs "
              + expectedInputs
              + " and outputs "
              + expectedOutputs);
    }
  }

  private static void check(
      Map<String, TensorInfo> found, List<TensorSpec> expected, String what, List<String> out) {
    for (TensorSpec spec : expected) {
      TensorInfo info = found.get(spec.name());
      if (info == null) {
        out.add("no " + what + " named '" + spec.name() + "'");
      } else if (!spec.types().contains(info.type)) {
        out.add(what + " '" + spec.name() + "' has type " + info.type.name().toLowerCase());
      } else if (!spec.matches(info.getShape())) {
        out.add(
            what
                + " '"
                + spec.name()
                + "' has shape "
                + java.util.Arrays.toString(info.getShape()).replace("-1", "B"));
      }
    }
  }

  private static String describe(Map<String, TensorInfo> infos) {
    List<String> parts = new ArrayList<>();
    for (var e : infos.entrySet()) {
      parts.add(
          e.getKey()
              + " "
              + e.getValue().type.name().toLowerCase()
              + java.util.Arrays.toString(e.getValue().getShape()).replace("-1", "B"));
    }
    return parts.toString();
  }

  /**
   * Returns the model file.
   *
   * @return the path
   */
  public Path path() {
    return path;
  }

  /**
   * Tells whether the session runs on CUDA.
   *
   * @return {@code true} on CUDA, {@code false} on the CPU
   */
  public boolean onCuda() {
    return onCuda;
  }

  /**
   * Returns the total time spent inside {@code OrtSession.run} by this model so far, over all
   * threads (for measuring the library's own overhead).
   *
   * @return nanoseconds
   */
  public long runNanos() {
    return runNanos.sum();
  }

  /**
   * Returns the element type of an input as the model declares it.
   *
   * @param name the input name
   * @return its type
   */
  public ai.onnxruntime.OnnxJavaType inputType(String name) {
    return inputs.get(name).type;
  }

  /**
   * Returns the shape of an input as the model declares it, -1 for a symbolic dimension.
   *
   * @param name the input name
   * @return a copy of its dimensions
   */
  public long[] inputShape(String name) {
    return inputs.get(name).getShape();
  }

  /**
   * Runs the session and copies one float output out of it; every native value is closed before
   * this method returns.
   *
   * @param feeds the inputs; this method closes them
   * @param output the output name
   * @return the output as a float array with its shape
   * @throws IllegalStateException after {@link #close()}
   * @throws DiffusionException when ONNX Runtime fails
   */
  public FloatOutput run(Map<String, OnnxTensor> feeds, String output) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("model " + path.getFileName() + " is closed");
      }
      long started = System.nanoTime();
      try (OrtSession.Result result = session.run(feeds)) {
        runNanos.add(System.nanoTime() - started);
        OnnxValue value =
            result
                .get(output)
                .orElseThrow(() -> new DiffusionException("model output missing: " + output));
        OnnxTensor t = (OnnxTensor) value;
        return new FloatOutput(Floats.read(t), t.getInfo().getShape());
      } catch (OrtException e) {
        throw new DiffusionException("running " + path.getFileName() + " failed", e);
      }
    } finally {
      lock.readLock().unlock();
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  /**
   * A float output copied out of ONNX Runtime.
   *
   * @param data the values, row-major
   * @param shape the dimensions
   */
  public record FloatOutput(float[] data, long[] shape) {
    /**
     * Returns the shape as ints.
     *
     * @return the dimensions
     */
    public int[] intShape() {
      int[] s = new int[shape.length];
      for (int i = 0; i < s.length; i++) {
        s[i] = Math.toIntExact(shape[i]);
      }
      return s;
    }
  }

  /** Closes the session, waiting for runs in progress. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        closeQuietly();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void closeQuietly() {
    try {
      session.close();
    } catch (OrtException e) {
      // the session is unusable either way; nothing more to release
    }
  }

  /**
   * Tells whether {@link #close()} was called.
   *
   * @return whether the model is closed
   */
  public boolean isClosed() {
    lock.readLock().lock();
    try {
      return closed;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public String toString() {
    return getClass().getSimpleName()
        + "["
        + path.getFileName()
        + (onCuda ? ", cuda" : ", cpu")
        + "]";
  }
}
