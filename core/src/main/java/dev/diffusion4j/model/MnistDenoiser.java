package dev.diffusion4j.model;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import dev.diffusion4j.DiffusionException;
import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Part B's one-step denoiser: a UNet trained to map {@code z = x + sigma * eps} (sigma = 0.5) back
 * to the clean digit {@code x} in one pass.
 *
 * <p>ONNX contract (float32, B dynamic): {@code x} [B, 1, 28, 28] -> {@code denoised} [B, 1, 28,
 * 28]. Checked at load. Thread-safe; owns its session and closes it in {@link #close()}.
 */
public final class MnistDenoiser implements AutoCloseable {

  private final OnnxModel model;

  private MnistDenoiser(OnnxModel model) {
    this.model = model;
  }

  /**
   * Loads a denoiser with the default session settings.
   *
   * @param path the .onnx file
   * @return the model
   * @throws IllegalArgumentException naming the file if it is missing, invalid or of another
   *     contract
   */
  public static MnistDenoiser load(Path path) {
    return load(path, SessionSettings.DEFAULT);
  }

  /**
   * Loads a denoiser.
   *
   * @param path the .onnx file
   * @param settings how to open the session
   * @return the model
   */
  public static MnistDenoiser load(Path path, SessionSettings settings) {
    return load(ModelSource.of(path), settings);
  }

  /**
   * Loads a denoiser from a file or from bytes ({@code MnistModels.denoiser()} gives the shipped
   * one).
   *
   * @param source the model
   * @param settings how to open the session
   * @return the model
   */
  public static MnistDenoiser load(ModelSource source, SessionSettings settings) {
    return new MnistDenoiser(
        new OnnxModel(
            source,
            settings,
            List.of(TensorSpec.float32("x", -1, 1, 28, 28)),
            List.of(TensorSpec.float32("denoised", -1, 1, 28, 28))));
  }

  /**
   * Denoises a batch in one pass.
   *
   * @param noisy digits with noise, {@code [B, 1, 28, 28]}. Not modified.
   * @return the clean estimates
   */
  public Tensor denoise(Tensor noisy) {
    noisy.requireRank(4, "noisy");
    int b = noisy.dim(0);
    if (noisy.dim(1) != 1 || noisy.dim(2) != 28 || noisy.dim(3) != 28) {
      throw new IllegalArgumentException(
          "noisy must have shape [B, 1, 28, 28], but has shape: " + Arrays.toString(noisy.shape()));
    }
    model.requireFiniteInput(noisy, "noisy", null);
    OnnxTensor x;
    try {
      x = Floats.create(noisy.data(), new long[] {b, 1, 28, 28}, OnnxJavaType.FLOAT);
    } catch (OrtException e) {
      throw new DiffusionException("cannot create the input of " + model.name(), e);
    }
    OnnxModel.FloatOutput out = model.run(Map.of("x", x), "denoised", null, b, 1, 28, 28);
    return Tensor.wrap(out.data(), out.intShape());
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
  public void close() {
    model.close();
  }
}
