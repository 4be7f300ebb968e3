package dev.diffusion4j.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.diffusion4j.DiffusionException;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.schedule.DDPMScheduler;
import dev.diffusion4j.schedule.NoiseSchedule;
import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A DeepFloyd IF stage UNet as an ONNX Runtime session.
 *
 * <p>Contract, checked at load (B dynamic; float tensors may be float32 or float16, converted in
 * Java):
 *
 * <ul>
 *   <li>stage I: {@code sample} [B, 3, 64, 64], {@code timestep} [B] (int64, float32 or float16),
 *       {@code encoder_hidden_states} [B, 77, W] -> {@code noise_pred} [B, 6, 64, 64];
 *   <li>stage II: {@code sample} [B, 6, 256, 256] (x_t and the noised upscaled image), {@code
 *       timestep} [B], {@code encoder_hidden_states} [B, 77, W], {@code class_labels} [B] (the
 *       noise level; int64 or float) -> {@code noise_pred} [B, 6, 256, 256].
 * </ul>
 *
 * <p>The embedding width {@code W} is read from the model (4096, T5 v1.1 XXL's, for IF's UNets;
 * less for small test models); it must be a fixed dimension of the graph.
 *
 * <p>Output channels 0-2 are the noise estimate, 3-5 the variance values of the learned-range
 * scheduler (cosine schedule, T = 1000; a scheduler with a fixed variance type ignores them, as
 * diffusers' IF pipelines do). Thread-safe; owns its session.
 */
public final class IFUNet implements ImageConditioned {

  private static final Set<OnnxJavaType> FLOATS = Set.of(OnnxJavaType.FLOAT, OnnxJavaType.FLOAT16);
  private static final Set<OnnxJavaType> TIMES =
      Set.of(OnnxJavaType.INT64, OnnxJavaType.FLOAT, OnnxJavaType.FLOAT16);

  private final OnnxModel model;
  private final boolean stageTwo;
  private final int size;
  private final DDPMScheduler scheduler;
  private final int width;

  private IFUNet(OnnxModel model, boolean stageTwo, int size, DDPMScheduler scheduler) {
    this.model = model;
    this.stageTwo = stageTwo;
    this.size = size;
    this.scheduler = scheduler;
    long w = model.inputShape("encoder_hidden_states")[2];
    if (w <= 0) {
      model.close();
      throw new IllegalArgumentException(
          "model file "
              + model.path()
              + ": encoder_hidden_states must have a fixed embedding width (its last dimension),"
              + " but it is symbolic");
    }
    this.width = (int) w;
  }

  /**
   * Loads a stage I UNet (64x64).
   *
   * @param path the .onnx file
   * @param scheduler the scheduler of the model's config
   * @param settings how to open the session
   * @return the model
   * @throws IllegalArgumentException naming the file if it is missing, invalid or of another
   *     contract
   */
  public static IFUNet stageOne(Path path, DDPMScheduler scheduler, SessionSettings settings) {
    return load(path, false, 64, scheduler, settings);
  }

  /**
   * Loads a stage II UNet (256x256).
   *
   * @param path the .onnx file
   * @param scheduler the scheduler of the model's config
   * @param settings how to open the session
   * @return the model
   */
  public static IFUNet stageTwo(Path path, DDPMScheduler scheduler, SessionSettings settings) {
    return load(path, true, 256, scheduler, settings);
  }

  private static IFUNet load(
      Path path, boolean two, int size, DDPMScheduler scheduler, SessionSettings settings) {
    if (scheduler.schedule().kind() != NoiseSchedule.Kind.COSINE) {
      throw new IllegalArgumentException(
          "scheduler must have the cosine schedule for IF, but has: " + scheduler.schedule());
    }
    List<TensorSpec> inputs =
        two
            ? List.of(
                TensorSpec.of("sample", FLOATS, -1, 6, size, size),
                TensorSpec.of("timestep", TIMES, -1),
                TensorSpec.of("encoder_hidden_states", FLOATS, -1, 77, -1),
                TensorSpec.of("class_labels", TIMES, -1))
            : List.of(
                TensorSpec.of("sample", FLOATS, -1, 3, size, size),
                TensorSpec.of("timestep", TIMES, -1),
                TensorSpec.of("encoder_hidden_states", FLOATS, -1, 77, -1));
    List<TensorSpec> outputs = List.of(TensorSpec.of("noise_pred", FLOATS, -1, 6, size, size));
    return new IFUNet(new OnnxModel(path, settings, inputs, outputs), two, size, scheduler);
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
    return new int[] {3, size, size};
  }

  @Override
  public int[] conditionShape() {
    return new int[] {77, width};
  }

  @Override
  public DDPMScheduler scheduler() {
    return scheduler;
  }

  @Override
  public ValueRange valueRange() {
    return ValueRange.MINUS_ONE_TO_ONE;
  }

  @Override
  public int imageChannels() {
    return stageTwo ? 3 : 0;
  }

  @Override
  public Prediction predict(Tensor sample, int[] timesteps, Tensor condition) {
    if (stageTwo) {
      throw new IllegalStateException(
          "stage II needs the upscaled image and its noise level: use the upscaler pipeline");
    }
    return run(sample, timesteps, condition, 0);
  }

  @Override
  public Prediction predict(
      Tensor sampleAndImage, int[] timesteps, Tensor condition, int noiseLevel) {
    if (!stageTwo) {
      return predict(sampleAndImage, timesteps, condition);
    }
    return run(sampleAndImage, timesteps, condition, noiseLevel);
  }

  private Prediction run(Tensor sample, int[] timesteps, Tensor condition, int noiseLevel) {
    int channels = stageTwo ? 6 : 3;
    sample.requireRank(4, "sample");
    int b = sample.dim(0);
    if (sample.dim(1) != channels || sample.dim(2) != size || sample.dim(3) != size) {
      throw new IllegalArgumentException(
          "sample must have shape [B, "
              + channels
              + ", "
              + size
              + ", "
              + size
              + "], but has shape: "
              + Arrays.toString(sample.shape()));
    }
    if (timesteps == null || timesteps.length != b) {
      throw new IllegalArgumentException(
          "timesteps must hold one entry per sample ("
              + b
              + "), but holds: "
              + (timesteps == null ? "null" : timesteps.length));
    }
    for (int i = 0; i < b; i++) {
      scheduler.schedule().checkTimestep("timesteps[" + i + "]", timesteps[i]);
    }
    if (condition == null
        || condition.rank() != 3
        || condition.dim(0) != b
        || condition.dim(1) != 77
        || condition.dim(2) != width) {
      throw new IllegalArgumentException(
          "condition must have shape ["
              + b
              + ", 77, "
              + width
              + "], but is: "
              + (condition == null ? "null" : Arrays.toString(condition.shape())));
    }
    String step = OnnxModel.step(timesteps);
    model.requireFiniteInput(sample, "sample", step);
    model.requireFiniteInput(condition, "condition", step);
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    try {
      feeds.put(
          "sample",
          Floats.create(
              sample.data(), new long[] {b, channels, size, size}, model.inputType("sample")));
      feeds.put("timestep", times(timesteps, model.inputType("timestep")));
      feeds.put(
          "encoder_hidden_states",
          Floats.create(
              condition.data(),
              new long[] {b, 77, width},
              model.inputType("encoder_hidden_states")));
      if (stageTwo) {
        int[] levels = new int[b];
        Arrays.fill(levels, noiseLevel);
        feeds.put("class_labels", times(levels, model.inputType("class_labels")));
      }
    } catch (OrtException e) {
      feeds.values().forEach(OnnxTensor::close);
      throw new DiffusionException("cannot create the inputs of " + model.name(), e);
    }
    OnnxModel.FloatOutput out = model.run(feeds, "noise_pred", step, b, 6, size, size);
    Tensor both = Tensor.wrap(out.data(), out.intShape());
    return new Prediction(both.channels(0, 3), both.channels(3, 6));
  }

  private static OnnxTensor times(int[] values, OnnxJavaType type) throws OrtException {
    long[] shape = {values.length};
    if (type == OnnxJavaType.INT64) {
      long[] l = new long[values.length];
      for (int i = 0; i < l.length; i++) {
        l[i] = values[i];
      }
      return Floats.createLong(l, shape);
    }
    float[] f = new float[values.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = values[i];
    }
    return Floats.create(f, shape, type);
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
    return "IFUNet[stage " + (stageTwo ? "II" : "I") + ", " + model + "]";
  }
}
