package dev.diffusion4j.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.diffusion4j.DiffusionException;
import dev.diffusion4j.tensor.Finite;
import dev.diffusion4j.tensor.Tensor;
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
  private final String name;
  private final String source;
  private final OrtSession session;
  private final boolean onCuda;
  private final Map<String, TensorInfo> inputs;
  private final java.util.concurrent.locks.ReadWriteLock lock =
      new java.util.concurrent.locks.ReentrantReadWriteLock();
  private boolean closed;

  /** The run options of the passes in progress, with the thread of each; guarded by itself. */
  private final Map<OrtSession.RunOptions, Thread> active = new java.util.HashMap<>();

  /** Those of them that {@link #cancelRuns()} stopped; guarded by {@link #active}. */
  private final java.util.Set<OrtSession.RunOptions> cancelled = new java.util.HashSet<>();

  private final java.util.concurrent.atomic.LongAdder runNanos =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * Opens a model file and checks its contract.
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
    this(ModelSource.of(path), settings, expectedInputs, expectedOutputs);
  }

  /**
   * Opens a model from a file or from bytes and checks its contract.
   *
   * @param source the model
   * @param settings how to open the session
   * @param expectedInputs the inputs the model must have (exactly these names)
   * @param expectedOutputs outputs the model must have (others are allowed)
   * @throws IllegalArgumentException naming the model when it is not a valid ONNX model or does not
   *     match the contract (listing what was found and what was expected)
   * @throws DiffusionException when ONNX Runtime fails for another reason
   */
  public OnnxModel(
      ModelSource source,
      SessionSettings settings,
      List<TensorSpec> expectedInputs,
      List<TensorSpec> expectedOutputs) {
    if (source == null) {
      throw new IllegalArgumentException("model source must not be null");
    }
    this.path = source.path();
    this.name = path != null ? String.valueOf(path.getFileName()) : source.name();
    this.source = (path != null ? "file " : "") + source.name();
    if (path != null) {
      OnnxGraphCheck.check(path);
    } else {
      OnnxGraphCheck.check(source.bytes(), "model " + source.name());
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    boolean[] cuda = new boolean[1];
    OrtSession s;
    try (OrtSession.SessionOptions options = settings.toOptions(cuda)) {
      s =
          path != null
              ? env.createSession(path.toString(), options)
              : env.createSession(source.bytes(), options);
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          "model " + this.source + " is not a valid ONNX model: " + e.getMessage(), e);
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
      throw new DiffusionException("cannot read the inputs of model " + source, e);
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
          "model "
              + source
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
   * @return the path, or {@code null} for a model opened from bytes
   */
  public Path path() {
    return path;
  }

  /**
   * Returns the short name of the model for messages: the file name, or the name of its source.
   *
   * @return the name
   */
  public String name() {
    return name;
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
    return run(feeds, output, null, (long[]) null);
  }

  /**
   * Runs the session, copies one float output out of it and checks it: its shape must be the
   * expected one and every value must be finite, so that a broken model fails at the step where it
   * breaks rather than turning into a black image at the end of a run. Every native value is closed
   * before this method returns.
   *
   * @param feeds the inputs; this method closes them
   * @param output the output name
   * @param step where the run is, for the message (e.g. {@code "timestep 250"}), or {@code null}
   * @param expectedShape the shape the output must have, or {@code null} for any shape
   * @return the output as a float array with its shape
   * @throws IllegalStateException after {@link #close()}
   * @throws DiffusionException when ONNX Runtime fails, or naming the model file, the output and
   *     the step when the output has another shape or holds NaN or an infinity
   */
  public FloatOutput run(
      Map<String, OnnxTensor> feeds, String output, String step, long... expectedShape) {
    FloatOutput out = runUnchecked(feeds, output);
    String at = step == null ? "" : " at " + step;
    if (expectedShape != null && !java.util.Arrays.equals(out.shape(), expectedShape)) {
      throw new DiffusionException(
          "model "
              + (path != null ? path.toString() : name)
              + " returned output '"
              + output
              + "' of shape "
              + java.util.Arrays.toString(out.shape())
              + at
              + ", but the inputs ask for shape "
              + java.util.Arrays.toString(expectedShape));
    }
    int bad = Finite.firstNonFinite(out.data());
    if (bad >= 0) {
      throw new DiffusionException(
          "model "
              + (path != null ? path.toString() : name)
              + " returned a non-finite value in output '"
              + output
              + "'"
              + at
              + ": "
              + Finite.describe(Tensor.wrap(out.data(), out.intShape()), bad)
              + " (the model file or its inputs are broken)");
    }
    return out;
  }

  /**
   * Throws unless every value of an input is finite: a NaN or an infinity fed to a model comes out
   * as NaN everywhere.
   *
   * @param t the input. Not modified.
   * @param name the input name for the message
   * @param step where the run is (e.g. {@code "timestep 250"}), or {@code null}
   * @throws IllegalArgumentException naming the model file, the input, the step and the value
   */
  public void requireFiniteInput(Tensor t, String name, String step) {
    int bad = Finite.firstNonFinite(t.data());
    if (bad >= 0) {
      throw new IllegalArgumentException(
          name
              + " fed to model "
              + (path != null ? path.toString() : name)
              + (step == null ? "" : " at " + step)
              + " must hold finite values only, but holds "
              + Finite.describe(t, bad)
              + " (a NaN or infinite input, or a setting so large that float32 overflows, such as"
              + " the guidance scale)");
    }
  }

  /** Names the timesteps of a batch for a message: "timestep 250" or "timesteps [250, 10]". */
  static String step(int[] timesteps) {
    for (int t : timesteps) {
      if (t != timesteps[0]) {
        return "timesteps " + java.util.Arrays.toString(timesteps);
      }
    }
    return timesteps.length == 0 ? null : "timestep " + timesteps[0];
  }

  private FloatOutput runUnchecked(Map<String, OnnxTensor> feeds, String output) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("model " + name + " is closed");
      }
      long started = System.nanoTime();
      try (OrtSession.RunOptions options = new OrtSession.RunOptions()) {
        synchronized (active) {
          active.put(options, Thread.currentThread());
        }
        try (OrtSession.Result result = session.run(feeds, options)) {
          runNanos.add(System.nanoTime() - started);
          OnnxValue value =
              result
                  .get(output)
                  .orElseThrow(() -> new DiffusionException("model output missing: " + output));
          OnnxTensor t = (OnnxTensor) value;
          return new FloatOutput(Floats.read(t), t.getInfo().getShape());
        } catch (OrtException e) {
          boolean cancelled;
          synchronized (active) {
            cancelled = this.cancelled.remove(options);
          }
          throw new DiffusionException(
              (cancelled ? "running " + name + " was cancelled" : "running " + name + " failed"),
              e);
        } finally {
          synchronized (active) {
            active.remove(options);
            this.cancelled.remove(options);
          }
        }
      } catch (OrtException e) {
        throw new DiffusionException("cannot create the run options of " + name, e);
      }
    } finally {
      lock.readLock().unlock();
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  /**
   * Cancels the passes of this model in progress on any thread: each ends at its next operator (a
   * {@code Loop} at its next iteration) and throws a {@link DiffusionException} that says it was
   * cancelled. Passes started afterwards run normally. This is how a caller bounds a run: call it
   * from a timer, e.g. {@code scheduler.schedule(model::cancelRuns, 30, SECONDS)}.
   *
   * @return how many passes were asked to stop
   */
  public int cancelRuns() {
    return cancelRunsOf(null);
  }

  /**
   * Cancels the passes of this model in progress on one thread, as {@link #cancelRuns()} does for
   * all: how a run's own timeout stops its pass without touching runs on other threads.
   *
   * @param thread the thread whose passes to stop, or {@code null} for every thread
   * @return how many passes were asked to stop
   */
  public int cancelRunsOf(Thread thread) {
    synchronized (active) {
      int n = 0;
      for (Map.Entry<OrtSession.RunOptions, Thread> entry : active.entrySet()) {
        if (thread != null && entry.getValue() != thread) {
          continue;
        }
        OrtSession.RunOptions o = entry.getKey();
        try {
          o.setTerminate(true);
          cancelled.add(o);
          n++;
        } catch (OrtException e) {
          // the pass is ending on its own
        }
      }
      return n;
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
    return getClass().getSimpleName() + "[" + name + (onCuda ? ", cuda" : ", cpu") + "]";
  }
}
