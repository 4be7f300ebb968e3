package dev.diffusion4j.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.diffusion4j.DiffusionException;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Part B's time-conditioned or class-conditioned UNet as an ONNX Runtime session, behind the {@link
 * Denoiser} contract.
 *
 * <p>ONNX contract (float32, B dynamic): {@code x} [B, 1, 28, 28] in [0, 1] plus noise, {@code t}
 * [B] the normalised time {@code t / 300}, and for the class model {@code c} [B, 10] a one-hot
 * digit (all zeros for the unconditional pass) -> {@code eps} [B, 1, 28, 28]. Checked at load.
 * Schedule: linear, T = 300, {@code sqrt(beta)} noise ({@link DDPMScheduler#mnist()}).
 *
 * <pre>{@code
 * try (MnistUNet unet = MnistUNet.classConditioned(Path.of("testdata/models/mnist/class-epoch20.onnx"))) {
 *   Prediction p = unet.predict(x, new int[] {300}, MnistUNet.oneHot(7));
 * }
 * }</pre>
 *
 * <p>Thread-safe; owns its session and closes it in {@link #close()}.
 */
public final class MnistUNet implements Denoiser {

  /** The number of classes of the class-conditioned model. */
  public static final int NUM_CLASSES = 10;

  private static final int T = 300;
  private static final List<TensorSpec> OUTPUTS = List.of(TensorSpec.float32("eps", -1, 1, 28, 28));

  private final OnnxModel model;
  private final boolean classConditioned;
  private final DDPMScheduler scheduler = DDPMScheduler.mnist();

  private MnistUNet(OnnxModel model, boolean classConditioned) {
    this.model = model;
    this.classConditioned = classConditioned;
  }

  /**
   * Loads a time-conditioned UNet with the default session settings.
   *
   * @param path the .onnx file
   * @return the model
   * @throws IllegalArgumentException naming the file if it is missing, invalid or of another
   *     contract
   */
  public static MnistUNet timeConditioned(Path path) {
    return timeConditioned(path, SessionSettings.DEFAULT);
  }

  /**
   * Loads a time-conditioned UNet.
   *
   * @param path the .onnx file
   * @param settings how to open the session
   * @return the model
   */
  public static MnistUNet timeConditioned(Path path, SessionSettings settings) {
    return timeConditioned(ModelSource.of(path), settings);
  }

  /**
   * Loads a time-conditioned UNet from a file or from bytes.
   *
   * @param source the model
   * @param settings how to open the session
   * @return the model
   */
  public static MnistUNet timeConditioned(ModelSource source, SessionSettings settings) {
    List<TensorSpec> inputs =
        List.of(TensorSpec.float32("x", -1, 1, 28, 28), TensorSpec.float32("t", -1));
    return new MnistUNet(new OnnxModel(source, settings, inputs, OUTPUTS), false);
  }

  /**
   * Loads a class-conditioned UNet with the default session settings.
   *
   * @param path the .onnx file
   * @return the model
   */
  public static MnistUNet classConditioned(Path path) {
    return classConditioned(path, SessionSettings.DEFAULT);
  }

  /**
   * Loads a class-conditioned UNet.
   *
   * @param path the .onnx file
   * @param settings how to open the session
   * @return the model
   */
  public static MnistUNet classConditioned(Path path, SessionSettings settings) {
    return classConditioned(ModelSource.of(path), settings);
  }

  /**
   * Loads a class-conditioned UNet from a file or from bytes.
   *
   * @param source the model
   * @param settings how to open the session
   * @return the model
   */
  public static MnistUNet classConditioned(ModelSource source, SessionSettings settings) {
    List<TensorSpec> inputs =
        List.of(
            TensorSpec.float32("x", -1, 1, 28, 28),
            TensorSpec.float32("t", -1),
            TensorSpec.float32("c", -1, NUM_CLASSES));
    return new MnistUNet(new OnnxModel(source, settings, inputs, OUTPUTS), true);
  }

  /**
   * Returns the one-hot condition of a digit.
   *
   * @param digit 0..9
   * @return a {@code [1, 10]} tensor
   */
  public static Tensor oneHot(int digit) {
    if (digit < 0 || digit >= NUM_CLASSES) {
      throw new IllegalArgumentException("digit must be in [0, 9], but is: " + digit);
    }
    float[] d = new float[NUM_CLASSES];
    d[digit] = 1f;
    return Tensor.wrap(d, 1, NUM_CLASSES);
  }

  /**
   * Tells whether this is the class-conditioned model.
   *
   * @return {@code true} for the class model, {@code false} for the time-only model
   */
  public boolean classConditioned() {
    return classConditioned;
  }

  /**
   * Returns the underlying session wrapper.
   *
   * @return the ONNX model
   */
  public OnnxModel onnx() {
    return model;
  }

  @Override
  public int[] sampleShape() {
    return new int[] {1, 28, 28};
  }

  @Override
  public int[] conditionShape() {
    return classConditioned ? new int[] {NUM_CLASSES} : null;
  }

  @Override
  public DDPMScheduler scheduler() {
    return scheduler;
  }

  @Override
  public ValueRange valueRange() {
    return ValueRange.ZERO_TO_ONE;
  }

  @Override
  public Prediction predict(Tensor sample, int[] timesteps, Tensor condition) {
    sample.requireRank(4, "sample");
    int b = sample.dim(0);
    if (sample.dim(1) != 1 || sample.dim(2) != 28 || sample.dim(3) != 28) {
      throw new IllegalArgumentException(
          "sample must have shape [B, 1, 28, 28], but has shape: "
              + Arrays.toString(sample.shape()));
    }
    if (timesteps == null || timesteps.length != b) {
      throw new IllegalArgumentException(
          "timesteps must hold one entry per sample ("
              + b
              + "), but holds: "
              + (timesteps == null ? "null" : timesteps.length));
    }
    float[] t = new float[b];
    for (int i = 0; i < b; i++) {
      if (timesteps[i] < 0 || timesteps[i] > T) {
        throw new IllegalArgumentException(
            "timesteps must be in [0, " + T + "], but timesteps[" + i + "] is: " + timesteps[i]);
      }
      t[i] = (float) timesteps[i] / T;
    }
    if (classConditioned) {
      if (condition == null
          || condition.rank() != 2
          || condition.dim(0) != b
          || condition.dim(1) != NUM_CLASSES) {
        throw new IllegalArgumentException(
            "condition must have shape ["
                + b
                + ", 10], but is: "
                + (condition == null ? "null" : Arrays.toString(condition.shape())));
      }
    } else if (condition != null) {
      throw new IllegalArgumentException(
          "condition must be null for the time-conditioned UNet, but has shape: "
              + Arrays.toString(condition.shape()));
    }
    String step = OnnxModel.step(timesteps);
    model.requireFiniteInput(sample, "sample", step);
    if (condition != null) {
      model.requireFiniteInput(condition, "condition", step);
    }
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    try {
      feeds.put(
          "x",
          Floats.create(
              sample.data(), new long[] {b, 1, 28, 28}, ai.onnxruntime.OnnxJavaType.FLOAT));
      feeds.put("t", Floats.create(t, new long[] {b}, ai.onnxruntime.OnnxJavaType.FLOAT));
      if (classConditioned) {
        feeds.put(
            "c",
            Floats.create(
                condition.data(), new long[] {b, NUM_CLASSES}, ai.onnxruntime.OnnxJavaType.FLOAT));
      }
    } catch (OrtException e) {
      feeds.values().forEach(OnnxTensor::close);
      throw new DiffusionException("cannot create the inputs of " + model.name(), e);
    }
    OnnxModel.FloatOutput out = model.run(feeds, "eps", step, b, 1, 28, 28);
    return new Prediction(Tensor.wrap(out.data(), out.intShape()), null);
  }

  @Override
  public void cancel() {
    model.cancelRuns();
  }

  @Override
  public void cancel(Thread thread) {
    model.cancelRunsOf(thread);
  }

  @Override
  public void close() {
    model.close();
  }

  @Override
  public String toString() {
    return "MnistUNet[" + (classConditioned ? "class" : "time") + ", " + model + "]";
  }
}
