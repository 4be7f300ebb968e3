package dev.diffusion4j.spark;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.model.IFUNet;
import dev.diffusion4j.model.MnistUNet;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * One {@link Diffusion} per executor JVM and model: opened by the first task that needs it, shared
 * by the tasks running at once on the executor's cores ({@code Diffusion} is thread-safe) and
 * reused by every later task and job in the JVM, then closed when the JVM exits. Loading a model
 * once per JVM rather than once per partition is what makes small partitions cheap.
 *
 * <p>Thread-safe: the first caller opens the model while others wait for it.
 */
final class ExecutorDiffusion {

  /**
   * What the log says when a JVM opens a model, followed by the model's path, its device and this
   * JVM's count of opens: one such line per executor's log and model (the cluster test counts
   * them).
   */
  static final String OPENED = "diffusion4j opened model";

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ExecutorDiffusion.class);

  private static final Map<ModelSpec, Opened> OPEN = new HashMap<>();
  private static int opens;
  private static boolean hookAdded;

  /** An opened model and the device its sessions run on ({@code cpu}, {@code cuda:N}). */
  record Opened(Diffusion diffusion, String device) {}

  private ExecutorDiffusion() {}

  /**
   * Returns this JVM's model for a spec, opening it on first use.
   *
   * @param spec the model
   * @return the shared instance; callers never close it
   */
  static synchronized Opened get(ModelSpec spec) {
    Opened opened = OPEN.get(spec);
    if (opened == null) {
      String gpu = gpuAddress();
      Diffusion diffusion = spec.open(gpu);
      opened = new Opened(diffusion, deviceOf(diffusion.denoiser(), spec, gpu));
      OPEN.put(spec, opened);
      opens++;
      LOG.info(
          "{} {} on {} in JVM {} (models opened by this JVM: {})",
          OPENED,
          spec.path(),
          opened.device(),
          ProcessHandle.current().pid(),
          opens);
      if (!hookAdded) {
        Runtime.getRuntime()
            .addShutdownHook(new Thread(ExecutorDiffusion::closeAll, "diffusion4j-close"));
        hookAdded = true;
      }
    }
    return opened;
  }

  /**
   * Counts the models opened by this JVM so far (for tests of the one-per-JVM rule).
   *
   * @return the number of {@link Diffusion#mnist} or {@link Diffusion#deepFloyd} calls made
   */
  static synchronized int opens() {
    return opens;
  }

  /** Closes every model. Idempotent. */
  static synchronized void closeAll() {
    for (Opened o : OPEN.values()) {
      o.diffusion().close();
    }
    OPEN.clear();
  }

  /** The first GPU address Spark's resource scheduling gave this task, or {@code null}. */
  private static String gpuAddress() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return null;
    }
    ResourceInformation gpu = task.resourcesJMap().get("gpu");
    return gpu == null || gpu.addresses().length == 0 ? null : gpu.addresses()[0];
  }

  private static String deviceOf(Denoiser denoiser, ModelSpec spec, String gpu) {
    boolean cuda =
        denoiser instanceof MnistUNet m
            ? m.onnx().onCuda()
            : denoiser instanceof IFUNet f && f.onnx().onCuda();
    if (!cuda) {
      return "cpu";
    }
    if (spec.device().startsWith("cuda:")) {
      return spec.device();
    }
    return spec.device().equals("cuda") && gpu != null ? "cuda:" + gpu.trim() : "cuda:0";
  }
}
