package dev.diffusion4j.model;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import java.lang.System.Logger.Level;

/**
 * Where ONNX Runtime sessions run.
 *
 * <ul>
 *   <li>{@link #auto()}: tries CUDA device 0 where it can load; otherwise runs on the CPU. The
 *       default. With the CPU-only ONNX Runtime artifact on the classpath it goes to the CPU
 *       silently. On a machine without the NVIDIA driver library ({@code libcuda.so.1}, {@code
 *       nvcuda.dll}) it goes to the CPU after one log line, without first extracting the 316 MB
 *       CUDA provider that ONNX Runtime would otherwise unpack and fail to load (seconds per
 *       process). When the driver is there but the provider still fails (CUDA 12 / cuDNN 9 missing
 *       from the library path), it logs one line (once per process) and runs on the CPU.
 *   <li>{@link #cuda(int)}: CUDA only; fails with a {@link dev.diffusion4j.DiffusionException}
 *       naming the requirement when the provider cannot be loaded.
 *   <li>{@link #cpu()}: the CPU only.
 * </ul>
 *
 * <p>{@code OrtEnvironment.getAvailableProviders()} is not consulted: it lists the providers
 * compiled into the native library, not those that can load on this host. The only reliable test is
 * to append the provider, which is what this class does once the two cheap checks above pass. The
 * driver probe looks for {@code /proc/driver/nvidia/version} or {@code libcuda.so.1} in the usual
 * library folders and {@code LD_LIBRARY_PATH} (Linux), or {@code nvcuda.dll} in the system folder
 * (Windows); set the system property {@value #PROBE_PROPERTY} to {@code false} to skip it and
 * always try.
 *
 * <p>CUDA provider options are set deliberately: {@code cudnn_conv_algo_search = HEURISTIC} (no
 * exhaustive benchmark at the first run of each shape), {@code cudnn_conv_use_max_workspace = 1}
 * (faster convolution algorithms for the UNets' large convolutions), {@code arena_extend_strategy =
 * kSameAsRequested} (the arena grows by what is asked rather than doubling, which keeps the memory
 * of a long-lived process bounded). Instances are immutable and thread-safe.
 */
public final class Device {

  /** The system property that turns the CUDA driver probe of {@link #auto()} off. */
  public static final String PROBE_PROPERTY = "diffusion4j.cuda.probe";

  private static final System.Logger LOG = System.getLogger(Device.class.getName());
  private static final java.util.concurrent.atomic.AtomicBoolean FALLBACK_LOGGED =
      new java.util.concurrent.atomic.AtomicBoolean();

  private enum Kind {
    AUTO,
    CPU,
    CUDA
  }

  private final Kind kind;
  private final int deviceId;

  private Device(Kind kind, int deviceId) {
    this.kind = kind;
    this.deviceId = deviceId;
  }

  /**
   * CUDA device 0 when it loads, the CPU otherwise.
   *
   * @return the device
   */
  public static Device auto() {
    return new Device(Kind.AUTO, 0);
  }

  /**
   * The CPU.
   *
   * @return the device
   */
  public static Device cpu() {
    return new Device(Kind.CPU, -1);
  }

  /**
   * A CUDA device, with no fallback.
   *
   * @param deviceId the CUDA device index, {@code >= 0}
   * @return the device
   */
  public static Device cuda(int deviceId) {
    if (deviceId < 0) {
      throw new IllegalArgumentException("deviceId must be >= 0, but is: " + deviceId);
    }
    return new Device(Kind.CUDA, deviceId);
  }

  /**
   * Parses "auto", "cpu", "cuda" or "cuda:N".
   *
   * @param text the device name
   * @return the device
   */
  public static Device parse(String text) {
    if (text != null) {
      if (text.equals("auto")) {
        return auto();
      }
      if (text.equals("cpu")) {
        return cpu();
      }
      if (text.equals("cuda")) {
        return cuda(0);
      }
      if (text.startsWith("cuda:")) {
        try {
          return cuda(Integer.parseInt(text.substring(5)));
        } catch (NumberFormatException e) {
          // fall through to the message below
        }
      }
    }
    throw new IllegalArgumentException(
        "device must be one of auto, cpu, cuda, cuda:N, but is: " + text);
  }

  /**
   * Adds this device's execution provider to session options.
   *
   * @param options the options to modify
   * @return {@code true} when CUDA was added, {@code false} when the session will run on the CPU
   * @throws dev.diffusion4j.DiffusionException for {@link #cuda(int)} when CUDA cannot be loaded
   */
  boolean configure(OrtSession.SessionOptions options) {
    if (kind == Kind.CPU) {
      return false;
    }
    int id = Math.max(0, deviceId);
    if (!CudaProbe.providerShipped()) {
      if (kind == Kind.CUDA) {
        throw new dev.diffusion4j.DiffusionException(
            "CUDA device "
                + id
                + " is not usable: the CPU-only ONNX Runtime artifact (onnxruntime) is on the"
                + " classpath; CUDA needs com.microsoft.onnxruntime:onnxruntime_gpu instead");
      }
      return false; // the CPU-only artifact: CUDA can never load, nothing to say
    }
    if (kind == Kind.AUTO
        && !"false".equals(System.getProperty(PROBE_PROPERTY))
        && !CudaProbe.driverPresent()) {
      // a machine without an NVIDIA driver is a CPU-only install: running on its CPU is what
      // was expected, so this is said at DEBUG (once per JVM), not at INFO on every run
      if (FALLBACK_LOGGED.compareAndSet(false, true)) {
        LOG.log(
            Level.DEBUG,
            "CUDA is not available (no NVIDIA driver library found: {0}); running on the CPU",
            CudaProbe.driverLibrary());
      }
      return false;
    }
    try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(id)) {
      cuda.add("cudnn_conv_algo_search", "HEURISTIC");
      cuda.add("cudnn_conv_use_max_workspace", "1");
      cuda.add("arena_extend_strategy", "kSameAsRequested");
      options.addCUDA(cuda);
      return true;
    } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
      if (kind == Kind.CUDA) {
        throw new dev.diffusion4j.DiffusionException(
            "CUDA device "
                + id
                + " is not usable: the CUDA execution provider needs an NVIDIA GPU, CUDA 12 and "
                + "cuDNN 9 on the library path (LD_LIBRARY_PATH) and the onnxruntime_gpu artifact; "
                + "ONNX Runtime said: "
                + e.getMessage(),
            e);
      }
      if (FALLBACK_LOGGED.compareAndSet(false, true)) { // one line per process, not per session
        LOG.log(
            Level.INFO,
            "CUDA is not available ({0}); running on the CPU",
            String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      }
      return false;
    }
  }

  /**
   * Whether sessions opened on this device run on CUDA: {@link #auto()} answers what it would do
   * (the provider is appended to throwaway options), so that a caller can pick a model file for it
   * first.
   *
   * @return {@code true} on CUDA, {@code false} on the CPU
   * @throws dev.diffusion4j.DiffusionException for {@link #cuda(int)} when CUDA cannot be loaded
   */
  public boolean runsOnCuda() {
    if (kind == Kind.CPU) {
      return false;
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      return configure(options);
    }
  }

  @Override
  public String toString() {
    return switch (kind) {
      case AUTO -> "auto";
      case CPU -> "cpu";
      case CUDA -> "cuda:" + deviceId;
    };
  }
}
