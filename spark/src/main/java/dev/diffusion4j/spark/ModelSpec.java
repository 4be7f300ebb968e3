package dev.diffusion4j.spark;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkFiles;

/**
 * Which model an executor opens and how: an MNIST UNet ({@code .onnx} file) or a DeepFloyd IF
 * models folder, the device and the intra-op thread count of its sessions.
 *
 * <p>The path is looked up on the executor, first as given (a path on a shared file system, or a
 * path relative to the executor's working directory, where YARN and Kubernetes unpack {@code
 * --archives models.zip#models}), then relative to the folder Spark copies {@code --files} and
 * {@code --archives} into ({@link SparkFiles#getRootDirectory()}), so {@code --files
 * class-epoch20.onnx} with {@code --model class-epoch20.onnx} works on every cluster manager.
 *
 * @param path the {@code .onnx} file or the IF models folder
 * @param device {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}; {@code cuda} uses the
 *     GPU Spark assigned to the task ({@code spark.task.resource.gpu.amount}) when there is one
 * @param intraOpThreads threads one ONNX operator may use; 1 (one per task, Spark runs one task per
 *     core) unless the executor runs fewer tasks than it has cores
 */
public record ModelSpec(String path, String device, int intraOpThreads) implements Serializable {

  /** The default device: CUDA when it loads, the CPU otherwise. */
  public static final String DEFAULT_DEVICE = "auto";

  /** The default intra-op thread count: one per task. */
  public static final int DEFAULT_INTRA_OP_THREADS = 1;

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException naming the setting and its value
   */
  public ModelSpec {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("model path must not be empty, but is: " + path);
    }
    Device.parse(device);
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must be >= 0, but is: " + intraOpThreads);
    }
  }

  /**
   * A model on the default device with one intra-op thread.
   *
   * @param path the {@code .onnx} file or the IF models folder
   * @return the spec
   */
  public static ModelSpec of(String path) {
    return new ModelSpec(path, DEFAULT_DEVICE, DEFAULT_INTRA_OP_THREADS);
  }

  /**
   * Finds the model on this JVM.
   *
   * @return the first of the places described on this class that exists
   * @throws IllegalArgumentException naming every place tried
   */
  Path resolve() {
    List<Path> tried = new ArrayList<>();
    Path given = Path.of(path);
    tried.add(given.toAbsolutePath());
    if (Files.exists(given)) {
      return given;
    }
    String sparkFiles = sparkFilesRoot();
    if (sparkFiles != null && !given.isAbsolute()) {
      Path shipped = Path.of(sparkFiles).resolve(given);
      tried.add(shipped);
      if (Files.exists(shipped)) {
        return shipped;
      }
    }
    throw new IllegalArgumentException(
        "model not found: "
            + path
            + "; looked at "
            + tried
            + " (ship it with --files or --archives, or give a path every executor can read)");
  }

  private static String sparkFilesRoot() {
    try {
      return SparkFiles.getRootDirectory();
    } catch (RuntimeException noSparkEnv) { // outside Spark (a plain JVM): nothing was shipped
      return null;
    }
  }

  /**
   * Opens the model: {@link Diffusion#deepFloyd(Path, SessionSettings)} for a folder, {@link
   * Diffusion#mnist(Path, SessionSettings)} for a file. The caller owns the result.
   *
   * @param gpuAddress the GPU Spark assigned to this executor, or {@code null}
   * @return the opened model
   */
  Diffusion open(String gpuAddress) {
    Path file = resolve();
    Device d = Device.parse(device);
    if (device.equals("cuda") && gpuAddress != null) {
      d = Device.cuda(Integer.parseInt(gpuAddress.trim()));
    }
    SessionSettings settings = SessionSettings.on(d).withIntraOpThreads(intraOpThreads);
    return Files.isDirectory(file)
        ? Diffusion.deepFloyd(file, settings)
        : Diffusion.mnist(file, settings);
  }
}
