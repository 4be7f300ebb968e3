package dev.diffusion4j.model;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

/**
 * How the library opens ONNX Runtime sessions.
 *
 * @param device where the sessions run (default {@link Device#auto()})
 * @param intraOpThreads threads one operator may use; 0 lets ONNX Runtime choose (one per physical
 *     core), the default
 * @param optimizationLevel graph optimisations applied at load (default {@link OptLevel#ALL_OPT}:
 *     constant folding, node fusions such as Conv + BatchNorm, and layout optimisations)
 */
public record SessionSettings(Device device, int intraOpThreads, OptLevel optimizationLevel) {

  /**
   * The most intra-op threads accepted: {@value}. ONNX Runtime creates the whole pool when a
   * session loads, so a count such as 100000 stalls the load for minutes instead of failing.
   */
  public static final int MAX_INTRA_OP_THREADS = 1024;

  /**
   * The system property that turns ONNX Runtime's intra-op spinning back on: {@value} ({@code
   * true}; default {@code false}). ONNX Runtime's worker threads spin after each run by default,
   * waiting for more work; the library turns that off ({@code session.intra_op.allow_spinning =
   * 0}), because an application that calls it now and then burnt CPU between calls (0.15 of a core
   * on average with a run every 250 ms, against 0.005 without spinning, on the 2-core build
   * machine) while the runs themselves took about as long (between 4% slower and 19% faster,
   * interleaved in one JVM). A program that runs back to back on otherwise idle cores may gain a
   * little from {@code -Ddiffusion4j.ort.allowSpinning=true}. Read when a session opens.
   */
  public static final String ALLOW_SPINNING_PROPERTY = "diffusion4j.ort.allowSpinning";

  /**
   * The system property that turns ONNX Runtime's per-operator profile on: {@value}, set to a file
   * prefix; each session opened afterwards writes {@code <prefix>_<date>.json} (Chrome trace
   * format, one event per operator run) when it closes. For benchmarks; read when a session opens.
   */
  public static final String PROFILE_PROPERTY = "diffusion4j.ort.profile";

  /**
   * The system property that turns ONNX Runtime's memory pattern off: {@value} ({@code false};
   * default {@code true}). With it on, a session plans one block for all the activations of a run
   * and keeps it in its arena; off, each activation is allocated as the run reaches it. For memory
   * measurements on large inputs (stage II at 256 px); read when a session opens.
   */
  public static final String MEMORY_PATTERN_PROPERTY = "diffusion4j.ort.memoryPattern";

  /**
   * The system property that turns ONNX Runtime's CPU memory arena off: {@value} ({@code false};
   * default {@code true}). Off, freed buffers go back to the system instead of staying in the arena
   * for the next run. Read when a session opens.
   */
  public static final String CPU_ARENA_PROPERTY = "diffusion4j.ort.cpuArena";

  /** Auto device, ONNX Runtime's thread count, every graph optimisation. */
  public static final SessionSettings DEFAULT =
      new SessionSettings(Device.auto(), 0, OptLevel.ALL_OPT);

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException if a value is missing, negative, or the thread count is above
   *     {@link #MAX_INTRA_OP_THREADS}
   */
  public SessionSettings {
    if (device == null) {
      throw new IllegalArgumentException("device must not be null");
    }
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads must be >= 0, but is: " + intraOpThreads);
    }
    if (intraOpThreads > MAX_INTRA_OP_THREADS) {
      throw new IllegalArgumentException(
          "intraOpThreads must be <= " + MAX_INTRA_OP_THREADS + ", but is: " + intraOpThreads);
    }
    if (optimizationLevel == null) {
      throw new IllegalArgumentException("optimizationLevel must not be null");
    }
  }

  /**
   * The default settings on another device.
   *
   * @param device the device
   * @return the settings
   */
  public static SessionSettings on(Device device) {
    return new SessionSettings(device, 0, OptLevel.ALL_OPT);
  }

  /**
   * Returns a copy with another thread count.
   *
   * @param threads intra-op threads, 0 for ONNX Runtime's choice
   * @return the settings
   */
  public SessionSettings withIntraOpThreads(int threads) {
    return new SessionSettings(device, threads, optimizationLevel);
  }

  /** Reads an on/off property that defaults to on, refusing anything but true and false. */
  static boolean flag(String property) {
    String v = System.getProperty(property);
    if (v == null || v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new IllegalArgumentException(
        "system property "
            + property
            + " must be true or false, but is: '"
            + dev.diffusion4j.Messages.quote(v)
            + "'");
  }

  /** Builds native session options; the caller closes them. Tells whether CUDA was added. */
  OrtSession.SessionOptions toOptions(boolean[] cudaAdded) throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      options.setOptimizationLevel(optimizationLevel);
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      }
      options.addConfigEntry(
          "session.intra_op.allow_spinning",
          Boolean.parseBoolean(System.getProperty(ALLOW_SPINNING_PROPERTY)) ? "1" : "0");
      if (!flag(MEMORY_PATTERN_PROPERTY)) {
        options.setMemoryPatternOptimization(false);
      }
      if (!flag(CPU_ARENA_PROPERTY)) {
        options.setCPUArenaAllocator(false);
      }
      String profile = System.getProperty(PROFILE_PROPERTY);
      if (profile != null && !profile.isEmpty()) {
        options.enableProfiling(profile);
      }
      cudaAdded[0] = device.configure(options);
      return options;
    } catch (OrtException | RuntimeException e) {
      options.close();
      throw e;
    }
  }
}
