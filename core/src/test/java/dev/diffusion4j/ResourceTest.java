package dev.diffusion4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Native resources are released: many runs do not grow the process, and close releases sessions.
 */
class ResourceTest {

  /** Resident memory may grow by at most this much over 1,000 runs (allocator noise, JIT). */
  static final long RSS_BOUND_KB = 48 * 1024;

  static long residentKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  @Test
  void thousandRunsDoNotGrowResidentMemory() throws IOException {
    Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/status")), "needs Linux /proc");
    SessionSettings cpu = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);
    try (Diffusion d = Diffusion.mnist(TestData.path("models/contract/class-d4.onnx"), cpu)) {
      for (int i = 0; i < 200; i++) {
        d.pipeline().label(i % 10).steps(1).seed(i).generate();
      }
      System.gc();
      long before = residentKb();
      for (int i = 0; i < 1000; i++) {
        d.pipeline().label(i % 10).steps(1).seed(i).generate();
      }
      System.gc();
      long after = residentKb();
      assertThat(after - before)
          .as("resident memory growth over 1,000 runs, KiB (before %d, after %d)", before, after)
          .isLessThan(RSS_BOUND_KB);
    }
  }

  @Test
  void closeReleasesTheSessions() {
    SessionSettings cpu = SessionSettings.on(Device.cpu());
    Diffusion d = Diffusion.mnist(TestData.path("models/contract/class-d4.onnx"), cpu);
    MnistUNet unet = (MnistUNet) d.denoiser();
    d.close();
    assertThat(unet.onnx().isClosed()).isTrue();
  }
}
