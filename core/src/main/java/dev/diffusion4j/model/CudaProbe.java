package dev.diffusion4j.model;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Cheap checks that come before asking ONNX Runtime for CUDA: whether the ONNX Runtime artifact on
 * the classpath ships the CUDA provider at all, and whether this machine has the NVIDIA driver
 * library that the provider needs. Each is computed once per process.
 */
final class CudaProbe {

  private CudaProbe() {}

  private static final class Shipped {
    static final boolean VALUE = computeProviderShipped();
  }

  private static final class Driver {
    static final String LIBRARY = computeDriverLibrary();
    static final boolean VALUE = computeDriverPresent();
  }

  /** Whether the ONNX Runtime artifact on the classpath holds the CUDA provider library. */
  static boolean providerShipped() {
    return Shipped.VALUE;
  }

  /** Whether the NVIDIA driver library can be found on this machine. */
  static boolean driverPresent() {
    return Driver.VALUE;
  }

  /** The driver library looked for, for messages. */
  static String driverLibrary() {
    return Driver.LIBRARY;
  }

  private static String os() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.contains("win")) {
      return "win";
    }
    if (os.contains("mac") || os.contains("darwin")) {
      return "osx";
    }
    return "linux";
  }

  private static String arch() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    return arch.equals("amd64") || arch.equals("x86_64") ? "x64" : arch;
  }

  private static boolean computeProviderShipped() {
    String lib = System.mapLibraryName("onnxruntime_providers_cuda");
    String nativePath = System.getProperty("onnxruntime.native.path");
    if (nativePath != null && Files.isRegularFile(Path.of(nativePath, lib))) {
      return true;
    }
    if (System.getProperty("onnxruntime.native.onnxruntime_providers_cuda.path") != null) {
      return true;
    }
    String resource = "/ai/onnxruntime/native/" + os() + "-" + arch() + "/" + lib;
    return OrtEnvironment.class.getResource(resource) != null;
  }

  private static String computeDriverLibrary() {
    return switch (os()) {
      case "win" -> "nvcuda.dll";
      case "osx" -> "none on macOS";
      default -> "libcuda.so.1";
    };
  }

  private static boolean computeDriverPresent() {
    switch (os()) {
      case "osx":
        return false;
      case "win":
        String root = System.getenv().getOrDefault("SystemRoot", "C:\\Windows");
        return Files.isRegularFile(Path.of(root, "System32", "nvcuda.dll"));
      default:
        if (Files.exists(Path.of("/proc/driver/nvidia/version"))) {
          return true;
        }
        for (String dir : linuxLibraryFolders()) {
          if (Files.exists(Path.of(dir, "libcuda.so.1"))) {
            return true;
          }
        }
        return false;
    }
  }

  private static List<String> linuxLibraryFolders() {
    List<String> dirs = new ArrayList<>();
    String ld = System.getenv("LD_LIBRARY_PATH");
    if (ld != null) {
      for (String d : ld.split(":")) {
        if (!d.isEmpty()) {
          dirs.add(d);
        }
      }
    }
    String multiarch = arch().equals("x64") ? "x86_64-linux-gnu" : arch() + "-linux-gnu";
    dirs.addAll(
        List.of(
            "/usr/lib/" + multiarch,
            "/lib/" + multiarch,
            "/usr/lib64",
            "/usr/lib",
            "/usr/local/cuda/lib64",
            "/usr/local/cuda/compat",
            "/usr/local/nvidia/lib64",
            "/usr/lib/wsl/lib",
            "/run/opengl-driver/lib"));
    return dirs;
  }
}
